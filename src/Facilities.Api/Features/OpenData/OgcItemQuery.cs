using Facilities.Api.Data;
using Facilities.Api.Features.Categories;
using Facilities.Api.Web;
using FluentValidation;
using Mediator;
using Npgsql;

namespace Facilities.Api.Features.OpenData;

/// <summary>
/// GET /ogc/collections/{collectionId}/items/{featureId}: one facility of the collection. A removed facility is not
/// in any collection (items never lists it), so it is a 404 here, as is a facility of another category.
/// </summary>
public sealed record OgcItemQuery(string BaseUrl, string CollectionId, string FeatureId, string? Crs, string? F, string? Accept,
    IReadOnlyCollection<string> Parameters, string? Properties = null) : IRequest<OgcItem>, IOgcRequest;

public sealed record OgcItem(OgcCollectionInfo Collection, FacilityRow Row, IReadOnlyList<OgcLink> Links, OgcFormat Format, OgcCrs Crs,
    OpenDataSchema Schema, OgcPropertySelection? Selection = null);

public sealed class OgcItemQueryValidator : OgcRequestValidator<OgcItemQuery>
{
    public OgcItemQueryValidator(CategoryCatalog categories) : base(Ogc.ItemParameters, ["json", "geojson", "html"])
    {
        RuleFor(x => x).Custom((request, context) =>
        {
            if (request.Properties is not null && OpenDataSchema.Of(categories).Properties(request.CollectionId) is { } properties
                && OgcPropertySelection.TryParse(request.Properties, properties, request.CollectionId, out var error) is null)
            {
                context.AddFailure("properties", error!);
            }
        });
        RuleFor(x => x.Crs).Custom((value, context) =>
        {
            if (value is not null && OgcCrs.Parse(value) is null)
            {
                context.AddFailure("crs", OgcCrsMessages.Unknown(value));
            }
        });
    }
}

public sealed class OgcItemHandler(ReadSource dataSource, CategoryCatalog categories) : IRequestHandler<OgcItemQuery, OgcItem>
{
    private const string Sql = "select " + FacilityRow.Columns + ", " + OpenDataFeatureJson.SourcesColumn +
                               " from facilities f where f.id = $1 and f.status <> 'removed'";

    public async ValueTask<OgcItem> Handle(OgcItemQuery request, CancellationToken cancellationToken)
    {
        var collection = OgcCollectionCatalog.Describe(categories, request.CollectionId)
            ?? throw new NotFoundException("collection", request.CollectionId);
        if (!Guid.TryParse(request.FeatureId, out var id))
        {
            throw new NotFoundException($"facility in collection '{collection.Id}'", request.FeatureId);
        }

        await using var command = dataSource.CreateCommand(Sql);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken)
            || FacilityRow.ReadWithSources(reader) is not { } row
            || (collection.Id != Ogc.AllFacilities && row.Category != collection.Id))
        {
            throw new NotFoundException($"facility in collection '{collection.Id}'", request.FeatureId);
        }

        var format = request.Format();
        var query = new QueryString();
        if (request.Crs is not null)
        {
            query = query.Add("crs", request.Crs);
        }
        if (request.Properties is not null)
        {
            query = query.Add("properties", OgcPropertySelection.Normalised(request.Properties));
        }
        var url = Ogc.Url(request.BaseUrl, $"/ogc/collections/{collection.Id}/items/{row.Id}") + query;
        var links = new List<OgcLink>(OgcLinks.SelfAndAlternate(url, format, row.Name ?? "This facility", Ogc.GeoJsonType))
        {
            new(Ogc.Url(request.BaseUrl, $"/ogc/collections/{collection.Id}"), "collection", Ogc.JsonType, collection.Title),
            new(Ogc.Url(request.BaseUrl, $"/api/v1/facilities/{row.Id}"), "describedby", Ogc.GeoJsonType,
                "The facility with its sources and the provenance of each attribute"),
        };
        var schema = OpenDataSchema.Of(categories);
        var selection = request.Properties is null ? null : OgcPropertySelection.TryParse(request.Properties, schema.Properties(collection.Id)!, collection.Id, out _);
        return new OgcItem(collection, row, links, format, OgcCrs.Parse(request.Crs) ?? OgcCrs.Crs84, schema, selection);
    }
}
