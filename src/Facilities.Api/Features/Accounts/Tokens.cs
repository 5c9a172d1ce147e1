using System.Security.Claims;
using Facilities.Api.Web;
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
/// A refresh token carries an id recorded in <see cref="RefreshTokens"/>, and is good for one exchange.
/// </summary>
public sealed class Tokens(IOptionsMonitor<BearerTokenOptions> options, TimeProvider clock, RefreshTokens refreshTokens)
{
    public const string SecurityStampClaim = "AspNet.Identity.SecurityStamp";
    private const string RefreshTokenIdClaim = "facilities.refresh_token_id";

    private BearerTokenOptions Options => options.Get(BearerTokenDefaults.AuthenticationScheme);

    /// <summary>Tokens for a sign-in (registration or login): the first of a new refresh-token family.</summary>
    public async Task<TokenResponse> SignInAsync(User user, IEnumerable<string> roles, CancellationToken ct)
    {
        var refreshId = Guid.CreateVersion7();
        await refreshTokens.StartFamilyAsync(user.Id, refreshId, Options.RefreshTokenExpiration, ct);
        return Issue(user, roles, refreshId);
    }

    /// <summary>
    /// The next tokens for a refresh token that <see cref="ReadRefreshToken"/> read and whose account the caller checked.
    /// A token exchanged before revokes its whole family: the thief's copy and the owner's newer tokens stop working.
    /// </summary>
    public async Task<TokenResponse> RefreshAsync(User user, IEnumerable<string> roles, Guid presentedId, CancellationToken ct)
    {
        var nextId = Guid.CreateVersion7();
        return await refreshTokens.RotateAsync(user.Id, presentedId, nextId, Options.RefreshTokenExpiration, ct) switch
        {
            RefreshOutcome.Rotated => Issue(user, roles, nextId),
            RefreshOutcome.Replayed => throw new DomainException(StatusCodes.Status401Unauthorized, "Unauthorized",
                "This refresh token was used before, so a copy of it is in other hands: every refresh token of this sign-in is revoked. Sign in again."),
            _ => throw new DomainException(StatusCodes.Status401Unauthorized, "Unauthorized", "The refresh token is no longer valid. Sign in again."),
        };
    }

    private TokenResponse Issue(User user, IEnumerable<string> roles, Guid refreshId)
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
        var refreshPrincipal = new ClaimsPrincipal(new ClaimsIdentity(
            claims.Append(new Claim(RefreshTokenIdClaim, refreshId.ToString())), BearerTokenDefaults.AuthenticationScheme));
        var refresh = new AuthenticationTicket(refreshPrincipal, new AuthenticationProperties { ExpiresUtc = now + Options.RefreshTokenExpiration },
            $"{BearerTokenDefaults.AuthenticationScheme}:RefreshToken");
        return new TokenResponse("Bearer", Options.BearerTokenProtector.Protect(access),
            (long)Options.BearerTokenExpiration.TotalSeconds, Options.RefreshTokenProtector.Protect(refresh));
    }

    /// <summary>The account and token id a refresh token names, if it is genuine and unexpired; the caller checks the stamp.</summary>
    public (Guid UserId, string Stamp, Guid TokenId)? ReadRefreshToken(string token)
    {
        var ticket = Options.RefreshTokenProtector.Unprotect(token);
        if (ticket?.Properties.ExpiresUtc is not { } expires || clock.GetUtcNow() >= expires
            || !Guid.TryParse(ticket.Principal.FindFirstValue(ClaimTypes.NameIdentifier), out var id)
            || !Guid.TryParse(ticket.Principal.FindFirstValue(RefreshTokenIdClaim), out var tokenId))
        {
            return null;
        }
        return (id, ticket.Principal.FindFirstValue(SecurityStampClaim) ?? "", tokenId);
    }
}

public static class ClaimsPrincipalExtensions
{
    /// <summary>The account id of an authenticated request (endpoints that call this require authorization).</summary>
    public static Guid UserId(this ClaimsPrincipal user) =>
        Guid.TryParse(user.FindFirstValue(ClaimTypes.NameIdentifier), out var id) ? id : throw new InvalidOperationException("Not authenticated.");
}
