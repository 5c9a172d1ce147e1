using System.Security.Claims;
using Facilities.Api.Web;
using Mediator;

namespace Facilities.Api.Features.Accounts;

public static class AccountsEndpoints
{
    public const string ModeratorPolicy = "moderator";
    public const string AdminPolicy = "admin";

    public sealed record Credentials(string? Email, string? Password, string? Name);
    public sealed record Refresh(string? RefreshToken);
    public sealed record ReputationBody(int? Reputation);

    public static IEndpointRouteBuilder MapAccounts(this IEndpointRouteBuilder app)
    {
        // An e-mail address, a password and a name, or a refresh token: a few hundred bytes; more is refused before it is read.
        var auth = app.MapGroup("/api/v1/auth").WithTags("Contributors")
            .WithMetadata(new ContributionBudget(RateLimitSettings.AuthAction), new BodyLimit(16 * 1024));
        auth.MapPost("/register", async (IMediator mediator, Credentials body, CancellationToken ct) =>
            {
                var account = await mediator.Send(new RegisterCommand(body.Email, body.Password, body.Name), ct);
                return TypedResults.Created($"/api/v1/users/{account.Id}", account);
            })
            .WithSummary("A new account at reputation 1, signed in: the answer carries its tokens.")
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status409Conflict);
        auth.MapPost("/login", async (IMediator mediator, Credentials body, CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(new LoginCommand(body.Email, body.Password), ct)))
            .WithSummary("Bearer and refresh tokens for an e-mail address and password; repeated failures lock the account for a while.")
            .ProducesProblem(StatusCodes.Status401Unauthorized);
        auth.MapPost("/refresh", async (IMediator mediator, Refresh body, CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(new RefreshCommand(body.RefreshToken), ct)))
            .WithSummary("New tokens for a refresh token.")
            .ProducesProblem(StatusCodes.Status401Unauthorized);

        app.MapGet("/api/v1/me", async (IMediator mediator, ClaimsPrincipal user, CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(new MeQuery(user.UserId()), ct)))
            .RequireAuthorization().WithTags("Contributors")
            .WithSummary("The caller's account: reputation, privileges, rate-limit budgets left.");

        app.MapGet("/api/v1/users/{id}", async (IMediator mediator, string id, CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(new UserProfileQuery(id), ct)))
            .WithTags("Contributors").WithSummary("A public profile: reputation, accepted and rejected counts.")
            .ProducesProblem(StatusCodes.Status404NotFound);

        app.MapPut("/api/v1/admin/users/{id}/reputation", async (IMediator mediator, ClaimsPrincipal user, string id, ReputationBody body,
                CancellationToken ct) => TypedResults.Ok(await mediator.Send(new SetReputationCommand(user.UserId(), id, body.Reputation), ct)))
            .RequireAuthorization(AdminPolicy).WithTags("Moderators")
            .WithSummary("Sets a reputation; audited (who, when, from, to) in reputation_events.")
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status403Forbidden);
        return app;
    }
}
