using Facilities.Api.Web;
using Mediator;

namespace Facilities.Api.Features.Partners;

public static class PartnerEndpoints
{
    public static IEndpointRouteBuilder MapPartners(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/partner").WithTags("Government partners").RequirePartnerKey();

        group.MapGet("/feedback", async (IMediator mediator, HttpContext http,
                [Microsoft.AspNetCore.Mvc.FromQuery(Name = "cursor")] string? cursor,
                [Microsoft.AspNetCore.Mvc.FromQuery(Name = "limit")] string? limit, CancellationToken ct) =>
            {
                var page = await mediator.Send(new FeedbackQuery(http.CurrentPartner().Id, cursor, limit), ct);
                return TypedResults.Ok(page);
            })
            .WithName("PartnerFeedback")
            .WithSummary("Community changes and disputes on the partner's facilities, oldest first; follow links[rel=next].");

        group.MapGet("/reviews", async (IMediator mediator, HttpContext http,
                [Microsoft.AspNetCore.Mvc.FromQuery(Name = "state")] string? state,
                [Microsoft.AspNetCore.Mvc.FromQuery(Name = "limit")] string? limit,
                [Microsoft.AspNetCore.Mvc.FromQuery(Name = "cursor")] string? cursor, CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(new PartnerReviewsQuery(http.CurrentPartner().Id, state, limit, cursor), ct)))
            .WithName("PartnerReviews")
            .WithSummary("Ambiguous matches of the partner's own records (state=open by default), each with its candidates: distance, name " +
                         "similarity, score and position; follow links[rel=next].");

        group.MapPost("/reviews/{id}/resolve", async (IMediator mediator, HttpContext http, string id, ResolvePartnerReviewBody body,
                CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(new ResolvePartnerReviewCommand(http.CurrentPartner().Id, id, body.Decision, body.FacilityId), ct)))
            .WithName("ResolvePartnerReview")
            .WithSummary("Settle one of the partner's ambiguous matches: same_as (with facility_id, one of its candidates) merges the record " +
                         "there, different_facility creates a facility for it. Another partner's item is a 404.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);

        return app;
    }

    public sealed record ResolvePartnerReviewBody(System.Text.Json.Nodes.JsonNode? Decision, System.Text.Json.Nodes.JsonNode? FacilityId);
}
