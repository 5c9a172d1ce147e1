using System.Text.Json.Nodes;
using Npgsql;

namespace Facilities.Api.Data;

/// <summary>
/// The one way a facility changes, opened by <see cref="UnitOfWork"/> on the command's transaction. It takes the
/// locks in the one order every writer keeps, writes versions, provenance and change-feed entries through
/// <see cref="FacilityWriter"/> and <see cref="FacilityBulkWriter"/>, remembers which facilities had an input of
/// their confidence changed, and recomputes those once, before the transaction commits.
/// <para>Lock order: proposal rows, then the change feed, then facility rows (in id order), then users (in id
/// order). The change feed is locked exclusively to commit: numbering it under that lock keeps it gapless and in
/// commit order, and it makes facility writers queue at one place instead of meeting at rows in opposite orders.</para>
/// </summary>
public sealed class FacilityChanges
{
    private readonly NpgsqlConnection _connection;
    private readonly NpgsqlTransaction _transaction;
    private readonly ConfidenceParameters _confidence;
    private readonly HashSet<Guid> _touched = [];
    private readonly List<(string IdsQuery, DateTime Now, object? Extra)> _touchedSets = [];
    private bool _feedLocked;

    internal FacilityChanges(NpgsqlConnection connection, NpgsqlTransaction transaction, ConfidenceParameters confidence) =>
        (_connection, _transaction, _confidence) = (connection, transaction, confidence);

    /// <summary>Takes the change-feed lock (once per transaction). Any write that may change a facility takes it
    /// before it locks or references a facility row; the writes below take it themselves.</summary>
    public async Task LockFeedAsync(CancellationToken ct)
    {
        if (_feedLocked)
        {
            return;
        }
        await LockFeedAsync(_connection, _transaction, ct);
        _feedLocked = true;
    }

    /// <summary>The lock itself, for tests that write rows with <see cref="FacilityWriter"/> directly.</summary>
    internal static async Task LockFeedAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("lock table change_feed in exclusive mode", connection, transaction);
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>
    /// Locks the facility's row to the end of the transaction and reads it, for a writer that decides on its current
    /// state before it changes anything (a confirmation, a report). A writer that may also change the facility takes
    /// the feed lock first (<see cref="LockFeedAsync(CancellationToken)"/>), as the lock order says; one that never writes a version
    /// (a confirmation) needs no feed lock. Null when the facility does not exist.
    /// </summary>
    public async Task<FacilityRow?> LockAsync(Guid facilityId, CancellationToken ct)
    {
        await using var read = new NpgsqlCommand($"select {FacilityRow.Columns} from facilities f where f.id = $1 for update", _connection, _transaction);
        read.Parameters.AddWithValue(facilityId);
        await using var reader = await read.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? FacilityRow.Read(reader) : null;
    }

    /// <summary>Creates a facility at version 1 and enters it in the change feed.</summary>
    public async Task<Guid> CreateAsync(FacilityState state, VersionSource source, CancellationToken ct)
    {
        await LockFeedAsync(ct);
        var id = await FacilityWriter.CreateAsync(_connection, _transaction, state, source, ct);
        _touched.Add(id);
        return id;
    }

    /// <summary>Applies changes to one facility as one version (see <see cref="FacilityWriter.UpdateAsync"/>).</summary>
    public async Task<FacilityUpdate?> UpdateAsync(Guid facilityId, IReadOnlyDictionary<string, JsonNode?> changes, VersionSource source,
        CancellationToken ct, int? expectedVersion = null)
    {
        await LockFeedAsync(ct);
        var update = await FacilityWriter.UpdateAsync(_connection, _transaction, facilityId, changes, source, ct, expectedVersion);
        // Unchanged too: the writer asked about the facility, and its answer should carry a current confidence.
        if (update is not null)
        {
            _touched.Add(facilityId);
        }
        return update;
    }

