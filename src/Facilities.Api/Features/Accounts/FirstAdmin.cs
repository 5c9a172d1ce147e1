using Microsoft.AspNetCore.Identity;

namespace Facilities.Api.Features.Accounts;

/// <summary>
/// At start-up, the account named by the configuration keys FACILITIES_ADMIN_EMAIL and FACILITIES_ADMIN_PASSWORD
/// exists and is an admin: how a new installation gets its first admin. An existing account keeps its password.
/// </summary>
public sealed class FirstAdmin(IServiceScopeFactory scopes, IConfiguration configuration, ILogger<FirstAdmin> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var email = configuration["FACILITIES_ADMIN_EMAIL"];
        var password = configuration["FACILITIES_ADMIN_PASSWORD"];
        if (string.IsNullOrWhiteSpace(email) || string.IsNullOrEmpty(password))
        {
            return;
        }
        await using var scope = scopes.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<User>>();
        var user = await users.FindByEmailAsync(email);
        if (user is null)
        {
            user = new User { UserName = email, Email = email, DisplayName = "admin" };
            var created = await users.CreateAsync(user, password);
            if (!created.Succeeded)
            {
                throw new InvalidOperationException("FACILITIES_ADMIN_EMAIL/PASSWORD: " + string.Join(" ", created.Errors.Select(e => e.Description)));
            }
            logger.LogInformation("Created the first admin account {Email}", email);
        }
        foreach (var role in new[] { Contributor.AdminRole, Contributor.ModeratorRole })
        {
            if (!await users.IsInRoleAsync(user, role))
            {
                await users.AddToRoleAsync(user, role);
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
