using Facilities.Api.Web;
using Npgsql;

namespace Facilities.Api.Features.Reputation;

/// <summary>Why a reputation changed, as reputation_events stores it and the team screen shows it (names through
/// <see cref="WireName"/>): a decided proposal for its author, a decided vote for its voter, a revert for the author and
/// the up-voters of what it undid, an admin's setting.</summary>
public enum ReputationReason
{
    ProposalAccepted,
    ProposalRejected,
    VoteWon,
    VoteLost,
    ProposalReverted,
    UpVoteReverted,
    SetByAdmin,
}

/// <summary>
/// The one place reputation changes: the users row and an audit event, in the caller's transaction. Callers change
/// reputations last in their transaction (after proposals and facilities), the lock order every writer keeps.
/// </summary>
public static class ReputationLedger
{
    /// <summary>Adds <paramref name="delta"/> (never going below the minimum) and records why.</summary>
    public static async Task ChangeAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, ReputationRules rules,
        Guid userId, int delta, ReputationReason reason, Guid? proposalId, CancellationToken ct)
    {
        if (delta == 0)
        {
            return;
        }
        // One statement: the update returns the value before it (the row is locked by the update itself). A partner's
        // or an Open311 app's system account (system_partner_id, system_app_id) never moves: accepted closures must not
        // earn it the right to apply its own.
        await using var command = new NpgsqlCommand(
            "with old as (select id, reputation from users where id = $1 and system_partner_id is null and system_app_id is null for no key update), " +
            "     upd as (update users u set reputation = greatest($4, old.reputation + $2) from old where u.id = old.id " +
            "             returning u.id, old.reputation as before, u.reputation as after) " +
            "insert into reputation_events (user_id, reason, proposal_id, reputation_from, reputation_to) " +
            "select id, $3, $5, before, after from upd where before <> after",
            connection, transaction);
        command.Parameters.AddWithValue(userId);
        command.Parameters.AddWithValue(delta);
        command.Parameters.AddWithValue(reason.Name());
        command.Parameters.AddWithValue(rules.Minimum);
        command.Parameters.AddWithValue(proposalId is { } p ? p : DBNull.Value);
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Sets a reputation (an admin's decision), audited with who set it and the value before.</summary>
    public static async Task<(int From, int To)?> SetAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid userId,
        int reputation, Guid actorId, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(
            "with old as (select id, reputation from users where id = $1 for no key update), " +
            "     upd as (update users u set reputation = $2 from old where u.id = old.id returning u.id, old.reputation as before), " +
            "     audit as (insert into reputation_events (user_id, reason, actor_user_id, reputation_from, reputation_to) " +
            "               select id, $4, $3, before, $2 from upd) " +
            "select before from upd",
            connection, transaction);
        command.Parameters.AddWithValue(userId);
        command.Parameters.AddWithValue(reputation);
        command.Parameters.AddWithValue(actorId);
        command.Parameters.AddWithValue(ReputationReason.SetByAdmin.Name());
        return await command.ExecuteScalarAsync(ct) is int before ? (before, reputation) : null;
    }
}
