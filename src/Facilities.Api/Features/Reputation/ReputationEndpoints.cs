using Facilities.Api.Web;

namespace Facilities.Api.Features.Reputation;

public static class ReputationEndpoints
{
    public static RouteHandlerBuilder MapReputationRules(this IEndpointRouteBuilder app) =>
        app.MapGet("/api/v1/reputation/rules", (ReputationRules rules, RateLimitSettings limits) => TypedResults.Ok(new { rules, rate_limits = limits }))
            .WithTags("Contributors").WithSummary("Every parameter of reputation, privileges, validation and rate limits in force.");
}
