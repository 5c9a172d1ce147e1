using Mediator;
using Microsoft.AspNetCore.Mvc;

namespace Facilities.Api.Features.Search;

public static class SearchEndpoint
{
    public static IServiceCollection AddSearch(this IServiceCollection services)
    {
        // The geocoder's own timeout (Search:GeocoderTimeoutMs) bounds each request; HttpClient's is the outer guard.
        services.AddHttpClient<Geocoder>(client =>
        {
            client.Timeout = TimeSpan.FromSeconds(10);
            // Nominatim's usage policy asks every application to name itself.
            client.DefaultRequestHeaders.UserAgent.ParseAdd("Facilities/1.0 (+https://github.com/facilities)");
        });
        return services;
    }

    public static IEndpointRouteBuilder MapSearch(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/search", async (
                IMediator mediator,
                [FromQuery(Name = "q")] string? q,
                [FromQuery(Name = "lat")] string? lat,
                [FromQuery(Name = "lon")] string? lon,
                [FromQuery(Name = "lang")] string? lang,
                [FromQuery(Name = "limit")] string? limit,
                CancellationToken ct) => TypedResults.Ok(await mediator.Send(new SearchQuery(q, lat, lon, lang, limit), ct)))
            .WithName("Search")
            .WithTags("Residents")
            .WithSummary("Places (an offline gazetteer, and addresses when a geocoder is configured) and facilities by name.")
            .WithDescription($"q is 1 to {SearchQuery.MaxQueryLength} characters; lat and lon, together, order facilities nearest first " +
                             $"and give each answer its distance_m; lang (en, zh-Hans; any zh tag reads as zh-Hans) chooses the names; " +
                             $"limit ({SearchQuery.DefaultLimit}, at most {SearchQuery.MaxLimit}) applies to each list.")
            .Produces<SearchResponse>()
            .ProducesValidationProblem();
        return app;
    }
}
