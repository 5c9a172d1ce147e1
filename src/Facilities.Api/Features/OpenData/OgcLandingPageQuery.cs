using Mediator;

namespace Facilities.Api.Features.OpenData;

/// <summary>GET /ogc: what the API offers, as links (/req/core/root-success).</summary>
public sealed record OgcLandingPageQuery(string BaseUrl, string? F, string? Accept, IReadOnlyCollection<string> Parameters)
    : IRequest<OgcLandingPage>, IOgcRequest;

public sealed class OgcLandingPageQueryValidator : OgcRequestValidator<OgcLandingPageQuery>
{
    public OgcLandingPageQueryValidator() : base(Ogc.CommonParameters, ["json", "html"])
    {
    }
}

public sealed class OgcLandingPageHandler : IRequestHandler<OgcLandingPageQuery, OgcLandingPage>
{
    public ValueTask<OgcLandingPage> Handle(OgcLandingPageQuery request, CancellationToken cancellationToken)
    {
        var b = request.BaseUrl;
        var links = new List<OgcLink>(OgcLinks.SelfAndAlternate(Ogc.Url(b, "/ogc"), request.Format(), "this document"))
        {
            // One service-desc only: GDAL takes the API definition from it, and with several it would take none.
            new(Ogc.Url(b, $"/openapi/{Ogc.ApiDefinitionDocument}.json"), "service-desc", Ogc.ApiDefinitionType, "The API definition (OpenAPI 3.0)"),
            new(Ogc.Url(b, "/docs/"), "service-doc", Ogc.HtmlType, "The API documentation"),
            new(Ogc.Url(b, "/ogc/conformance"), "conformance", Ogc.JsonType, "Conformance classes implemented"),
            new(Ogc.Url(b, "/ogc/conformance"), "http://www.opengis.net/def/rel/ogc/1.0/conformance", Ogc.JsonType, "Conformance classes implemented"),
            new(Ogc.Url(b, "/ogc/collections"), "data", Ogc.JsonType, "The feature collections"),
            new(Ogc.Url(b, "/ogc/collections"), "http://www.opengis.net/def/rel/ogc/1.0/data", Ogc.JsonType, "The feature collections"),
            new(Ogc.Url(b, "/ogc/tiles"), OgcTiles.TilesetsVectorRel, Ogc.JsonType, "Vector tiles of every facility"),
            new(Ogc.Url(b, "/ogc/tileMatrixSets"), OgcTiles.TilingSchemesRel, Ogc.JsonType, "The tile matrix sets"),
            new(Ogc.Url(b, "/api/v1/export/attribution"), "license", Ogc.JsonType, "Sources and their licenses"),
        };
        return ValueTask.FromResult(new OgcLandingPage(
            "Facilities",
            "An open, crowdsourced map of public facilities (toilets, drinking water, defibrillators, showers, benches), " +
            "official data merged with the community's. One collection per category and one with every facility.",
            links));
    }
}
