using Microsoft.AspNetCore.Identity;
using Npgsql;

namespace Facilities.Api.Features.Accounts;

/// <summary>An account as ASP.NET Core Identity sees it. Reputation and blocking live in the same row but are
/// written only by the contribution features, never by <see cref="UserStore.UpdateAsync"/>.</summary>
public sealed class User
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public string UserName { get; set; } = "";
    public string NormalizedUserName { get; set; } = "";
    public string DisplayName { get; set; } = "";
    public string? Email { get; set; }
    public string? NormalizedEmail { get; set; }
    public string? PasswordHash { get; set; }
    public string? SecurityStamp { get; set; }
    public string? ConcurrencyStamp { get; set; } = Guid.NewGuid().ToString();
    public DateTimeOffset? LockoutEnd { get; set; }
    public bool LockoutEnabled { get; set; } = true;
    public int AccessFailedCount { get; set; }
}

/// <summary>
/// Identity's store over the users and user_roles tables with plain Npgsql, so the service keeps one way of reaching
/// the database and one migration system. Role names are stored normalized (upper case) and reported in lower case,
/// the form the authorization policies and clients use.
/// </summary>
public sealed class UserStore(NpgsqlDataSource dataSource) :
    IUserPasswordStore<User>, IUserEmailStore<User>, IUserLockoutStore<User>, IUserSecurityStampStore<User>, IUserRoleStore<User>
{
    private const string Columns =
        "id, user_name, normalized_user_name, display_name, email, normalized_email, password_hash, security_stamp, " +
        "concurrency_stamp, lockout_end, lockout_enabled, access_failed_count";

    public void Dispose()
    {
    }

    public async Task<IdentityResult> CreateAsync(User user, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            $"insert into users ({Columns}) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)");
        AddAll(command, user);
        try
        {
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            return IdentityResult.Failed(new IdentityErrorDescriber().DuplicateEmail(user.Email ?? user.UserName));
        }
        return IdentityResult.Success;
    }

    public async Task<IdentityResult> UpdateAsync(User user, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "update users set user_name = $2, normalized_user_name = $3, display_name = $4, email = $5, normalized_email = $6, " +
            "password_hash = $7, security_stamp = $8, concurrency_stamp = $9, lockout_end = $10, lockout_enabled = $11, " +
            "access_failed_count = $12 where id = $1");
        AddAll(command, user);
        await command.ExecuteNonQueryAsync(cancellationToken);
        return IdentityResult.Success;
    }

    public async Task<IdentityResult> DeleteAsync(User user, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("delete from users where id = $1");
        command.Parameters.AddWithValue(user.Id);
        await command.ExecuteNonQueryAsync(cancellationToken);
        return IdentityResult.Success;
    }

    public Task<User?> FindByIdAsync(string userId, CancellationToken cancellationToken) =>
        Guid.TryParse(userId, out var id) ? FindAsync("id = $1", id, cancellationToken) : Task.FromResult<User?>(null);

    public Task<User?> FindByNameAsync(string normalizedUserName, CancellationToken cancellationToken) =>
        FindAsync("normalized_user_name = $1", normalizedUserName, cancellationToken);

    public Task<User?> FindByEmailAsync(string normalizedEmail, CancellationToken cancellationToken) =>
        FindAsync("normalized_email = $1", normalizedEmail, cancellationToken);

    private async Task<User?> FindAsync(string where, object key, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"select {Columns} from users where {where}");
        command.Parameters.AddWithValue(key);
        await using var r = await command.ExecuteReaderAsync(cancellationToken);
        if (!await r.ReadAsync(cancellationToken))
        {
            return null;
        }
        return new User
        {
            Id = r.GetGuid(0),
            UserName = r.GetString(1),
            NormalizedUserName = r.GetString(2),
            DisplayName = r.GetString(3),
            Email = r.IsDBNull(4) ? null : r.GetString(4),
            NormalizedEmail = r.IsDBNull(5) ? null : r.GetString(5),
            PasswordHash = r.IsDBNull(6) ? null : r.GetString(6),
            SecurityStamp = r.IsDBNull(7) ? null : r.GetString(7),
            ConcurrencyStamp = r.IsDBNull(8) ? null : r.GetString(8),
            LockoutEnd = r.IsDBNull(9) ? null : new DateTimeOffset(r.GetDateTime(9), TimeSpan.Zero),
            LockoutEnabled = r.GetBoolean(10),
            AccessFailedCount = r.GetInt32(11),
        };
    }

    private static void AddAll(NpgsqlCommand command, User user)
    {
        object Db(object? value) => value ?? DBNull.Value;
        command.Parameters.AddWithValue(user.Id);
        command.Parameters.AddWithValue(user.UserName);
        command.Parameters.AddWithValue(user.NormalizedUserName);
        command.Parameters.AddWithValue(user.DisplayName);
        command.Parameters.AddWithValue(Db(user.Email));
        command.Parameters.AddWithValue(Db(user.NormalizedEmail));
        command.Parameters.AddWithValue(Db(user.PasswordHash));
        command.Parameters.AddWithValue(Db(user.SecurityStamp));
        command.Parameters.AddWithValue(Db(user.ConcurrencyStamp));
        command.Parameters.AddWithValue(user.LockoutEnd is { } end ? end.UtcDateTime : DBNull.Value);
        command.Parameters.AddWithValue(user.LockoutEnabled);
        command.Parameters.AddWithValue(user.AccessFailedCount);
    }

    public Task<string> GetUserIdAsync(User user, CancellationToken cancellationToken) => Task.FromResult(user.Id.ToString());
    public Task<string?> GetUserNameAsync(User user, CancellationToken cancellationToken) => Task.FromResult<string?>(user.UserName);
    public Task SetUserNameAsync(User user, string? userName, CancellationToken cancellationToken) => Set(() => user.UserName = userName ?? "");
    public Task<string?> GetNormalizedUserNameAsync(User user, CancellationToken cancellationToken) => Task.FromResult<string?>(user.NormalizedUserName);
    public Task SetNormalizedUserNameAsync(User user, string? normalizedName, CancellationToken cancellationToken) => Set(() => user.NormalizedUserName = normalizedName ?? "");
    public Task SetPasswordHashAsync(User user, string? passwordHash, CancellationToken cancellationToken) => Set(() => user.PasswordHash = passwordHash);
    public Task<string?> GetPasswordHashAsync(User user, CancellationToken cancellationToken) => Task.FromResult(user.PasswordHash);
    public Task<bool> HasPasswordAsync(User user, CancellationToken cancellationToken) => Task.FromResult(user.PasswordHash is not null);
    public Task SetEmailAsync(User user, string? email, CancellationToken cancellationToken) => Set(() => user.Email = email);
    public Task<string?> GetEmailAsync(User user, CancellationToken cancellationToken) => Task.FromResult(user.Email);
    // No e-mail is sent by this service: an address is taken as given.
    public Task<bool> GetEmailConfirmedAsync(User user, CancellationToken cancellationToken) => Task.FromResult(true);
    public Task SetEmailConfirmedAsync(User user, bool confirmed, CancellationToken cancellationToken) => Task.CompletedTask;
    public Task<string?> GetNormalizedEmailAsync(User user, CancellationToken cancellationToken) => Task.FromResult(user.NormalizedEmail);
    public Task SetNormalizedEmailAsync(User user, string? normalizedEmail, CancellationToken cancellationToken) => Set(() => user.NormalizedEmail = normalizedEmail);
    public Task<DateTimeOffset?> GetLockoutEndDateAsync(User user, CancellationToken cancellationToken) => Task.FromResult(user.LockoutEnd);
    public Task SetLockoutEndDateAsync(User user, DateTimeOffset? lockoutEnd, CancellationToken cancellationToken) => Set(() => user.LockoutEnd = lockoutEnd);
    public Task<int> IncrementAccessFailedCountAsync(User user, CancellationToken cancellationToken) => Task.FromResult(++user.AccessFailedCount);
    public Task ResetAccessFailedCountAsync(User user, CancellationToken cancellationToken) => Set(() => user.AccessFailedCount = 0);
    public Task<int> GetAccessFailedCountAsync(User user, CancellationToken cancellationToken) => Task.FromResult(user.AccessFailedCount);
    public Task<bool> GetLockoutEnabledAsync(User user, CancellationToken cancellationToken) => Task.FromResult(user.LockoutEnabled);
    public Task SetLockoutEnabledAsync(User user, bool enabled, CancellationToken cancellationToken) => Set(() => user.LockoutEnabled = enabled);
    public Task SetSecurityStampAsync(User user, string stamp, CancellationToken cancellationToken) => Set(() => user.SecurityStamp = stamp);
    public Task<string?> GetSecurityStampAsync(User user, CancellationToken cancellationToken) => Task.FromResult(user.SecurityStamp);

    private static Task Set(Action assign)
    {
        assign();
        return Task.CompletedTask;
    }

    public async Task AddToRoleAsync(User user, string roleName, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("insert into user_roles (user_id, role) values ($1, $2) on conflict do nothing");
        command.Parameters.AddWithValue(user.Id);
        command.Parameters.AddWithValue(roleName.ToUpperInvariant());
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task RemoveFromRoleAsync(User user, string roleName, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("delete from user_roles where user_id = $1 and role = $2");
        command.Parameters.AddWithValue(user.Id);
        command.Parameters.AddWithValue(roleName.ToUpperInvariant());
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<IList<string>> GetRolesAsync(User user, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("select lower(role) from user_roles where user_id = $1 order by role");
        command.Parameters.AddWithValue(user.Id);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var roles = new List<string>();
        while (await reader.ReadAsync(cancellationToken))
        {
            roles.Add(reader.GetString(0));
        }
        return roles;
    }

    public async Task<bool> IsInRoleAsync(User user, string roleName, CancellationToken cancellationToken) =>
        (await GetRolesAsync(user, cancellationToken)).Contains(roleName.ToLowerInvariant());

    public async Task<IList<User>> GetUsersInRoleAsync(string roleName, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("select user_id::text from user_roles where role = $1");
        command.Parameters.AddWithValue(roleName.ToUpperInvariant());
        var ids = new List<string>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                ids.Add(reader.GetString(0));
            }
        }
        var users = new List<User>();
        foreach (var id in ids)
        {
            if (await FindByIdAsync(id, cancellationToken) is { } user)
            {
                users.Add(user);
            }
        }
        return users;
    }
}
