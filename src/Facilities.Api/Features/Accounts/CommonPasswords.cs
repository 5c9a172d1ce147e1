using System.Collections.Frozen;
using Microsoft.AspNetCore.Identity;

namespace Facilities.Api.Features.Accounts;

/// <summary>
/// Refuses the passwords attackers try first. The list is <c>common-passwords.txt</c> beside this file: John the Ripper's
/// <c>password.lst</c> (Openwall, 3,546 entries, 2011), which its header states "is assumed to be in the public
/// domain", taken unchanged from Debian's john-data 1.9.0-2 package. Compared case-insensitively, so <c>Password</c>
/// is as refused as <c>password</c>. Lines starting <c>#!</c> are the list's own comments.
/// </summary>
public sealed class CommonPasswords : IPasswordValidator<User>
{
    private static readonly FrozenSet<string> Passwords = Load();

    public Task<IdentityResult> ValidateAsync(UserManager<User> manager, User user, string? password) =>
        Task.FromResult(password is not null && IsCommon(password)
            ? IdentityResult.Failed(new IdentityError
            {
                Code = "PasswordTooCommon",
                Description = "This password is on the list of the most common ones, which attackers try first: choose another.",
            })
            : IdentityResult.Success);

    public static bool IsCommon(string password) => Passwords.Contains(password);

    private static FrozenSet<string> Load()
    {
        using var stream = typeof(CommonPasswords).Assembly.GetManifestResourceStream("Facilities.Api.Features.Accounts.common-passwords.txt")
            ?? throw new InvalidOperationException("common-passwords.txt is not embedded.");
        using var reader = new StreamReader(stream);
        var passwords = new List<string>();
        while (reader.ReadLine() is { } line)
        {
            if (line.Length > 0 && !line.StartsWith("#!", StringComparison.Ordinal))
            {
                passwords.Add(line);
            }
        }
        return passwords.ToFrozenSet(StringComparer.OrdinalIgnoreCase);
    }
}
