using Facilities.Api.Web;
using System.Text.Json.Nodes;
using Npgsql;
using NpgsqlTypes;

namespace Facilities.Api.Data;

/// <summary>A dataset's record as it is kept: linked to a facility (or not yet: an ambiguous match), never overwritten
/// by the merge. <see cref="Attributes"/> is what the source said, by public attribute name.</summary>
public sealed record BulkSourceRecord(string ExternalId, Guid? FacilityId, double Lon, double Lat, JsonObject Attributes)
{
    /// <summary><see cref="Attributes"/> serialised where the record is made (see <see cref="FacilityVersionChange.ChangesJson"/>).</summary>
    public string AttributesJson { get; } = Attributes.ToJsonString();
}

/// <summary>
/// The set-based twin of <see cref="FacilityWriter"/> for imports: the same rows (facility, source record, provenance,
/// version with diff and snapshot, gapless change-feed entry) for thousands of facilities in a handful of statements.
/// Rows go into temporary tables by binary COPY, then each target table is written by one INSERT or UPDATE joined to
/// them; per-facility FacilityWriter calls cost ~6 round trips each, 100,000 of them far more than the import budget.
/// Runs in the caller's transaction; its caller, <see cref="FacilityChanges"/>, holds the change-feed lock.
/// </summary>
public static class FacilityBulkWriter
{
    /// <summary>
    /// Writes the records and versions of one dataset, all observed at <paramref name="observedAt"/>. Versions are
    /// entered in the change feed in list order. Records whose content, position and link are unchanged are not
    /// rewritten, so a reimport of the same file writes nothing.
    /// With <paramref name="deferClusterCells"/>, the cluster-grid moves of these versions wait in the transaction
    /// for a later call (or <see cref="ApplyClusterCellsAsync"/>), so an import written a chunk at a time updates
    /// each grid cell once instead of once per chunk; the caller must apply them before it commits.
    /// <paramref name="staged"/> is called once the rows are copied in, as the statements that apply them start: the
    /// part of the write that is PostgreSQL's alone, which a caller may use for work of its own.
    /// </summary>
    public static async Task WriteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid datasetId,
        DateTime observedAt, double confidence, string? reason, IReadOnlyList<BulkSourceRecord> records,
        IReadOnlyList<FacilityVersionChange> versions, CancellationToken cancellationToken, bool deferClusterCells = false,
        Action? staged = null)
    {
        await ExecuteAsync(connection, transaction, cancellationToken,
            "create temp table if not exists bulk_records (ord int, external_id text, facility_id uuid, lon float8, lat float8, attributes jsonb) on commit drop",
            CreateVersions,
            "create temp table if not exists bulk_old (id uuid, category text, geom geometry, status text) on commit drop",
            CreateCellMoves,
            "truncate bulk_records, bulk_versions, bulk_old",
            // cluster_cells follows below in one pass instead of the per-row trigger (see migration 0006).
            "set local facilities.bulk_cluster_cells = on");

        // Synchronous writes per field (the rows are already in memory, and an awaited call per field cost more than
        // the data), on a thread of their own (OffThreadPool): a synchronous write waits on PostgreSQL's socket whenever
        // the buffer fills, and on a thread-pool thread that wait would hold back requests for the whole COPY.
        await using (var copy = await connection.BeginBinaryImportAsync(
            "copy bulk_records (ord, external_id, facility_id, lon, lat, attributes) from stdin (format binary)", cancellationToken))
        {
            await OffThreadPool(() =>
            {
                for (var i = 0; i < records.Count; i++)
                {
                    var r = records[i];
                    copy.StartRow();
                    copy.Write(i, NpgsqlDbType.Integer);
                    copy.Write(r.ExternalId, NpgsqlDbType.Text);
                    WriteNullable(copy, r.FacilityId, NpgsqlDbType.Uuid);
                    copy.Write(r.Lon, NpgsqlDbType.Double);
                    copy.Write(r.Lat, NpgsqlDbType.Double);
                    copy.Write(r.AttributesJson, NpgsqlDbType.Jsonb);
                }
            });
            await copy.CompleteAsync(cancellationToken);
        }

        await using (var copy = await connection.BeginBinaryImportAsync(CopyVersions, cancellationToken))
        {
            await OffThreadPool(() =>
            {
                for (var i = 0; i < versions.Count; i++)
                {
                    var v = versions[i];
                    var s = v.After;
                    copy.StartRow();
                    copy.Write(i, NpgsqlDbType.Integer);
                    copy.Write(v.FacilityId, NpgsqlDbType.Uuid);
                    copy.Write(v.Created, NpgsqlDbType.Boolean);
                    copy.Write(v.Version, NpgsqlDbType.Integer);
                    copy.Write(s.Lon, NpgsqlDbType.Double);
                    copy.Write(s.Lat, NpgsqlDbType.Double);
                    copy.Write(v.AttributesJson, NpgsqlDbType.Jsonb);
                    copy.Write((float)s.Confidence, NpgsqlDbType.Real);
                    WriteNullable(copy, s.LastVerifiedAt, NpgsqlDbType.TimestampTz);
                    copy.Write(v.ChangesJson, NpgsqlDbType.Jsonb);
                    copy.Write(v.SnapshotJson, NpgsqlDbType.Jsonb);
                    copy.Write(v.SetAttributes, NpgsqlDbType.Array | NpgsqlDbType.Text);
                    copy.Write(v.ClearedAttributes, NpgsqlDbType.Array | NpgsqlDbType.Text);
                    copy.Write(v.Kind.Name(), NpgsqlDbType.Text);
                    copy.Write(v.ExternalId, NpgsqlDbType.Text);
                    foreach (var column in CoreColumns.All)
                    {
                        WriteCore(copy, column, column.OfState(s));
                    }
                }
            });
            await copy.CompleteAsync(cancellationToken);
        }

        staged?.Invoke();
        await using var batch = new NpgsqlBatch(connection, transaction);
        batch.BatchCommands.Add(Command(
            "insert into bulk_old select f.id, f.category, f.geom, f.status from facilities f join bulk_versions v on v.id = f.id and not v.created"));
        // New facilities first: source records reference them.
        batch.BatchCommands.Add(Command(InsertFacilities, observedAt));
        batch.BatchCommands.Add(Command(UpdateFacilities, observedAt));
        // A record that says what it said last time, where it said it, linked as before, is left alone.
        batch.BatchCommands.Add(Command(
            "insert into source_records as r (dataset_id, external_id, facility_id, geom, attributes, observed_at) " +
            "select $1, b.external_id, b.facility_id, ST_SetSRID(ST_MakePoint(b.lon, b.lat), 4326), b.attributes, $2 from bulk_records b order by b.ord " +
            "on conflict (dataset_id, external_id) do update " +
            "   set facility_id = coalesce(excluded.facility_id, r.facility_id), geom = excluded.geom, attributes = excluded.attributes, " +
            "       observed_at = excluded.observed_at, removed_at = null " +
            "   where r.attributes is distinct from excluded.attributes or not ST_Equals(r.geom, excluded.geom) " +
            "      or r.facility_id is distinct from coalesce(excluded.facility_id, r.facility_id) or r.removed_at is not null",
            datasetId, observedAt));
        batch.BatchCommands.Add(Command(
            "delete from facility_provenance p using bulk_versions v where p.facility_id = v.id and p.attribute = any(v.cleared_attributes)"));
        // New facilities have no provenance yet: a plain insert, without the conflict check the updates need.
        batch.BatchCommands.Add(Command(
            "insert into facility_provenance (facility_id, attribute, source_record_id, proposal_id, updated_at, confidence) " +
            "select v.id, a, s.id, null, $2, $3 from bulk_versions v " +
            "join source_records s on s.dataset_id = $1 and s.external_id = v.external_id, unnest(v.set_attributes) a where v.created",
            datasetId, observedAt, (float)confidence));
        batch.BatchCommands.Add(Command(
            "insert into facility_provenance as p (facility_id, attribute, source_record_id, proposal_id, updated_at, confidence) " +
            "select v.id, a, s.id, null, $2, $3 from bulk_versions v " +
            "join source_records s on s.dataset_id = $1 and s.external_id = v.external_id, unnest(v.set_attributes) a where not v.created " +
            "on conflict (facility_id, attribute) do update set source_record_id = excluded.source_record_id, " +
            "   proposal_id = excluded.proposal_id, updated_at = excluded.updated_at, confidence = excluded.confidence",
            datasetId, observedAt, (float)confidence));
        batch.BatchCommands.Add(Command(
            "insert into facility_versions (facility_id, version, created_at, author_user_id, author_name, source_dataset_id, " +
            "proposal_id, reason, changes, snapshot) select id, version, $1, null, null, $2, null, $3, changes, snapshot from bulk_versions",
            observedAt, datasetId, reason));
        // Numbered under the change-feed lock, in list order: gapless, like FacilityWriter's one-at-a-time max(seq) + 1.
        batch.BatchCommands.Add(Command(
            "insert into change_feed (seq, facility_id, version, kind) " +
            "select (select coalesce(max(seq), 0) from change_feed) + row_number() over (order by ord), id, version, kind from bulk_versions"));
        AddCellMoves(batch);
        if (!deferClusterCells)
        {
            AddCellUpdates(batch);
        }
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    // The staging table of versions and the statements that read it: the fixed columns, then the core attribute
    // columns from the one list (CoreColumns), in its order.
    private static readonly string CreateVersions =
        "create temp table if not exists bulk_versions (ord int, id uuid, created bool, version int, lon float8, lat float8, " +
        "attributes jsonb, confidence real, last_verified_at timestamptz, changes jsonb, snapshot jsonb, set_attributes text[], " +
        $"cleared_attributes text[], kind text, external_id text, {CoreColumns.Definitions()}) on commit drop";

    private static readonly string CopyVersions =
        "copy bulk_versions (ord, id, created, version, lon, lat, attributes, confidence, last_verified_at, changes, snapshot, " +
        $"set_attributes, cleared_attributes, kind, external_id, {CoreColumns.Names()}) from stdin (format binary)";

    private static readonly string InsertFacilities =
        $"insert into facilities (id, geom, attributes, confidence, last_verified_at, version, created_at, updated_at, {CoreColumns.Names()}) " +
        $"select id, ST_SetSRID(ST_MakePoint(lon, lat), 4326), attributes, confidence, last_verified_at, 1, $1, $1, {CoreColumns.Names()} " +
        "from bulk_versions where created order by ord";

    private static readonly string UpdateFacilities =
        "update facilities f set geom = ST_SetSRID(ST_MakePoint(v.lon, v.lat), 4326), attributes = v.attributes, version = v.version, " +
        $"updated_at = $1, {CoreColumns.SetFrom("v")} from bulk_versions v where f.id = v.id and not v.created";

    /// <summary>Applies the cluster-grid moves that deferred <see cref="WriteAsync"/> calls left in this transaction.</summary>
    public static async Task ApplyClusterCellsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(connection, transaction);
        // When no chunk had anything to write, WriteAsync never created the table.
        batch.BatchCommands.Add(Command(CreateCellMoves));
        AddCellUpdates(batch);
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    // The zooms of cluster_cells are 0 to this (migration 0001's cluster_cells_add).
    private const int FinestZoom = 12;

    private const string CreateCellMoves =
        "create temp table if not exists bulk_cell_moves (id uuid, category text, lon float8, lat float8, sign int) on commit drop";

    /// <summary>
    /// What the facilities_cluster_cells trigger does row by row, set-based, in two steps: every facility that left a
    /// cell (moved, recategorised, removed) is noted with -1, every one that entered with +1 (this method); then
    /// <see cref="AddCellUpdates"/> sums them per cell and zoom and applies them in one upsert.
    /// </summary>
    private static void AddCellMoves(NpgsqlBatch batch)
    {
        batch.BatchCommands.Add(Command(
            "insert into bulk_cell_moves " +
            "select o.id, o.category, ST_X(o.geom), ST_Y(o.geom), -1 from bulk_old o join bulk_versions v on v.id = o.id " +
            " where o.status <> 'removed' and (o.category <> v.category or v.status = 'removed' " +
            "       or not ST_Equals(o.geom, ST_SetSRID(ST_MakePoint(v.lon, v.lat), 4326))) " +
            "union all " +
            "select v.id, v.category, v.lon, v.lat, 1 from bulk_versions v left join bulk_old o on o.id = v.id " +
            " where v.status <> 'removed' and (v.created or o.status = 'removed' or o.category <> v.category " +
            "       or not ST_Equals(o.geom, ST_SetSRID(ST_MakePoint(v.lon, v.lat), 4326)))"));
    }

    /// <summary>
    /// Applies the noted moves: emptied cells are dropped, and cells whose representative left get another one.
    /// The moves are then cleared, so a later call in the same transaction applies only its own.
    /// </summary>
    private static void AddCellUpdates(NpgsqlBatch batch)
    {
        // Per cell and zoom, what entered and left. Every statement below touches only these cells, found by the
        // primary key: cluster_cells holds millions of rows at a million facilities, and a scan per batch was seconds.
        // The finest zoom is summed from the moves, every coarser one from the zoom below it: a cell of zoom z is the
        // four of zoom z + 1 whose cx / 2, cy / 2 it is, exactly as the trigger computes it (cell sizes are 90 / 2^z,
        // so the division by the size differs by a power of two only, which is exact). Summing every zoom from the
        // moves fed the aggregate 13 rows per move (1.95 million for a 100,000-row import), with an array of ids per
        // group, and it spilled to disk: 33 s against 11 s this way on the same loaded machine.
        batch.BatchCommands.Add(Command("drop table if exists bulk_cells"));
        batch.BatchCommands.Add(Command("set local work_mem = '64MB'"));
        batch.BatchCommands.Add(Command(
            $"create temp table bulk_cells on commit drop as " +
            $"select {FinestZoom} as zoom, m.category, floor((m.lon + 180) / cluster_cell_size({FinestZoom}))::int as cx, " +
            $"       floor((m.lat + 90) / cluster_cell_size({FinestZoom}))::int as cy, sum(m.sign)::int as dn, " +
            "       sum(m.sign * m.lon) as dlon, sum(m.sign * m.lat) as dlat, " +
            "       (array_agg(m.id) filter (where m.sign > 0))[1] as entered_id, (array_agg(m.id))[1] as moved_id, " +
            "       bool_or(m.sign < 0) as lost " +
            "from bulk_cell_moves m group by 2, 3, 4"));
        for (var zoom = FinestZoom - 1; zoom >= 0; zoom--)
        {
            batch.BatchCommands.Add(Command(
                $"insert into bulk_cells select {zoom}, category, cx / 2, cy / 2, sum(dn)::int, sum(dlon), sum(dlat), " +
                "       (array_agg(entered_id) filter (where entered_id is not null))[1], (array_agg(moved_id))[1], bool_or(lost) " +
                $"from bulk_cells where zoom = {zoom + 1} group by 2, 3, 4"));
        }
        // Temporary tables have no statistics until analysed; without them the joins below were planned blind.
        batch.BatchCommands.Add(Command("analyze bulk_cells"));
        // The upsert answers each cell's count and representative after it, so the two statements that follow read
        // them here and go to cluster_cells only for the cells they change (the few emptied, the few whose
        // representative left), not once more by primary key for each of the hundreds of thousands of cells moved.
        batch.BatchCommands.Add(Command("drop table if exists bulk_cell_totals"));
        batch.BatchCommands.Add(Command(
            "create temp table bulk_cell_totals (zoom smallint, category text, cx int, cy int, n int, any_id uuid) on commit drop"));
        batch.BatchCommands.Add(Command(
            "with written as ( " +
            "  insert into cluster_cells as c (zoom, category, cx, cy, n, sum_lon, sum_lat, any_id) " +
            "  select zoom, category, cx, cy, dn, dlon, dlat, coalesce(entered_id, moved_id) from bulk_cells order by zoom, cx, cy, category " +
            "  on conflict (zoom, cx, cy, category) do update " +
            "     set n = c.n + excluded.n, sum_lon = c.sum_lon + excluded.sum_lon, sum_lat = c.sum_lat + excluded.sum_lat " +
            "  returning c.zoom, c.category, c.cx, c.cy, c.n, c.any_id) " +
            "insert into bulk_cell_totals select * from written"));
        batch.BatchCommands.Add(Command(
            "delete from cluster_cells c using bulk_cell_totals t " +
            "where t.n <= 0 and c.zoom = t.zoom and c.cx = t.cx and c.cy = t.cy and c.category = t.category"));
        // A cell whose representative left it gets another facility still in it. The cells are found first from the
        // temporary tables and the facilities by id (materialized, so the planner does not probe cluster_cells for
        // every candidate before it knows the representative is gone), then updated by primary key.
        batch.BatchCommands.Add(Command(
            "with left_by_representative as materialized ( " +
            "  select t.zoom, t.category, t.cx, t.cy from bulk_cell_totals t " +
            "  join bulk_cells b on b.zoom = t.zoom and b.cx = t.cx and b.cy = t.cy and b.category = t.category " +
            "  where b.lost and t.n > 0 and t.any_id in (select id from bulk_cell_moves where sign < 0) " +
            "    and not exists (select 1 from facilities f where f.id = t.any_id and f.category = t.category and f.status <> 'removed' " +
            "                      and floor((ST_X(f.geom) + 180) / cluster_cell_size(t.zoom))::int = t.cx " +
            "                      and floor((ST_Y(f.geom) + 90) / cluster_cell_size(t.zoom))::int = t.cy)) " +
            "update cluster_cells c " +
            "   set any_id = coalesce((select f.id from facilities f " +
            "          where f.category = c.category and f.status <> 'removed' " +
            "            and f.geom && ST_MakeEnvelope(c.cx * cluster_cell_size(c.zoom) - 180, c.cy * cluster_cell_size(c.zoom) - 90, " +
            "                                          (c.cx + 1) * cluster_cell_size(c.zoom) - 180, (c.cy + 1) * cluster_cell_size(c.zoom) - 90, 4326) " +
            "            and floor((ST_X(f.geom) + 180) / cluster_cell_size(c.zoom))::int = c.cx " +
            "            and floor((ST_Y(f.geom) + 90) / cluster_cell_size(c.zoom))::int = c.cy limit 1), c.any_id) " +
            "from left_by_representative l where c.zoom = l.zoom and c.cx = l.cx and c.cy = l.cy and c.category = l.category"));
        batch.BatchCommands.Add(Command("truncate bulk_cell_moves"));
    }

    private static Task OffThreadPool(Action write) =>
        Task.Factory.StartNew(write, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private static void WriteCore(NpgsqlBinaryImporter copy, CoreColumn column, object? value)
    {
        switch (value)
        {
            case null:
                copy.WriteNull();
                break;
            case string text:
                copy.Write(text, column.DbType);
                break;
            case bool flag:
                copy.Write(flag, column.DbType);
                break;
            case DateTime time:
                copy.Write(time, column.DbType);
                break;
            case string[] texts:
                copy.Write(texts, column.DbType);
                break;
            default:
                throw new InvalidOperationException($"{column.Name}: no COPY for {value.GetType()}");
        }
    }

    private static void WriteNullable<T>(NpgsqlBinaryImporter copy, T? value, NpgsqlDbType type)
    {
        if (value is null)
        {
            copy.WriteNull();
        }
        else
        {
            copy.Write(value, type);
        }
    }

    internal static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken ct, params string[] statements)
    {
        await using var batch = new NpgsqlBatch(connection, transaction);
        foreach (var sql in statements)
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand(sql));
        }
        await batch.ExecuteNonQueryAsync(ct);
    }

    private static NpgsqlBatchCommand Command(string sql, params object?[] values)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var value in values)
        {
            command.Parameters.Add(value is null ? new NpgsqlParameter { Value = DBNull.Value } : new NpgsqlParameter { Value = value });
        }
        return command;
    }
}
