using Facilities.Api.Web;
using Npgsql;

namespace Facilities.Api.Features.Accounts;

/// <summary>
/// The account behind a write, as the database has it now: reputation and roles are read at every write, so a change
/// of reputation or a block takes effect at once, whatever the token says.
/// </summary>
public sealed record Contributor(Guid Id, string Name, int Reputation, bool IsModerator, bool IsAdmin, bool Blocked)
{
    public const string ModeratorRole = "moderator";
    public const string AdminRole = "admin";

    /// <summary>Moderators and admins apply their changes at once and may revert.</summary>
    public bool IsReviewer => IsModerator || IsAdmin;

    public static async Task<Contributor?> FindAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, Guid id, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(
            "select u.id, u.display_name, u.reputation, u.blocked_at is not null, " +
            "       exists (select from user_roles r where r.user_id = u.id and r.role = 'MODERATOR'), " +
            "       exists (select from user_roles r where r.user_id = u.id and r.role = 'ADMIN') " +
            "from users u where u.id = $1", connection, transaction);
        command.Parameters.AddWithValue(id);
        await using var r = await command.ExecuteReaderAsync(ct);
        return await r.ReadAsync(ct)
            ? new Contributor(r.GetGuid(0), r.GetString(1), r.GetInt32(2), r.GetBoolean(4), r.GetBoolean(5), r.GetBoolean(3))
            : null;
    }

    /// <summary>The author of a write: an existing account that is not blocked (a deleted account's token is a 401).</summary>
    public static async Task<Contributor> WriterAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, Guid id, CancellationToken ct)
    {
        var contributor = await FindAsync(connection, transaction, id, ct)
            ?? throw new DomainException(StatusCodes.Status401Unauthorized, "Unauthorized", "The account of this token no longer exists.");
        return contributor.Blocked
            ? throw new DomainException(StatusCodes.Status403Forbidden, "Blocked", "This account is blocked: it can read but not write.")
            : contributor;
    }

    public static async Task<Contributor> ReviewerAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, Guid id, CancellationToken ct)
    {
        var contributor = await WriterAsync(connection, transaction, id, ct);
        return contributor.IsReviewer
            ? contributor
            : throw new DomainException(StatusCodes.Status403Forbidden, "Forbidden", "Only moderators and admins may do this.");
    }
}
