using Npgsql;
using NpgsqlTypes;

namespace Facilities.Api.Data;

/// <summary>The parameters of <c>facility_confidence</c> (migration 0008), from the configuration (ReputationRules).</summary>
public sealed record ConfidenceParameters(double ConfirmationStep, int ConfirmationDays, double ReportStep, int ReportDays);

/// <summary>
/// Recomputes the stored confidence of facilities with the one definition, the SQL function <c>facility_confidence</c>
/// (migration 0008: live sources, verifications of the last year, open reports). Every writer that changes one of
/// its inputs calls this in its own transaction, after its change: imports, confirmations, reports, accepted
/// proposals, reverts, resolved disputes and matches, the seed.
/// </summary>
public static class FacilityConfidence
{
    // Two statements. The first locks the facility rows (in id order, like every writer), so a confirmation or report
    // committing meanwhile is either already visible or waits for this transaction; the second then reads the inputs
    // with a fresh snapshot (read committed: one per statement). In one statement, a concurrent writer's input could
    // be missing from the snapshot while its row lock is waited out, and the older value would be written last.
    private static string LockSql(string ids) => $"select count(*) from (select 1 from facilities where id = any({ids}) order by id for update) l";

    // answer: the values computed (for a few facilities) or how many stored values moved (for a set).
    private static string RefreshSql(string ids, string answer) =>
        $"with computed as (select * from facility_confidence({ids}, $2, $3, $4, $5, $6)), " +
        "     written as (update facilities f set confidence = c.confidence from computed c " +
        "                 where f.id = c.facility_id and f.confidence is distinct from c.confidence returning f.id) " +
        answer;

    /// <summary>Recomputes the facilities in <paramref name="ids"/> and answers each one's confidence now.</summary>
    public static async Task<IReadOnlyDictionary<Guid, double>> RefreshAsync(NpgsqlConnection connection, NpgsqlTransaction transaction,
        IReadOnlyCollection<Guid> ids, DateTime now, ConfidenceParameters parameters, CancellationToken ct)
    {
        var result = new Dictionary<Guid, double>();
        if (ids.Count == 0)
        {
            return result;
        }
        await using var batch = Batch(connection, transaction, "$1", "select facility_id, confidence from computed", [.. ids], now, parameters);
        await using var reader = await batch.ExecuteReaderAsync(ct);
        await reader.NextResultAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            result[reader.GetGuid(0)] = reader.GetFloat(1);
        }
        return result;
    }

    /// <summary>
    /// Recomputes the facilities a set-based writer names with <paramref name="idsQuery"/>: a query of one uuid column
    /// that may use <c>$2</c> (<paramref name="now"/>), <c>$3</c>–<c>$6</c> (the parameters, in the order of
    /// <see cref="ConfidenceParameters"/>) and <c>$7</c> (<paramref name="extra"/>). Answers how many stored values moved.
    /// </summary>
    public static async Task<long> RefreshAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string idsQuery,
        DateTime now, ConfidenceParameters parameters, CancellationToken ct, object? extra = null)
    {
        await using var batch = Batch(connection, transaction, $"array({idsQuery})", "select count(*) from written", [], now, parameters, extra);
        await using var reader = await batch.ExecuteReaderAsync(ct);
        await reader.NextResultAsync(ct);
        await reader.ReadAsync(ct);
        return reader.GetInt64(0);
    }

    private static NpgsqlBatch Batch(NpgsqlConnection connection, NpgsqlTransaction transaction, string ids, string answer, Guid[] idValues,
        DateTime now, ConfidenceParameters parameters, object? extra = null)
    {
        var batch = new NpgsqlBatch(connection, transaction);
        foreach (var sql in (string[])[LockSql(ids), RefreshSql(ids, answer)])
        {
            var command = new NpgsqlBatchCommand(sql);
            command.Parameters.Add(new NpgsqlParameter { Value = idValues, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid });
            command.Parameters.Add(new NpgsqlParameter { Value = now, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            command.Parameters.Add(new NpgsqlParameter { Value = parameters.ConfirmationStep });
            command.Parameters.Add(new NpgsqlParameter { Value = parameters.ConfirmationDays });
            command.Parameters.Add(new NpgsqlParameter { Value = parameters.ReportStep });
            command.Parameters.Add(new NpgsqlParameter { Value = parameters.ReportDays });
            if (extra is not null)
            {
                command.Parameters.Add(new NpgsqlParameter { Value = extra });
            }
            batch.BatchCommands.Add(command);
        }
        return batch;
    }
}
