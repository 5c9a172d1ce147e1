using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.BearerToken;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Infrastructure;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.Extensions.Options;

namespace Facilities.Api.Features.Accounts;

/// <summary>
/// The 401s and 403s of the authorization middleware as problem+json that says what is wrong: no token, a token
/// that expired, one this service did not issue (or that was altered), or an account without the role.
/// </summary>
public sealed class AccessRefusals(IProblemDetailsService problems, IOptionsMonitor<BearerTokenOptions> bearer, TimeProvider clock)
    : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (authorizeResult.Challenged)
        {
            // The bearer handler's challenge sets the status and WWW-Authenticate: Bearer; the body is ours.
            await context.ChallengeAsync();
            await WriteAsync(context, StatusCodes.Status401Unauthorized, "Unauthorized", WhyUnauthenticated(context));
        }
        else if (authorizeResult.Forbidden)
        {
            await context.ForbidAsync();
            var roles = policy.Requirements.OfType<RolesAuthorizationRequirement>().SelectMany(r => r.AllowedRoles).ToArray();
            await WriteAsync(context, StatusCodes.Status403Forbidden, "Forbidden", roles.Length == 0
                ? "This account may not use this endpoint."
                : $"This endpoint is for {string.Join(" and ", roles.Select(r => r + "s"))} only, and this account is neither.");
        }
        else
        {
            await _default.HandleAsync(next, context, policy, authorizeResult);
        }
    }

    private string WhyUnauthenticated(HttpContext context)
    {
        var header = context.Request.Headers.Authorization.ToString();
        const string scheme = "Bearer ";
        if (header.Length == 0)
        {
            return "This endpoint needs a bearer token: sign in at /api/v1/auth/login and send Authorization: Bearer <access_token>.";
        }
        if (!header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
        {
            return "The Authorization header must be 'Bearer <access_token>'.";
        }
        var ticket = bearer.Get(BearerTokenDefaults.AuthenticationScheme).BearerTokenProtector.Unprotect(header[scheme.Length..].Trim());
        return ticket?.Properties.ExpiresUtc is { } expires && expires <= clock.GetUtcNow()
            ? "The bearer token has expired: get a new one at /api/v1/auth/refresh."
            : "The bearer token was not issued by this service or has been altered.";
    }

    private async Task WriteAsync(HttpContext context, int status, string title, string detail)
    {
        context.Response.StatusCode = status;
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = { Status = status, Title = title, Detail = detail },
        });
    }
}