    /// <summary>
    /// Writes one dataset's records and versions set-based (see <see cref="FacilityBulkWriter.WriteAsync"/>). The
    /// facilities it changed are refreshed; one it created is not: its record is its one input, and the version was
    /// written with that dataset's confidence, which is the definition's value for it.
    /// With <paramref name="touchedByQuery"/>, the caller names every facility these versions change in a
    /// <see cref="Touch(string, DateTime, object?)"/> query of its own, so they are not also remembered one by one:
    /// both would recompute each of them, and the set's value (computed last) is the one that stays.
    /// <paramref name="staged"/>: see <see cref="FacilityBulkWriter.WriteAsync"/>.
    /// </summary>
    public async Task WriteAsync(Guid datasetId, DateTime observedAt, double confidence, string? reason, IReadOnlyList<BulkSourceRecord> records,
        IReadOnlyList<FacilityVersionChange> versions, CancellationToken ct, bool deferClusterCells = false, bool touchedByQuery = false,
        Action? staged = null)
    {
        await LockFeedAsync(ct);
        await FacilityBulkWriter.WriteAsync(_connection, _transaction, datasetId, observedAt, confidence, reason, records, versions, ct,
            deferClusterCells, staged);
        if (!touchedByQuery)
        {
            _touched.UnionWith(versions.Where(v => !v.Created).Select(v => v.FacilityId));
        }
    }

    /// <summary>Records that the facility was verified at <paramref name="at"/> (not an attribute: no version).</summary>
    public async Task MarkVerifiedAsync(Guid facilityId, DateTime at, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("update facilities set last_verified_at = $2 where id = $1", _connection, _transaction);
        command.Parameters.AddWithValue(facilityId);
        command.Parameters.AddWithValue(at);
        await command.ExecuteNonQueryAsync(ct);
        _touched.Add(facilityId);
    }

    /// <summary>Applies the cluster-grid moves that deferred <see cref="WriteAsync"/> calls left.</summary>
    public Task ApplyClusterCellsAsync(CancellationToken ct) => FacilityBulkWriter.ApplyClusterCellsAsync(_connection, _transaction, ct);

    /// <summary>An input of the facility's confidence changed without a version: a confirmation, a report, a source
    /// record linked or removed.</summary>
    public void Touch(Guid facilityId) => _touched.Add(facilityId);

    /// <summary>
    /// The facilities a set-based writer names with <paramref name="idsQuery"/> had an input changed: a query of one
    /// uuid column that may use <c>$2</c> (<paramref name="now"/>), <c>$3</c>–<c>$6</c> (the parameters, in the
    /// order of <see cref="ConfidenceParameters"/>) and <c>$7</c> (<paramref name="extra"/>). It runs before commit,
    /// so it may read the transaction's temporary tables.
    /// </summary>
    public void Touch(string idsQuery, DateTime now, object? extra = null) => _touchedSets.Add((idsQuery, now, extra));

    /// <summary>The facility's confidence now: what is pending is recomputed at once (and not again at commit
    /// unless touched again), for a writer that answers the value.</summary>
    public async Task<double> ConfidenceAsync(Guid facilityId, CancellationToken ct)
    {
        _touched.Add(facilityId);
        var values = await FacilityConfidence.RefreshAsync(_connection, _transaction, _touched, DateTime.UtcNow, _confidence, ct);
        _touched.Clear();
        return values[facilityId];
    }

    /// <summary>Recomputes what was touched; <see cref="UnitOfWork"/> calls this before the transaction ends, and a
    /// writer may call it earlier (an import, to time it as a phase of its own).</summary>
    /// <returns>How many stored values of touched sets moved.</returns>
    public async Task<long> RefreshConfidenceAsync(CancellationToken ct)
    {
        await FacilityConfidence.RefreshAsync(_connection, _transaction, _touched, DateTime.UtcNow, _confidence, ct);
        _touched.Clear();
        long moved = 0;
        foreach (var (idsQuery, now, extra) in _touchedSets)
        {
            moved += await FacilityConfidence.RefreshAsync(_connection, _transaction, idsQuery, now, _confidence, ct, extra);
        }
        _touchedSets.Clear();
        return moved;
    }

    internal Task CompleteAsync(CancellationToken ct) => RefreshConfidenceAsync(ct);
}
