using System.Text.Json;
using Mediator;

namespace Facilities.Api.Features.Open311;

/// <summary>Open311 GeoReport v2 for government partners' systems: JSON and XML, as the spec requires.</summary>
public static class Open311Endpoints
{
    private static readonly JsonSerializerOptions SpecNames = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static IEndpointRouteBuilder MapOpen311(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/open311/v2").WithTags("Open311 GeoReport v2");
        group.MapGet("/services.json", async (IMediator mediator, CancellationToken ct) =>
                TypedResults.Json(await mediator.Send(new ServicesQuery(), ct), SpecNames))
            .WithName("Open311ServicesJson").WithSummary("The report reasons as Open311 services (JSON).");
        group.MapGet("/services.xml", async (IMediator mediator, CancellationToken ct) =>
            {
                var xml = ServicesHandler.ToXml(await mediator.Send(new ServicesQuery(), ct));
                return TypedResults.Text(xml.Declaration + "\n" + xml.Root, "application/xml; charset=utf-8");
            })
            .WithName("Open311ServicesXml").WithSummary("The report reasons as Open311 services (XML).");
        return app;
    }
}
