using System.Security.Claims;
using System.Text.Json.Nodes;
using Facilities.Api.Features.Accounts;
using Facilities.Api.Web;
using Mediator;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace Facilities.Api.Features.Proposals;

public static class ProposalsEndpoints
{
    /// <summary>Contribution bodies are small; a 10 MB comment is refused before it is read.</summary>
    public const long MaxBodyBytes = 64 * 1024;

    public sealed record ProposalBody(JsonNode? Kind, JsonNode? FacilityId, JsonNode? BaseVersion, JsonNode? Location, JsonNode? Changes,
        JsonNode? StatusUntil, JsonNode? Comment);

    public sealed record VoteBody(JsonNode? Vote, JsonNode? Comment);

    public sealed record ReportBody(JsonNode? Reason, JsonNode? Comment);

    public sealed record ConfirmationBody(JsonNode? Comment);

    public static IEndpointRouteBuilder MapProposals(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/proposals").WithTags("Contributors");
        group.MapPost("/", async (IMediator mediator, ClaimsPrincipal user, ProposalBody body, CancellationToken ct) =>
            {
                var proposal = await mediator.Send(new CreateProposalCommand(user.UserId(), body.Kind, body.FacilityId, body.BaseVersion,
                    body.Location, body.Changes, body.StatusUntil, body.Comment), ct);
                return TypedResults.Created($"/api/v1/proposals/{proposal.Id}", proposal);
            })
            .RequireAuthorization()
            .WithMetadata(new ContributionBudget(RateLimitSettings.ProposalsAction), new BodyLimit(MaxBodyBytes))
            .WithSummary("Propose a change: create, update, move, close (status_until for a temporary closure) or reopen.")
            .WithDescription("Answers 201 with the proposal: state pending, or accepted when the author's reputation lets it apply at once. " +
                             "A create within 50 m of a facility of the same category lists possible_duplicates. An update whose base_version " +
                             "is stale and that touches an attribute changed since is a 409 carrying the current values.")
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status401Unauthorized);

        group.MapGet("/", async (IMediator mediator, ClaimsPrincipal user, [FromQuery(Name = "state")] string? state,
                [FromQuery(Name = "bbox")] string? bbox, [FromQuery(Name = "limit")] string? limit, [FromQuery(Name = "cursor")] string? cursor,
                CancellationToken ct) => TypedResults.Ok(await mediator.Send(new ListProposalsQuery(user.UserId(), state, bbox, limit, cursor), ct)))
            .RequireAuthorization()
            .WithSummary("The review queue (state=pending by default), oldest first; reviewers see all, others their own.");

        group.MapGet("/{id}", async (IMediator mediator, ClaimsPrincipal user, string id, CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(new GetProposalQuery(
                    Guid.TryParse(user.FindFirstValue(ClaimTypes.NameIdentifier), out var userId) ? userId : null, id), ct)))
            .WithSummary("One proposal with its votes; a pending one only for its author and reviewers.")
            .ProducesProblem(StatusCodes.Status404NotFound);

        group.MapPost("/{id}/votes", async (IMediator mediator, ClaimsPrincipal user, string id, VoteBody body, CancellationToken ct) =>
                TypedResults.Ok((await mediator.Send(new VoteCommand(user.UserId(), id, body.Vote, body.Comment), ct)).ValueOrThrow()))
            .RequireAuthorization()
            .WithMetadata(new ContributionBudget(RateLimitSettings.VotesAction), new BodyLimit(MaxBodyBytes))
            .WithSummary("Vote up or down; a second vote replaces the first. Answers the tally and the state.")
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status403Forbidden);

        var facilities = app.MapGroup("/api/v1/facilities/{id}").WithTags("Contributors").RequireAuthorization()
            .WithMetadata(new ContributionBudget(RateLimitSettings.ReportsAction), new BodyLimit(MaxBodyBytes));
        facilities.MapPost("/confirmations", async (IMediator mediator, ClaimsPrincipal user, string id, ConfirmationBody? body,
                CancellationToken ct) => TypedResults.Created($"/api/v1/facilities/{id}",
                await mediator.Send(new ConfirmCommand(user.UserId(), id, body?.Comment), ct)))
            .WithSummary("Still here, as described: weighted like a vote; enough weight refreshes last_verified_at and raises confidence.");
        facilities.MapPost("/reports", async (IMediator mediator, ClaimsPrincipal user, string id, ReportBody body, CancellationToken ct) =>
                TypedResults.Created($"/api/v1/facilities/{id}", await mediator.Send(new ReportCommand(user.UserId(), id, body.Reason, body.Comment), ct)))
            .WithSummary("A problem without an edit. out_of_order reports reaching the threshold close the facility temporarily; " +
                         "closed reports become (or support) a closure proposal.");
        return app;
    }
}

/// <summary>Renders <see cref="StaleEditException"/>: a 409 problem with the facility's current version and values.</summary>
public sealed class StaleEditHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not StaleEditException stale)
        {
            return false;
        }
        httpContext.Response.StatusCode = StatusCodes.Status409Conflict;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails = new ProblemDetails
            {
                Status = StatusCodes.Status409Conflict,
                Title = "Edit based on an old version",
                Detail = stale.Message + " Look at the current values and propose again with base_version set to it.",
                Type = "https://www.rfc-editor.org/rfc/rfc9110#section-15.5.10",
                Extensions = { ["current_version"] = stale.CurrentVersion, ["current"] = stale.Current },
            },
        });
    }
}
