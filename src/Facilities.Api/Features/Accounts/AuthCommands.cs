using Facilities.Api.Web;
using FluentValidation;
using Mediator;
using Microsoft.AspNetCore.Identity;

namespace Facilities.Api.Features.Accounts;

/// <summary>POST /api/v1/auth/register: a new account at the initial reputation, signed in at once.</summary>
public sealed record RegisterCommand(string? Email, string? Password, string? Name) : IRequest<RegisteredAccount>;

public sealed record RegisteredAccount(Guid Id, string Name, int Reputation, string TokenType, string AccessToken, long ExpiresIn, string RefreshToken);

/// <summary>POST /api/v1/auth/login.</summary>
public sealed record LoginCommand(string? Email, string? Password) : IRequest<TokenResponse>;

/// <summary>POST /api/v1/auth/refresh: a new pair of tokens for a refresh token.</summary>
public sealed record RefreshCommand(string? RefreshToken) : IRequest<TokenResponse>;

public sealed class RegisterValidator : AbstractValidator<RegisterCommand>
{
    public RegisterValidator()
    {
        RuleFor(c => c.Email).NotEmpty().MaximumLength(254).Must(EmailSyntax.IsValid)
            .WithMessage("Must be an e-mail address such as name@example.org: ASCII, no spaces, quotes or angle brackets, and a domain with a dot.");
        RuleFor(c => c.Password).NotEmpty().MinimumLength(8).MaximumLength(128);
        RuleFor(c => c.Name).MaximumLength(50).Must(n => n is null || n.Trim().Length > 0).WithMessage("Must not be blank.");
    }
}

/// <summary>
/// The syntax of an address this service accepts: the WHATWG HTML definition of a valid e-mail address (what browsers
/// check in an <c>input type=email</c>), with a dot required in the domain. Narrower than RFC 5322 on purpose: no quoted
/// local parts, comments, spaces or non-ASCII, so an address cannot carry markup, a quote-injection tail or a
/// right-to-left override that makes it display as another.
/// </summary>
public static partial class EmailSyntax
{
    public static bool IsValid(string? email) =>
        email is not null && Address().IsMatch(email.Trim()) && email.Trim().IndexOf('@') <= 64;

    [System.Text.RegularExpressions.GeneratedRegex(
        @"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+\z",
        System.Text.RegularExpressions.RegexOptions.CultureInvariant)]
    private static partial System.Text.RegularExpressions.Regex Address();
}

public sealed class LoginValidator : AbstractValidator<LoginCommand>
{
    public LoginValidator()
    {
        RuleFor(c => c.Email).NotEmpty().MaximumLength(254);
        RuleFor(c => c.Password).NotEmpty().MaximumLength(128);
    }
}

public sealed class RefreshValidator : AbstractValidator<RefreshCommand>
{
    public RefreshValidator() => RuleFor(c => c.RefreshToken).NotEmpty().MaximumLength(4096);
}

public sealed class AuthHandlers(UserManager<User> users, Tokens tokens) :
    IRequestHandler<RegisterCommand, RegisteredAccount>, IRequestHandler<LoginCommand, TokenResponse>, IRequestHandler<RefreshCommand, TokenResponse>
{
    private static readonly DomainException BadCredentials =
        new(StatusCodes.Status401Unauthorized, "Unauthorized", "The e-mail address or the password is wrong.");

    public async ValueTask<RegisteredAccount> Handle(RegisterCommand request, CancellationToken cancellationToken)
    {
        var email = request.Email!.Trim();
        var user = new User
        {
            UserName = email,
            Email = email,
            // The public name; an e-mail address is never shown to others.
            DisplayName = request.Name?.Trim() ?? $"contributor-{Guid.NewGuid().ToString("N")[..8]}",
        };
        if (await users.FindByEmailAsync(email) is not null)
        {
            throw new DomainException(StatusCodes.Status409Conflict, "Conflict", "An account with this e-mail address exists already.");
        }
        var created = await users.CreateAsync(user, request.Password!);
        if (!created.Succeeded)
        {
            throw new ValidationException(created.Errors.Select(e =>
                new FluentValidation.Results.ValidationFailure(e.Code.Contains("Password", StringComparison.Ordinal) ? "password" : "email", e.Description)));
        }
        var token = await tokens.SignInAsync(user, [], cancellationToken);
        return new RegisteredAccount(user.Id, user.DisplayName, 1, token.TokenType, token.AccessToken, token.ExpiresIn, token.RefreshToken);
    }

    public async ValueTask<TokenResponse> Handle(LoginCommand request, CancellationToken cancellationToken)
    {
        var user = await users.FindByEmailAsync(request.Email!.Trim()) ?? throw BadCredentials;
        if (await users.IsLockedOutAsync(user))
        {
            throw new DomainException(StatusCodes.Status401Unauthorized, "Locked out",
                $"Too many failed logins: this account is locked until {user.LockoutEnd:O}.");
        }
        if (!await users.CheckPasswordAsync(user, request.Password!))
        {
            // Counts the failure and locks the account once the configured number is reached.
            await users.AccessFailedAsync(user);
            throw BadCredentials;
        }
        await users.ResetAccessFailedCountAsync(user);
        return await tokens.SignInAsync(user, await users.GetRolesAsync(user), cancellationToken);
    }

    public async ValueTask<TokenResponse> Handle(RefreshCommand request, CancellationToken cancellationToken)
    {
        var refresh = tokens.ReadRefreshToken(request.RefreshToken!)
            ?? throw new DomainException(StatusCodes.Status401Unauthorized, "Unauthorized", "The refresh token is not valid or has expired.");
        var user = await users.FindByIdAsync(refresh.UserId.ToString());
        // A new security stamp (password change) ends every refresh token issued before it.
        if (user is null || !string.Equals(user.SecurityStamp ?? "", refresh.Stamp, StringComparison.Ordinal) || await users.IsLockedOutAsync(user))
        {
            throw new DomainException(StatusCodes.Status401Unauthorized, "Unauthorized", "The refresh token is no longer valid.");
        }
        return await tokens.RefreshAsync(user, await users.GetRolesAsync(user), refresh.TokenId, cancellationToken);
    }
}
