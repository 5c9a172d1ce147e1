using System.Text.Json.Nodes;
using Facilities.Api.Data;
using Facilities.Api.Features.Conflation;
using Facilities.Api.Features.Reputation;
using Facilities.Api.Web;
using Npgsql;

namespace Facilities.Api.Features.Proposals;

/// <summary>
/// What happens when a proposal is decided, inside the transaction that decided it: the facility change through
/// FacilityWriter (version, provenance, change feed), disputes for partner-owned attributes, and the reputation of
/// the author and of every voter. Lock order: proposal row, change_feed, facility row, users (in id order).
/// </summary>
public sealed class ProposalDecisions(UnitOfWork unitOfWork, ReputationRules rules, TimeProvider clock)
{
    public static readonly Guid CommunityDataset = Guid.Parse("00000000-0000-0000-0000-000000000001");

    /// <summary>Accepts and applies the proposal. Returns false when an attribute it changes was changed by another
    /// accepted version since its base version: the proposal is then superseded and nothing else is written.</summary>
    public async Task<bool> AcceptAsync(ProposalRow proposal, double support, CancellationToken ct)
    {
        var (connection, transaction, facilities) = (unitOfWork.Connection, unitOfWork.Transaction, unitOfWork.Facilities);
        await facilities.LockFeedAsync(ct);
        var now = clock.GetUtcNow().UtcDateTime;
        var author = await AuthorNameAsync(connection, transaction, proposal.AuthorId, ct);
        var confidence = Math.Clamp(0.5 + 0.1 * support, 0.5, 0.95);
        Guid facilityId;
        int version;
        if (proposal.Kind == ProposalKind.Create)
        {
            var location = proposal.Changes["location"]!.AsArray();
            var state = new FacilityState
            {
                Category = proposal.Changes["category"]!.GetValue<string>(),
                Lon = location[0]!.GetValue<double>(),
                Lat = location[1]!.GetValue<double>(),
                Confidence = confidence,
                LastVerifiedAt = now,
            };
            state = proposal.Changes.Where(c => c.Key is not ("category" or "location")).Aggregate(state, (s, c) => s.With(c.Key, c.Value));
            var recordId = $"proposal:{proposal.Id}";
            facilityId = await facilities.CreateAsync(state,
                new VersionSource(CommunityDataset, recordId, now, confidence, proposal.Comment, proposal.AuthorId, author, proposal.Id), ct);
            // The community keeps one source record per facility, named by the facility's id (FacilityWriter makes the
            // id, so the record is renamed once the id is known).
            await Execute(connection, transaction, "update source_records set external_id = $1 where dataset_id = $2 and external_id = $3", ct,
                facilityId.ToString(), CommunityDataset, recordId);
            // An operator that registered the facility itself ("share a toilet", Features/Claims) claimed it with the
            // proposal: the claim is on the facility from now on.
            await Execute(connection, transaction, "update operator_claims set facility_id = $1 where proposal_id = $2 and facility_id is null", ct,
                facilityId, proposal.Id);
            version = 1;
        }
        else
        {
            facilityId = proposal.FacilityId!.Value;
            if (await ChangedSinceAsync(connection, transaction, facilityId, proposal.BaseVersion ?? 0, [.. proposal.Changes.Select(c => c.Key)], ct)
                is { Count: > 0 })
            {
                await Execute(connection, transaction, "update proposals set state = 'superseded', decided_at = $2 where id = $1", ct, proposal.Id, now);
                return false;
            }
            // Attributes a partner or an operator owns keep the owner's value: an accepted community change to one opens
            // a dispute (the owner sees it, a moderator settles it) and the rest of the change applies. What the author
            // owns itself is its to change.
            var changes = await OwnedAttributes.SplitAsync(connection, transaction, facilityId,
                proposal.Changes.ToDictionary(c => c.Key, c => c.Value?.DeepClone()), proposal.Id, ct, author: proposal.AuthorId);
            var update = await facilities.UpdateAsync(facilityId, changes,
                new VersionSource(CommunityDataset, facilityId.ToString(), now, confidence, proposal.Comment, proposal.AuthorId, author, proposal.Id), ct)
                ?? throw new InvalidOperationException($"Facility {facilityId} of proposal {proposal.Id} does not exist.");
            version = update.Version;
        }
        await Execute(connection, transaction,
            "update proposals set state = 'accepted', decided_at = $2, facility_id = $3, result_version = $4 where id = $1", ct,
            proposal.Id, now, facilityId, version);
        await SettleReputationAsync(connection, transaction, proposal, accepted: true, ct);
        return true;
    }

    public async Task RejectAsync(ProposalRow proposal, CancellationToken ct)
    {
        var (connection, transaction) = (unitOfWork.Connection, unitOfWork.Transaction);
        await Execute(connection, transaction, "update proposals set state = 'rejected', decided_at = $2 where id = $1", ct,
            proposal.Id, clock.GetUtcNow().UtcDateTime);
        await SettleReputationAsync(connection, transaction, proposal, accepted: false, ct);
    }

