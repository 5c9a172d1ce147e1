using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.BearerToken;
using Microsoft.Extensions.Options;

namespace Facilities.Api.Features.Accounts;

/// <summary>What login and refresh answer, in the contract's snake_case.</summary>
public sealed record TokenResponse(string TokenType, string AccessToken, long ExpiresIn, string RefreshToken);

/// <summary>
/// Issues the bearer and refresh tokens that ASP.NET Core's bearer-token handler validates. The handler's own sign-in
/// writes camelCase JSON, so the tokens are protected here with the handler's own protectors and answered in the
/// contract's shape. Roles go into the token; reputation and blocking are read from the database on every write.
/// </summary>
public sealed class Tokens(IOptionsMonitor<BearerTokenOptions> options, TimeProvider clock)
{
    public const string SecurityStampClaim = "AspNet.Identity.SecurityStamp";

    private BearerTokenOptions Options => options.Get(BearerTokenDefaults.AuthenticationScheme);

    public TokenResponse Issue(User user, IEnumerable<string> roles)
    {
        var claims = new List<Claim>
        {
            new(ClaimTypes.NameIdentifier, user.Id.ToString()),
            new(ClaimTypes.Name, user.DisplayName),
            new(SecurityStampClaim, user.SecurityStamp ?? ""),
        };
        claims.AddRange(roles.Select(role => new Claim(ClaimTypes.Role, role)));
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, BearerTokenDefaults.AuthenticationScheme));

        var now = clock.GetUtcNow();
        var access = new AuthenticationTicket(principal, new AuthenticationProperties { ExpiresUtc = now + Options.BearerTokenExpiration },
            $"{BearerTokenDefaults.AuthenticationScheme}:AccessToken");
        var refresh = new AuthenticationTicket(principal, new AuthenticationProperties { ExpiresUtc = now + Options.RefreshTokenExpiration },
            $"{BearerTokenDefaults.AuthenticationScheme}:RefreshToken");
        return new TokenResponse("Bearer", Options.BearerTokenProtector.Protect(access),
            (long)Options.BearerTokenExpiration.TotalSeconds, Options.RefreshTokenProtector.Protect(refresh));
    }

    /// <summary>The account a refresh token names, if the token is genuine and unexpired; the caller checks the stamp.</summary>
    public (Guid UserId, string Stamp)? ReadRefreshToken(string token)
    {
        var ticket = Options.RefreshTokenProtector.Unprotect(token);
        if (ticket?.Properties.ExpiresUtc is not { } expires || clock.GetUtcNow() >= expires
            || !Guid.TryParse(ticket.Principal.FindFirstValue(ClaimTypes.NameIdentifier), out var id))
        {
            return null;
        }
        return (id, ticket.Principal.FindFirstValue(SecurityStampClaim) ?? "");
    }
}

public static class ClaimsPrincipalExtensions
{
    /// <summary>The account id of an authenticated request (endpoints that call this require authorization).</summary>
    public static Guid UserId(this ClaimsPrincipal user) =>
        Guid.TryParse(user.FindFirstValue(ClaimTypes.NameIdentifier), out var id) ? id : throw new InvalidOperationException("Not authenticated.");
}
