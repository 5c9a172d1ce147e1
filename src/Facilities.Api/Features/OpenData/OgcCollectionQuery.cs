using Facilities.Api.Data;
using Facilities.Api.Features.Categories;
using Facilities.Api.Web;
using Mediator;
using Npgsql;

namespace Facilities.Api.Features.OpenData;

/// <summary>GET /ogc/collections/{collectionId}: one collection's metadata and extent.</summary>
public sealed record OgcCollectionQuery(string BaseUrl, string CollectionId, string? F, string? Accept, IReadOnlyCollection<string> Parameters)
    : IRequest<OgcCollection>, IOgcRequest;

public sealed class OgcCollectionQueryValidator : OgcRequestValidator<OgcCollectionQuery>
{
    public OgcCollectionQueryValidator() : base(Ogc.CommonParameters, ["json", "html"])
    {
    }
}

public sealed class OgcCollectionHandler(ReadSource dataSource, CategoryCatalog categories)
    : IRequestHandler<OgcCollectionQuery, OgcCollection>
{
    public async ValueTask<OgcCollection> Handle(OgcCollectionQuery request, CancellationToken cancellationToken)
    {
        var collection = await OgcCollectionCatalog.FindAsync(dataSource.DataSource, categories, request.CollectionId, cancellationToken)
            ?? throw new NotFoundException("collection", request.CollectionId);
        var url = Ogc.Url(request.BaseUrl, $"/ogc/collections/{collection.Id}");
        return collection.ToCollection(request.BaseUrl, OgcLinks.SelfAndAlternate(url, request.Format(), collection.Title));
    }
}
