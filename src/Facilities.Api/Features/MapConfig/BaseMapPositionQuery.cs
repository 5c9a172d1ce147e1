using System.Globalization;
using Facilities.Api.Geography;
using Facilities.Api.Web;
using FluentValidation;
using Mediator;
using Microsoft.AspNetCore.Mvc;

namespace Facilities.Api.Features.MapConfig;

/// <summary>
/// GET /api/v1/map-config/position?crs&amp;lat&amp;lon: where a WGS 84 position is drawn on a base map in crs. The map
/// page asks it for the centre of its view when the configured base map is in GCJ-02 or BD-09 and moves the tiles by
/// the difference, so that the service's one conversion (<see cref="ChinaOffsets"/>) places them and every position
/// the page draws or sends stays WGS 84.
/// </summary>
public sealed record BaseMapPositionQuery(string? Crs, string? Lat, string? Lon) : IRequest<BaseMapPosition>;

public sealed record BaseMapPosition(string Crs, double Lat, double Lon);

public sealed class BaseMapPositionQueryValidator : AbstractValidator<BaseMapPositionQuery>
{
    public BaseMapPositionQueryValidator()
    {
        RuleFor(x => x.Crs).Must(v => WireName.Parse<BaseMapCrs>(v) is not null)
            .WithMessage($"Must be one of: {string.Join(", ", WireName.All<BaseMapCrs>())}.");
        RuleFor(x => x.Lat).Must(v => QueryValues.TryParseDouble(v, out var lat) && lat is >= -90 and <= 90)
            .WithMessage("Must be a latitude from -90 to 90.");
        RuleFor(x => x.Lon).Must(v => QueryValues.TryParseDouble(v, out var lon) && lon is >= -180 and <= 180)
            .WithMessage("Must be a longitude from -180 to 180.");
    }
}

public sealed class BaseMapPositionHandler : IRequestHandler<BaseMapPositionQuery, BaseMapPosition>
{
    public ValueTask<BaseMapPosition> Handle(BaseMapPositionQuery request, CancellationToken cancellationToken)
    {
        var crs = WireName.Parse<BaseMapCrs>(request.Crs)!.Value;
        var wgs = (double.Parse(request.Lon!, CultureInfo.InvariantCulture), double.Parse(request.Lat!, CultureInfo.InvariantCulture));
        var drawn = BaseMapPositions.Drawn(crs, wgs);
        return ValueTask.FromResult(new BaseMapPosition(crs.Name(), drawn.Lat, drawn.Lon));
    }
}

public static class BaseMapPositionEndpoint
{
    public static IEndpointRouteBuilder MapBaseMapPosition(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/map-config/position", async (
                IMediator mediator,
                HttpContext http,
                [FromQuery(Name = "crs")] string? crs,
                [FromQuery(Name = "lat")] string? lat,
                [FromQuery(Name = "lon")] string? lon,
                CancellationToken ct) =>
            {
                // The same question always has the same answer.
                http.Response.Headers.CacheControl = "public, max-age=86400";
                return TypedResults.Ok(await mediator.Send(new BaseMapPositionQuery(crs, lat, lon), ct));
            })
            .WithName("BaseMapPosition")
            .WithTags("Residents")
            .WithSummary("Where a WGS 84 position is drawn on a base map in GCJ-02 or BD-09 (converted only where such maps are offset, in and around China).")
            .Produces<BaseMapPosition>()
            .ProducesValidationProblem();
        return app;
    }
}
