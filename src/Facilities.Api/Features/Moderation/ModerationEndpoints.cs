using System.Security.Claims;
using System.Text.Json.Nodes;
using Facilities.Api.Features.Accounts;
using Facilities.Api.Web;
using Mediator;
using Microsoft.AspNetCore.Mvc;

namespace Facilities.Api.Features.Moderation;

public static class ModerationEndpoints
{
    public sealed record RevertBody(JsonNode? ToVersion, JsonNode? Reason);
    public sealed record BlockBody(JsonNode? Reason);
    public sealed record ResolveBody(JsonNode? Action, JsonNode? FacilityId, JsonNode? Comment);
    public sealed record RolesBody(JsonNode? Roles);

    public static IEndpointRouteBuilder MapModeration(this IEndpointRouteBuilder app)
    {
        var limit = new BodyLimit(64 * 1024);
        var moderators = app.MapGroup("/api/v1").WithTags("Moderators").RequireAuthorization(AccountsEndpoints.ModeratorPolicy).WithMetadata(limit);
        moderators.MapPost("/facilities/{id}/revert", async (IMediator mediator, ClaimsPrincipal user, string id, RevertBody body, CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(new RevertCommand(user.UserId(), id, body.ToVersion, body.Reason), ct)))
            .WithSummary("Put a facility back to an earlier version (as a new version); authors and up-voters of undone proposals lose reputation.");
        moderators.MapPost("/users/{id}/block", async (IMediator mediator, ClaimsPrincipal user, string id, BlockBody? body, CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(new BlockCommand(user.UserId(), id, body?.Reason), ct)))
            .WithSummary("Block an account: it can no longer write, and its pending proposals are withdrawn.");
        moderators.MapDelete("/users/{id}/block", async (IMediator mediator, ClaimsPrincipal user, string id, CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(new BlockCommand(user.UserId(), id, null, Block: false), ct)))
            .WithSummary("Unblock an account.");
        moderators.MapGet("/reviews", async (IMediator mediator, ClaimsPrincipal user, [FromQuery(Name = "state")] string? state,
                [FromQuery(Name = "kind")] string? kind, [FromQuery(Name = "limit")] string? limit, [FromQuery(Name = "cursor")] string? cursor,
                CancellationToken ct) => TypedResults.Ok(await mediator.Send(new ListReviewsQuery(user.UserId(), state, kind, limit, cursor), ct)))
            .WithSummary("Ambiguous merges and disputes waiting for a decision (state=open by default).");
        moderators.MapPost("/reviews/{id}/resolve", async (IMediator mediator, ClaimsPrincipal user, string id, ResolveBody body, CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(new ResolveReviewCommand(user.UserId(), id, body.Action, body.FacilityId, body.Comment), ct)))
            .WithSummary("Resolve: a dispute with keep_partner or keep_community; an ambiguous match with merge (facility_id), create or dismiss.");

        var admins = app.MapGroup("/api/v1/admin").WithTags("Moderators").RequireAuthorization(AccountsEndpoints.AdminPolicy).WithMetadata(limit);
        admins.MapPut("/users/{id}/roles", async (IMediator mediator, ClaimsPrincipal user, string id, RolesBody body, CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(new SetRolesCommand(user.UserId(), id, body.Roles), ct)))
            .WithSummary("Set an account's roles (moderator, admin); they take effect with its next token.");
        return app;
    }
}
