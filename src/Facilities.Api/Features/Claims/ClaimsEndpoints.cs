using System.Security.Claims;
using System.Text.Json.Nodes;
using Facilities.Api.Features.Accounts;
using Facilities.Api.Web;
using Mediator;
using Microsoft.AspNetCore.Mvc;

namespace Facilities.Api.Features.Claims;

public static class ClaimsEndpoints
{
    private const long MaxBodyBytes = 64 * 1024;

    public sealed record ClaimBody(JsonNode? Evidence, JsonNode? Contact, JsonNode? Attributes);

    public sealed record ClaimNoteBody(JsonNode? Note);

    public sealed record ClaimReasonBody(JsonNode? Reason);

    public sealed record SharedFacilityBody(JsonNode? Location, JsonNode? Changes, JsonNode? Comment, JsonNode? Evidence, JsonNode? Contact,
        JsonNode? Attributes);

    public static IEndpointRouteBuilder MapClaims(this IEndpointRouteBuilder app)
    {
        var budget = new ContributionBudget(RateLimitSettings.ProposalsAction);
        var limit = new BodyLimit(MaxBodyBytes);
        app.MapPost("/api/v1/facilities/{id}/claims", async (IMediator mediator, ClaimsPrincipal user, string id, ClaimBody body, CancellationToken ct) =>
            {
                var claim = await mediator.Send(new ClaimFacilityCommand(user.UserId(), id, body.Evidence, body.Contact, body.Attributes), ct);
                return TypedResults.Created($"/api/v1/me/claims", claim);
            })
            .RequireAuthorization().WithTags("Operators").WithMetadata(budget, limit)
            .WithName("ClaimFacility")
            .WithSummary("Claim a facility you run: evidence (who you are, why it is yours), a contact (e-mail or phone) and the attributes to own.")
            .WithDescription("attributes: one or more of status, status_until, opening_hours, access, fee, charge, wheelchair; status comes with " +
                             "status_until and fee with charge. Answers 201 with the claim, pending a moderator. One open claim per facility and " +
                             "account; an attribute an approved operator or a partner's dataset owns already is a 409 naming it.")
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);

        app.MapPost("/api/v1/shared-facilities", async (IMediator mediator, ClaimsPrincipal user, SharedFacilityBody body, CancellationToken ct) =>
            {
                var shared = await mediator.Send(new ShareFacilityCommand(user.UserId(), body.Location, body.Changes, body.Comment, body.Evidence,
                    body.Contact, body.Attributes), ct);
                return TypedResults.Created($"/api/v1/proposals/{shared.Proposal.Id}", shared);
            })
            .RequireAuthorization().WithTags("Operators").WithMetadata(budget, limit)
            .WithName("ShareFacility")
            .WithSummary("Share a toilet (共享公厕): register a facility you open to the public, with your claim on it.")
            .WithDescription("location, changes (at least the category; access is public unless given) and comment make a create proposal, " +
                             "reviewed like any create; evidence, contact and attributes make the claim, which is on the facility once the create " +
                             "is accepted: approved at once if you are an approved operator already, pending a moderator otherwise. Answers 201 " +
                             "with {proposal, claim}.")
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status409Conflict);

        var mine = app.MapGroup("/api/v1/me/claims").WithTags("Operators").RequireAuthorization();
        mine.MapGet("/", async (IMediator mediator, ClaimsPrincipal user, CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(new MyClaimsQuery(user.UserId()), ct)))
            .WithName("MyClaims")
            .WithSummary("Your claims, newest first, with their state (pending, approved, rejected, revoked) and the moderator's note.");
        mine.MapGet("/{id}/reports", async (IMediator mediator, ClaimsPrincipal user, string id, CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(new ClaimReportsQuery(user.UserId(), id), ct)))
            .WithName("ClaimReports")
            .WithSummary($"For an approved claim: the reports on its facility of the last {Open311.RequestsQuery.DefaultDays} days, newest first " +
                         $"(at most {ClaimReportsQuery.MaxReports}), with partners' answers, and the disputes over the attributes you own.")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);

        var claims = app.MapGroup("/api/v1/claims").WithTags("Operators").WithMetadata(limit);
        claims.MapGet("/", async (IMediator mediator, ClaimsPrincipal user, [FromQuery(Name = "status")] string? status, CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(new ClaimQueueQuery(user.UserId(), status), ct)))
            .RequireAuthorization(AccountsEndpoints.ModeratorPolicy)
            .WithName("ClaimQueue")
            .WithSummary($"Moderators: claims by status (pending by default), oldest first, at most {ClaimQueueQuery.MaxClaims}, with evidence and contact.")
            .ProducesValidationProblem();
        claims.MapPost("/{id}/approve", async (IMediator mediator, ClaimsPrincipal user, string id, ClaimNoteBody? body, CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(new ApproveClaimCommand(user.UserId(), id, body?.Note), ct)))
            .RequireAuthorization(AccountsEndpoints.ModeratorPolicy)
            .WithName("ApproveClaim")
            .WithSummary("Moderators: approve a pending claim; its operator owns the claimed attributes from now on.")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        claims.MapPost("/{id}/reject", async (IMediator mediator, ClaimsPrincipal user, string id, ClaimReasonBody body, CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(new RejectClaimCommand(user.UserId(), id, body.Reason), ct)))
            .RequireAuthorization(AccountsEndpoints.ModeratorPolicy)
            .WithName("RejectClaim")
            .WithSummary("Moderators: reject a pending claim, with the reason its operator reads.")
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        claims.MapPost("/{id}/revoke", async (IMediator mediator, ClaimsPrincipal user, string id, ClaimReasonBody body, CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(new RevokeClaimCommand(user.UserId(), id, body.Reason), ct)))
            .RequireAuthorization()
            .WithName("RevokeClaim")
            .WithSummary("End a claim, with a reason: its operator (withdrawing a pending one too) or a moderator. Ownership ends at once.")
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        return app;
    }
}