    /// <summary>
    /// Records a vote (replacing the voter's earlier one) on a pending proposal the caller has locked, recounts the
    /// tally from the votes and decides the proposal when a margin is reached.
    /// </summary>
    public async Task<VoteResult> CastAsync(ProposalRow proposal, Accounts.Contributor voter, VoteDirection vote, string? comment, CancellationToken ct)
    {
        var (connection, transaction) = (unitOfWork.Connection, unitOfWork.Transaction);
        var weight = rules.VoteWeight(voter.Reputation, voter.IsReviewer);
        double support, opposition;
        int count;
        await using (var command = new NpgsqlCommand(
            "insert into votes (proposal_id, voter_id, vote, weight, comment, created_at) values ($1, $2, $3, $4, $5, $6) " +
            "on conflict (proposal_id, voter_id) do update set vote = excluded.vote, weight = excluded.weight, " +
            "  comment = excluded.comment, created_at = excluded.created_at", connection, transaction))
        {
            command.Parameters.AddWithValue(proposal.Id);
            command.Parameters.AddWithValue(voter.Id);
            command.Parameters.AddWithValue(vote.Name());
            command.Parameters.AddWithValue(weight);
            command.Parameters.AddWithValue(comment is { } c ? c : DBNull.Value);
            command.Parameters.AddWithValue(clock.GetUtcNow().UtcDateTime);
            await command.ExecuteNonQueryAsync(ct);
        }
        await using (var tally = new NpgsqlCommand(
            "update proposals p set support = p.author_weight + t.up, opposition = t.down " +
            "from (select coalesce(sum(weight) filter (where vote = 'up'), 0) up, coalesce(sum(weight) filter (where vote = 'down'), 0) down, " +
            "             count(*)::int n from votes where proposal_id = $1) t " +
            "where p.id = $1 returning p.support, p.opposition, t.n", connection, transaction))
        {
            tally.Parameters.AddWithValue(proposal.Id);
            await using var reader = await tally.ExecuteReaderAsync(ct);
            await reader.ReadAsync(ct);
            (support, opposition, count) = (reader.GetDouble(0), reader.GetDouble(1), reader.GetInt32(2));
        }

        var state = ProposalState.Pending;
        int? resultVersion = null;
        switch (rules.Decide(support, opposition))
        {
            case ProposalOutcome.Accepted:
                var applied = await AcceptAsync(proposal, support, ct);
                state = applied ? ProposalState.Accepted : ProposalState.Superseded;
                if (applied)
                {
                    await using var version = new NpgsqlCommand("select result_version from proposals where id = $1", connection, transaction);
                    version.Parameters.AddWithValue(proposal.Id);
                    resultVersion = (int?)await version.ExecuteScalarAsync(ct);
                }
                break;
            case ProposalOutcome.Rejected:
                await RejectAsync(proposal, ct);
                state = ProposalState.Rejected;
                break;
        }
        return new VoteResult(proposal.Id, state.Name(), vote.Name(), Math.Round(weight, 4), Math.Round(support, 4), Math.Round(opposition, 4), count,
            rules.AcceptMargin, rules.RejectMargin, resultVersion);
    }

    /// <summary>Attributes among <paramref name="attributes"/> that a version after <paramref name="baseVersion"/> changed.</summary>
    public static async Task<IReadOnlyList<string>> ChangedSinceAsync(NpgsqlConnection connection, NpgsqlTransaction transaction,
        Guid facilityId, int baseVersion, string[] attributes, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(
            "select distinct k from facility_versions v, jsonb_object_keys(v.changes) k " +
            "where v.facility_id = $1 and v.version > $2 and k = any($3) order by k", connection, transaction);
        command.Parameters.AddWithValue(facilityId);
        command.Parameters.AddWithValue(baseVersion);
        command.Parameters.AddWithValue(attributes);
        var changed = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            changed.Add(reader.GetString(0));
        }
        return changed;
    }

    private async Task SettleReputationAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, ProposalRow proposal, bool accepted,
        CancellationToken ct)
    {
        var deltas = new List<(Guid User, int Delta, ReputationReason Reason)>
        {
            (proposal.AuthorId,
                accepted ? (proposal.Kind == ProposalKind.Create ? rules.AcceptedCreateDelta : rules.AcceptedDelta) : rules.RejectedDelta,
                accepted ? ReputationReason.ProposalAccepted : ReputationReason.ProposalRejected),
        };
        await using (var command = new NpgsqlCommand("select voter_id, vote from votes where proposal_id = $1", connection, transaction))
        {
            command.Parameters.AddWithValue(proposal.Id);
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                var won = (WireName.Parse<VoteDirection>(reader.GetString(1)) == VoteDirection.Up) == accepted;
                deltas.Add((reader.GetGuid(0), won ? rules.VoterWonDelta : rules.VoterLostDelta, won ? ReputationReason.VoteWon : ReputationReason.VoteLost));
            }
        }
        // Users in id order: two decisions settling at once lock the same rows in the same order.
        foreach (var (user, delta, reason) in deltas.OrderBy(d => d.User))
        {
            await ReputationLedger.ChangeAsync(connection, transaction, rules, user, delta, reason, proposal.Id, ct);
        }
    }

    private static async Task<string> AuthorNameAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid id, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("select display_name from users where id = $1", connection, transaction);
        command.Parameters.AddWithValue(id);
        return (string)(await command.ExecuteScalarAsync(ct))!;
    }

    internal static async Task Execute(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, CancellationToken ct,
        params object[] values)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        foreach (var value in values)
        {
            command.Parameters.AddWithValue(value);
        }
        await command.ExecuteNonQueryAsync(ct);
    }
}

/// <summary>An edit based on an old version that touches attributes changed since: a 409 carrying the current values.</summary>
public sealed class StaleEditException(int currentVersion, JsonObject current)
    : Exception($"Attributes of this change were changed since the base version; the facility is at version {currentVersion}.")
{
    public int CurrentVersion { get; } = currentVersion;
    public JsonObject Current { get; } = current;
}
