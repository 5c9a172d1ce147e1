using System.Globalization;
using Facilities.Api.Features.Reputation;
using Microsoft.AspNetCore.Identity;
using Npgsql;

namespace Facilities.Api.Features.Accounts;

/// <summary>
/// At start-up, the account named by the configuration keys FACILITIES_ADMIN_EMAIL and FACILITIES_ADMIN_PASSWORD
/// exists and is an admin: how a new installation gets its first admin. An existing account keeps its password.
/// FACILITIES_ADMIN_REPUTATION, when given, is the reputation the account starts with when this creates it (audited as
/// an admin's setting by the account itself); an existing account keeps its reputation.
/// </summary>
public sealed class FirstAdmin(IServiceScopeFactory scopes, IConfiguration configuration, NpgsqlDataSource dataSource, ILogger<FirstAdmin> logger)
    : IHostedService
{
    public const string ReputationKey = "FACILITIES_ADMIN_REPUTATION";

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var email = configuration["FACILITIES_ADMIN_EMAIL"];
        var password = configuration["FACILITIES_ADMIN_PASSWORD"];
        if (string.IsNullOrWhiteSpace(email) || string.IsNullOrEmpty(password))
        {
            return;
        }
        await using var scope = scopes.CreateAsyncScope();
        int? initialReputation = null;
        if (configuration[ReputationKey] is { Length: > 0 } text)
        {
            initialReputation = int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= 1
                ? value
                : throw new InvalidOperationException($"{ReputationKey} must be a whole number from 1, not '{text}'.");
        }
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
            if (initialReputation is { } reputation)
            {
                await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
                await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                await ReputationLedger.SetAsync(connection, transaction, user.Id, reputation, user.Id, cancellationToken);
                await transaction.CommitAsync(cancellationToken);
            }
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
