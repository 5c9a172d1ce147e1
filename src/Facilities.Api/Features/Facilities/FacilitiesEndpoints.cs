using Facilities.Api.Web;
using Mediator;
using Microsoft.AspNetCore.Http.Extensions;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.WebUtilities;

namespace Facilities.Api.Features.Facilities;

public static class FacilitiesEndpoints
{
    public static IEndpointRouteBuilder MapFacilities(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/facilities").WithTags("Residents");

        group.MapGet("/", async (
                IMediator mediator, HttpRequest http,
                [FromQuery(Name = "bbox")] string? bbox,
                [FromQuery(Name = "limit")] string? limit,
                [FromQuery(Name = "cursor")] string? cursor,
                [AsParameters] FilterParameters filters,
                CancellationToken ct) =>
            {
                var page = await mediator.Send(new FacilitiesInBboxQuery(bbox, limit, cursor, filters.Category, filters.OpenNow,
                    filters.Wheelchair, filters.Free, filters.ChangingTable, filters.Gender, filters.Access, filters.At), ct);
                var links = page.NextCursor is null ? [] : new List<Link> { new("next", NextPageUrl(http, page.NextCursor)) };
                return TypedResults.Json(new FacilityCollection(page.Features, links), contentType: FacilityFeatures.GeoJsonContentType);
            })
            .WithName("FacilitiesInBbox")
            .WithSummary("Facilities inside a bounding box, paged with a cursor.")
            .WithDescription($"bbox=minLon,minLat,maxLon,maxLat, at most {FacilitiesInBboxQuery.MaxSpanDegrees} degrees each way; " +
                             $"limit defaults to {FacilitiesInBboxQuery.DefaultLimit}, at most {FacilitiesInBboxQuery.MaxLimit}. " +
                             "Follow links[rel=next] until it is absent.")
            .Produces<FacilityCollection>(StatusCodes.Status200OK, FacilityFeatures.GeoJsonContentType)
            .ProducesValidationProblem();

        group.MapGet("/clusters", async (
                IMediator mediator,
                [FromQuery(Name = "bbox")] string? bbox,
                [FromQuery(Name = "zoom")] string? zoom,
                [FromQuery(Name = "category")] string? category,
                CancellationToken ct) =>
                TypedResults.Json(await mediator.Send(new ClustersQuery(bbox, zoom, category), ct),
                    contentType: FacilityFeatures.GeoJsonContentType))
            .WithName("Clusters")
            .WithSummary("Clustered points for a map viewport at a zoom level; count 1 is a single facility with its id.")
            .WithDescription($"zoom 0..{ClustersQuery.MaxZoom}; the bbox may be at most {ClustersQuery.MaxTilesAcross} map tiles wide " +
                             "at that zoom (360*16/2^zoom degrees).")
            .Produces<ClusterCollection>(StatusCodes.Status200OK, FacilityFeatures.GeoJsonContentType)
            .ProducesValidationProblem();

        group.MapGet("/{id}", async (IMediator mediator, HttpContext http, string id, [FromQuery(Name = "at")] string? at, CancellationToken ct) =>
            {
                var feature = await mediator.Send(new GetFacilityQuery(id, at), ct);
                // The version changes with every accepted change; open_now, computed at read time, is in the tag too, and so
                // are last_verified_at and confidence, which confirmations move without a new version.
                var openNow = feature.Properties.OpenNow switch { true => "open", false => "closed", null => "unknown" };
                var verified = feature.Properties.LastVerifiedAt?.Ticks.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "never";
                var confidence = feature.Properties.Confidence.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
                var next = feature.Properties.NextChangeAt?.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none";
                // Photos are approved and hidden without a new version: the tag names the ones shown.
                var photos = string.Join(',', feature.Properties.Photos?.Select(p => p.Id.ToString("N")) ?? []);
                // So are partners' answers to reports: an answer only adds or replaces (a newer time), so their count and the
                // newest time name them.
                var responses = feature.Properties.ReportResponses ?? [];
                var answers = responses.Count == 0 ? "0"
                    : $"{responses.Count}@{responses.Max(r => r.RespondedAt).Ticks.ToString(System.Globalization.CultureInfo.InvariantCulture)}";
                var etag = ConditionalGet.WeakTag($"{feature.Id}:{feature.Properties.Version}:{openNow}:{next}:{verified}:{confidence}:{photos}:{answers}");
                return ConditionalGet.IsNotModified(http, etag, "no-cache")
                    ? ConditionalGet.NotModified
                    : TypedResults.Json(feature, contentType: FacilityFeatures.GeoJsonContentType);
            })
            .WithName("GetFacility")
            .WithSummary("One facility with its sources and per-attribute provenance.")
            .Produces<FacilityFeature>(StatusCodes.Status200OK, FacilityFeatures.GeoJsonContentType)
            .ProducesProblem(StatusCodes.Status404NotFound);

        group.MapGet("/{id}/history", async (IMediator mediator, string id, CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(new FacilityHistoryQuery(id), ct)))
            .WithName("FacilityHistory")
            .WithSummary("Accepted versions of a facility: who or which source, when, what changed, why.")
            .ProducesProblem(StatusCodes.Status404NotFound);

        return app;
    }

    private static string NextPageUrl(HttpRequest request, string cursor)
    {
        var query = QueryHelpers.ParseQuery(request.QueryString.Value);
        var builder = new QueryBuilder(query.Where(q => q.Key != "cursor").SelectMany(q => q.Value.Select(v => KeyValuePair.Create(q.Key, v ?? ""))))
        {
            { "cursor", cursor },
        };
        return UriHelper.BuildAbsolute(request.Scheme, request.Host, request.PathBase, request.Path, builder.ToQueryString());
    }
}
