using Facilities.Api.Features.Facilities;
using Mediator;
using Microsoft.AspNetCore.Mvc;

namespace Facilities.Api.Features.Nearby;

public static class NearbyEndpoint
{
    public static IEndpointRouteBuilder MapNearby(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/facilities/nearby", async (
                IMediator mediator,
                [FromQuery(Name = "lat")] string? lat,
                [FromQuery(Name = "lon")] string? lon,
                [FromQuery(Name = "radius_m")] string? radiusM,
                [FromQuery(Name = "limit")] string? limit,
                [AsParameters] FilterParameters filters,
                CancellationToken ct) =>
            {
                var result = await mediator.Send(new NearbyQuery(lat, lon, radiusM, limit, filters.Category, filters.OpenNow,
                    filters.Wheelchair, filters.Free, filters.ChangingTable, filters.Gender, filters.Access, filters.At), ct);
                return TypedResults.Json(result, contentType: FacilityFeatures.GeoJsonContentType);
            })
            .WithName("Nearby")
            .WithTags("Residents")
            .WithSummary("Facilities nearest to a point, nearest first by geodesic distance.")
            .WithDescription($"radius_m defaults to {NearbyQuery.DefaultRadiusM:0} and is at most {NearbyQuery.MaxRadiusM:0}; " +
                             $"limit defaults to {NearbyQuery.DefaultLimit} and is at most {NearbyQuery.MaxLimit}. " +
                             "Each feature carries properties.distance_m.")
            .Produces<FacilityCollection>(StatusCodes.Status200OK, FacilityFeatures.GeoJsonContentType)
            .ProducesValidationProblem();
        return app;
    }
}
