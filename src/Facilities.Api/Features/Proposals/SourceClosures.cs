using Facilities.Api.Data;
using Facilities.Api.Web;
using Mediator;
using Npgsql;

namespace Facilities.Api.Features.Proposals;

/// <summary>The pending closure proposal of a facility whose record disappeared at source. Opened: by this import
/// (false when one was pending already and is reused).</summary>
public sealed record SourceClosure(Guid ProposalId, bool Opened);

/// <summary>
/// Asks the community whether a facility is gone when a partner that does not own <c>status</c> drops its record:
/// a closure proposal (kind close, pending) sent as a <see cref="CreateProposalCommand"/>, validated like any other and
/// joining the import's transaction, so a dry run or a failed import opens none. Its author is the partner's system account
/// (created on first need): no password, no e-mail, reputation 1 that never moves, hence weight 0 — the proposal
/// carries the partner's word as its comment, and only the community's votes decide it.
/// </summary>
public sealed class SourceClosures(UnitOfWork unitOfWork, ISender sender)
{
    /// <summary>For each facility (in order), its pending closure proposal, or null when none can be opened (the
    /// facility is removed already, or an admin blocked the partner's system account).</summary>
    public async Task<IReadOnlyList<SourceClosure?>> OpenAsync(Guid partnerId, IReadOnlyList<Guid> facilityIds, string comment, CancellationToken ct)
    {
        var (connection, transaction) = (unitOfWork.Connection, unitOfWork.Transaction);
        comment = comment.Length > CreateProposalCommand.MaxCommentLength ? comment[..CreateProposalCommand.MaxCommentLength] : comment;
        var results = new List<SourceClosure?>(facilityIds.Count);
        var author = facilityIds.Count == 0 ? null : await SystemAccountAsync(connection, transaction, partnerId, ct);
        foreach (var facilityId in facilityIds)
        {
            if (author is null)
            {
                results.Add(null);
                continue;
            }
            // Same question as a closed report asks: one pending closure per facility, whoever opened it.
            Guid? pending;
            FacilityStatus? status;
            await using (var find = new NpgsqlCommand(
                "select (select id from proposals where facility_id = $1 and kind = 'close' and state = 'pending' order by id limit 1), " +
                "       (select status from facilities where id = $1)", connection, transaction))
            {
                find.Parameters.AddWithValue(facilityId);
                await using var reader = await find.ExecuteReaderAsync(ct);
                await reader.ReadAsync(ct);
                (pending, status) = (reader.IsDBNull(0) ? null : reader.GetGuid(0), reader.IsDBNull(1) ? null : WireName.Parse<FacilityStatus>(reader.GetString(1)));
            }
            if (pending is { } existing)
            {
                results.Add(new SourceClosure(existing, Opened: false));
            }
            else if (status is null or FacilityStatus.Removed)
            {
                results.Add(null);
            }
            else
            {
                var created = await sender.Send(
                    new CreateProposalCommand(author.Value, ProposalKind.Close.Name(), facilityId.ToString(), null, null, null, null, comment), ct);
                results.Add(new SourceClosure(created.Id, Opened: true));
            }
        }
        return results;
    }

    /// <summary>The partner's system account, created on first need; null if it is blocked. The user name is not an
    /// e-mail address, so registration can never take it, and there is no password to sign in with.</summary>
    private static async Task<Guid?> SystemAccountAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid partnerId,
        CancellationToken ct)
    {
        await using (var insert = new NpgsqlCommand(
            "insert into users (id, user_name, normalized_user_name, display_name, system_partner_id) " +
            "select $1, 'partner:' || p.id, upper('partner:' || p.id), p.name || ' (partner imports)', p.id from partners p where p.id = $2 " +
            "on conflict (system_partner_id) do nothing", connection, transaction))
        {
            insert.Parameters.AddWithValue(Guid.CreateVersion7());
            insert.Parameters.AddWithValue(partnerId);
            await insert.ExecuteNonQueryAsync(ct);
        }
        await using var select = new NpgsqlCommand(
            "select id from users where system_partner_id = $1 and blocked_at is null", connection, transaction);
        select.Parameters.AddWithValue(partnerId);
        return (Guid?)await select.ExecuteScalarAsync(ct);
    }
}
