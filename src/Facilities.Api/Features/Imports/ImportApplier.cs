using System.Text.Json;
using System.Text.Json.Nodes;
using Facilities.Api.Data;
using Facilities.Api.Features.Conflation;
using Facilities.Api.Features.Imports.Mapping;
using Facilities.Api.Features.Proposals;
using Facilities.Api.Web;
using Npgsql;
using NpgsqlTypes;

namespace Facilities.Api.Features.Imports;

/// <summary>Where a dataset's records come from (wire and SQL names through <see cref="WireName"/>); a partner's are
/// official or osm, the community's own dataset is community.</summary>
public enum DatasetKind
{
    Official,
    Community,
    Osm,
}

/// <summary>A dataset as the import needs it. <see cref="Confidence"/> is what a record of a dataset of this kind
/// carries: what its values weigh against other sources' (<see cref="Resolution"/>) and what the record weighs in its
/// facility's confidence, both from the one SQL function <c>source_kind_confidence</c> (migration 0008).</summary>
public sealed record DatasetInfo(Guid Id, Guid? PartnerId, DatasetKind Kind, string Name, string Category, string Crs, JsonObject Mapping,
    string[] OwnedAttributes, double MatchDistanceM, double Confidence)
{
    public static async Task<DatasetInfo?> LoadAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, Guid id, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(
            "select id, partner_id, kind, name, coalesce(category, 'toilet'), crs, mapping::text, owned_attributes, match_distance_m, " +
            "       source_kind_confidence(kind) " +
            "from datasets where id = $1", connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = id });
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct))
        {
            return null;
        }
        return new DatasetInfo(reader.GetGuid(0), reader.IsDBNull(1) ? null : reader.GetGuid(1), WireName.Parse<DatasetKind>(reader.GetString(2))!.Value,
            reader.GetString(3),
            reader.GetString(4), reader.GetString(5), JsonNode.Parse(reader.GetString(6))?.AsObject() ?? [],
            reader.GetFieldValue<string[]>(7), reader.GetDouble(8), reader.GetDouble(9));
    }
}

/// <summary>
/// Applies one file's mapped rows to the layer inside the caller's transaction: stage them (binary COPY), match
/// them all at once (<see cref="Matching"/>), resolve each matched facility's attributes (<see cref="Resolution"/>)
/// a chunk at a time, and write the results set-based (<see cref="FacilityBulkWriter"/>). Memory stays bounded by
/// the chunk, not the file. The caller commits, or rolls back for a dry run or a failure.
/// </summary>
public static class ImportApplier
{
    // Two chunks are in memory at once (one written, the next decided), each row with its versions' JSON as objects
    // and as text: at 10,000 rows the write phase of a 1,000,000-row file held ~400 MB of RSS, at 5,000 ~280 MB, with
    // the same time per row (docs/benchmarks.md).
    internal const int ChunkSize = 5000;
    // Above this many written facilities the import refreshes source_records' statistics before reading it back.
    private const int StatisticsRefreshRows = 5000;

    public static async Task StageAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IEnumerable<object> rows,
        ImportReport report, List<string> rejectedIds, CancellationToken ct)
    {
        await FacilityBulkWriter.ExecuteAsync(connection, transaction, ct,
            "create temp table import_rows (row_no bigint primary key, external_id text not null, lon float8 not null, lat float8 not null, " +
            "name text, attributes jsonb not null, ignored jsonb, geom geometry(Point, 4326) generated always as (ST_SetSRID(ST_MakePoint(lon, lat), 4326)) stored) " +
            "on commit drop");
        await using (var copy = await connection.BeginBinaryImportAsync(
            "copy import_rows (row_no, external_id, lon, lat, name, attributes, ignored) from stdin (format binary)", ct))
        {
            foreach (var row in rows)
            {
                report.RowsRead++;
                switch (row)
                {
                    case RejectedRow rejected:
                        report.Reject(rejected);
                        if (rejected.ExternalId is not null)
                        {
                            rejectedIds.Add(rejected.ExternalId);
                        }
                        break;
                    case MappedRow mapped:
                        var attributes = mapped.Attributes.DeepClone().AsObject();
                        attributes["location"] = new JsonArray(mapped.Lon, mapped.Lat);
                        await copy.StartRowAsync(ct);
                        await copy.WriteAsync(mapped.Row, NpgsqlDbType.Bigint, ct);
                        await copy.WriteAsync(mapped.ExternalId, NpgsqlDbType.Text, ct);
                        await copy.WriteAsync(mapped.Lon, NpgsqlDbType.Double, ct);
                        await copy.WriteAsync(mapped.Lat, NpgsqlDbType.Double, ct);
                        if (mapped.Attributes["name"] is { } name)
                        {
                            await copy.WriteAsync(name.GetValue<string>(), NpgsqlDbType.Text, ct);
                        }
                        else
                        {
                            await copy.WriteNullAsync(ct);
                        }
                        await copy.WriteAsync(attributes.ToJsonString(), NpgsqlDbType.Jsonb, ct);
                        if (ImportRecords.IgnoredJson(mapped.Ignored) is { } ignored)
                        {
                            await copy.WriteAsync(ignored.ToJsonString(), NpgsqlDbType.Jsonb, ct);
                        }
                        else
                        {
                            await copy.WriteNullAsync(ct);
                        }
                        break;
                }
            }
            await copy.CompleteAsync(ct);
        }

        // The first row with an id wins; a later row with the same id is the partner's mistake, reported.
        await using (var duplicates = new NpgsqlCommand(
            "with d as (select row_no, external_id, min(row_no) over (partition by external_id) as first from import_rows) " +
            "delete from import_rows r using d where r.row_no = d.row_no and d.row_no <> d.first " +
            "returning r.row_no, r.external_id, d.first", connection, transaction))
        await using (var reader = await duplicates.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                report.Reject(new RejectedRow(reader.GetInt64(0), $"duplicate id '{reader.GetString(1)}' (first at row {reader.GetInt64(2)})"));
            }
        }
        await FacilityBulkWriter.ExecuteAsync(connection, transaction, ct,
            "create unique index on import_rows (external_id)", "analyze import_rows");
    }

    /// <summary>
    /// Matches the staged rows, writes the new and changed facilities, opens review items for ambiguous matches and
    /// handles records missing from the file (<paramref name="detectRemovals"/>: a full file, not a single record;
    /// <paramref name="closures"/> opens the closure proposals when the partner does not own status).
    /// </summary>
    public static async Task ApplyAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, DatasetInfo dataset,
        DateTime observedAt, string reason, ImportReport report, IReadOnlyCollection<string> rejectedIds, bool detectRemovals,
        Guid? importId, FacilityChanges changes, SourceClosures closures, CancellationToken ct)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        void Lap(string phase)
        {
            report.PhasesMs[phase] = clock.ElapsedMilliseconds;
            clock.Restart();
        }
        // Before the feed lock: withdrawing takes proposal rows, and every writer locks a proposal before the feed.
        await ReturnedAtSourceAsync(connection, transaction, dataset, observedAt, report, ct);
        Lap("returned");
        // The feed lock, held to commit: the layer cannot change under the matching.
        await changes.LockFeedAsync(ct);
        Lap("lock");
        await Matching.PlanAsync(connection, transaction, dataset.Id, dataset.Category, dataset.MatchDistanceM, ct);
        Lap("match");
        // The confidence phase below names every facility this write gives a version (merged, or linked and updated).
        await WritePlanAsync(connection, transaction, changes, dataset, observedAt, reason, report, ct, touchedByQuery: true);
        if (report.Created + report.Merged + report.Updated >= StatisticsRefreshRows)
        {
            // The statements after the write probe source_records by facility for every touched facility. After a
            // killed import, autovacuum removes its dead rows and leaves source_records at reltuples 0 while it has
            // pages; the planner then takes the table for empty, prices every index scan alike and may probe by
            // facility through (dataset_id, facility_id), a whole-index scan per facility: a 100,000-row re-run's
            // confidence phase took 389 s instead of 9. ANALYZE here counts this transaction's own rows (as live),
            // so the plans see the table as it now is. Without ownership it only warns, and the old plans remain.
            await FacilityBulkWriter.ExecuteAsync(connection, transaction, ct, "analyze source_records");
        }
        Lap("write");

        await using (var review = new NpgsqlCommand(
            "insert into review_items (id, kind, dataset_id, source_record_id, details) " +
            "select gen_random_uuid(), 'ambiguous_match', $1, s.id, " +
            "       jsonb_build_object('import_id', $2::uuid, 'row', p.row_no, 'external_id', s.external_id, 'candidates', p.candidates) " +
            "from import_plan p join import_rows r using (row_no) join source_records s on s.dataset_id = $1 and s.external_id = r.external_id " +
            "where p.outcome = 'ambiguous' " +
            "  and not exists (select 1 from review_items i where i.source_record_id = s.id and i.state = 'open') " +
            "order by p.row_no returning id", connection, transaction))
        {
            review.Parameters.Add(new NpgsqlParameter { Value = dataset.Id });
            review.Parameters.Add(new NpgsqlParameter { Value = (object?)importId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Uuid });
            await using var reader = await review.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                report.ReviewItems.Add(reader.GetGuid(0));
            }
        }

        if (detectRemovals)
        {
            await RemovedAtSourceAsync(connection, transaction, changes, dataset, observedAt, reason, report, rejectedIds, importId, closures, ct);
        }
        Lap("review_and_removals");

        // Confidence of every facility whose inputs this import changed: a record merged into it (a new source), a new
        // version (which answers open reports; stamped with this import's time), a record removed at source or back.
        // A facility the import created has this record alone, no confirmation and no report, and was written with
        // its dataset's confidence, the function's value for it; an unchanged linked facility has no new input.
        changes.Touch(
            "select p.facility_id from import_plan p join facilities f on f.id = p.facility_id " +
            "where p.outcome = 'merge' or (p.outcome = 'linked' and f.updated_at = $2) " +
            "union select facility_id from source_records where dataset_id = $7 and removed_at = $2 and facility_id is not null " +
            "union select facility_id from returned_records",
            observedAt, dataset.Id);
        // Recomputed here rather than only at commit so that the report times it as a phase of its own.
        await changes.RefreshConfidenceAsync(ct);
        Lap("confidence");
    }

    /// <summary>
    /// Records of this dataset that the file has again after they were removed at source. Their facility comes back:
    /// the bulk writer clears the record's removed_at; where the removal marked the facility removed (the partner owns
    /// status), the record's row reopens it (<see cref="Resolution.Changes"/>); a closure proposal the removal opened
    /// (authored by the partner's system account) that is still pending is withdrawn, as a blocked author's are. A
    /// closure the community already accepted stays: that was the community's decision, not the partner's.
    /// </summary>
    private static async Task ReturnedAtSourceAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, DatasetInfo dataset,
        DateTime observedAt, ImportReport report, CancellationToken ct)
    {
        await using (var returned = new NpgsqlCommand(
            "create temp table returned_records on commit drop as " +
            "select s.id as record_id, s.facility_id from import_rows r join source_records s on s.dataset_id = $1 and s.external_id = r.external_id " +
            "where s.removed_at is not null and s.facility_id is not null", connection, transaction))
        {
            returned.Parameters.Add(new NpgsqlParameter { Value = dataset.Id });
            await returned.ExecuteNonQueryAsync(ct);
        }
        await using (var count = new NpgsqlCommand("select count(*) from returned_records", connection, transaction))
        {
            report.ReturnedAtSource = (long)(await count.ExecuteScalarAsync(ct))!;
        }
        if (report.ReturnedAtSource == 0 || dataset.PartnerId is not { } partnerId)
        {
            return;
        }
        await using var withdraw = new NpgsqlCommand(
            "update proposals p set state = 'withdrawn', decided_at = $2 " +
            "from returned_records r, users u " +
            "where u.system_partner_id = $1 and p.author_id = u.id and p.facility_id = r.facility_id and p.kind = 'close' and p.state = 'pending' " +
            "returning p.id", connection, transaction);
        withdraw.Parameters.Add(new NpgsqlParameter { Value = partnerId });
        withdraw.Parameters.Add(new NpgsqlParameter { Value = observedAt });
        await using var reader = await withdraw.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            report.ClosureProposalsWithdrawn.Add(reader.GetGuid(0));
        }
    }

    /// <summary>
    /// Reads the plan a chunk at a time, decides each row's record and version, and writes them. With
    /// <paramref name="touchedByQuery"/> the caller names the facilities given a version for their confidence itself
    /// (see <see cref="FacilityChanges.WriteAsync"/>).
    /// <para>The plan is read one chunk ahead, so that the next chunk is decided (C#, on a core of its own) while
    /// PostgreSQL writes this one, instead of each waiting while the other works. The next chunk
    /// was read before this one was written, so it is read again when this one wrote a facility it names: its rows
    /// then see the versions, provenance and records just written, exactly as a read after the write would.</para>
    /// </summary>
    public static async Task WritePlanAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, FacilityChanges changes,
        DatasetInfo dataset, DateTime observedAt, string reason, ImportReport report, CancellationToken ct, bool touchedByQuery = false)
    {
        var chunk = await ReadChunkAsync(connection, transaction, dataset, -1, ct);
        var decided = DecidedChunk.Of(dataset, observedAt, chunk);
        while (decided.Records.Count > 0)
        {
            var following = await ReadChunkAsync(connection, transaction, dataset, chunk[^1].Row, ct);
            // Deciding starts once the chunk is copied in: during the COPY, C# serialises the rows and PostgreSQL parses
            // them, and a third busy thread on two cores would slow the COPY, which the statements after it wait for.
            Task<DecidedChunk>? deciding = null;
            var write = changes.WriteAsync(dataset.Id, observedAt, dataset.Confidence, reason, decided.Records, decided.Versions, ct,
                deferClusterCells: true, touchedByQuery, staged: () => deciding = Task.Factory.StartNew(
                    () => DecidedChunk.Of(dataset, observedAt, following), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default));
            try
            {
                await write;
            }
            finally
            {
                // Its failure, or the write's, ends the import; either way it is not left running.
                if (deciding is not null)
                {
                    await Task.WhenAny(deciding);
                }
            }
            decided.AddTo(report);
            var decidedFollowing = deciding is null ? DecidedChunk.Of(dataset, observedAt, following) : await deciding;
            var written = decided.Versions.Select(v => v.FacilityId).ToHashSet();
            if (following.Any(row => row.Current is { } facility && written.Contains(facility.Id)))
            {
                following = await ReadChunkAsync(connection, transaction, dataset, chunk[^1].Row, ct);
                decidedFollowing = DecidedChunk.Of(dataset, observedAt, following);
            }
            (chunk, decided) = (following, decidedFollowing);
        }
        // The grid cells once for the whole file: chunk by chunk, the busy cells of a city were rewritten ten times.
        await changes.ApplyClusterCellsAsync(ct);
    }

    /// <summary>One row of the plan as read, its JSON still text: parsed where the row is decided.</summary>
    private sealed record PlanRow(long Row, MatchOutcome Outcome, string ExternalId, double Lon, double Lat, string Incoming, string? Previous,
        string? Provenance, bool ReturnsAfterRemoval, FacilityRow? Current);

    /// <summary>The plan's rows after <paramref name="after"/>, a chunk of them, in row order.</summary>
    private static async Task<List<PlanRow>> ReadChunkAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, DatasetInfo dataset,
        long after, CancellationToken ct)
    {
        var rows = new List<PlanRow>();
        await using var command = new NpgsqlCommand(
            "select " + FacilityRow.Columns + ", p.row_no, p.outcome, r.external_id, r.lon, r.lat, r.attributes::text, p.previous::text, " +
            "       (select jsonb_object_agg(pv.attribute, jsonb_build_object('c', pv.confidence, 'd', s.dataset_id, " +
            "               'o', coalesce(pv.attribute = any(d.owned_attributes), false)))::text " +
            "          from facility_provenance pv left join source_records s on s.id = pv.source_record_id " +
            "          left join datasets d on d.id = s.dataset_id where pv.facility_id = f.id), " +
            // Removed by this record's removal at source (its status provenance names the record), and back: the
            // cheap tests first, so only removed facilities look the record up.
            "       p.outcome = 'linked' and f.status = 'removed' and exists (select 1 from source_records s " +
            "          join facility_provenance pv on pv.source_record_id = s.id and pv.facility_id = f.id and pv.attribute = 'status' " +
            "          where s.dataset_id = $3 and s.external_id = r.external_id and s.removed_at is not null) " +
            "from import_plan p join import_rows r using (row_no) left join facilities f on f.id = p.facility_id " +
            "where p.row_no > $1 order by p.row_no limit $2", connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = after });
        command.Parameters.Add(new NpgsqlParameter { Value = ChunkSize });
        command.Parameters.Add(new NpgsqlParameter { Value = dataset.Id });
        await using var reader = await command.ExecuteReaderAsync(ct);
        var c = FacilityRow.ColumnCount;
        while (await reader.ReadAsync(ct))
        {
            rows.Add(new PlanRow(reader.GetInt64(c), WireName.Parse<MatchOutcome>(reader.GetString(c + 1))!.Value, reader.GetString(c + 2),
                reader.GetDouble(c + 3), reader.GetDouble(c + 4), reader.GetString(c + 5), reader.IsDBNull(c + 6) ? null : reader.GetString(c + 6),
                reader.IsDBNull(c + 7) ? null : reader.GetString(c + 7), !reader.IsDBNull(c + 8) && reader.GetBoolean(c + 8),
                reader.IsDBNull(0) ? null : FacilityRow.Read(reader)));
        }
        return rows;
    }

    /// <summary>What a chunk's rows became: the records and versions to write, and the counts the report adds once
    /// they are written.</summary>
    private sealed class DecidedChunk
    {
        public List<BulkSourceRecord> Records { get; } = [];
        public List<FacilityVersionChange> Versions { get; } = [];
        private long _created, _merged, _updated, _unchanged, _needingReview;

        public static DecidedChunk Of(DatasetInfo dataset, DateTime observedAt, IReadOnlyList<PlanRow> rows)
        {
            var decided = new DecidedChunk();
            foreach (var row in rows)
            {
                decided.Decide(dataset, observedAt, row);
            }
            return decided;
        }

        public void AddTo(ImportReport report)
        {
            report.Created += _created;
            report.Merged += _merged;
            report.Updated += _updated;
            report.Unchanged += _unchanged;
            report.NeedingReview += _needingReview;
        }

        private void Decide(DatasetInfo dataset, DateTime observedAt, PlanRow row)
        {
            var incoming = JsonNode.Parse(row.Incoming)!.AsObject();
            switch (row.Outcome)
            {
                case MatchOutcome.Create:
                    {
                        var state = new FacilityState
                        {
                            Category = dataset.Category,
                            Lon = row.Lon,
                            Lat = row.Lat,
                            Confidence = dataset.Confidence,
                            LastVerifiedAt = dataset.Kind == DatasetKind.Official ? observedAt : null,
                        };
                        foreach (var (attribute, value) in incoming)
                        {
                            if (attribute is not ("location" or "category") && value is not null)
                            {
                                state = state.With(attribute, value);
                            }
                        }
                        var id = Guid.CreateVersion7();
                        Records.Add(new BulkSourceRecord(row.ExternalId, id, row.Lon, row.Lat, incoming));
                        Versions.Add(FacilityVersionChange.First(id, state, row.ExternalId));
                        _created++;
                        break;
                    }
                case MatchOutcome.Ambiguous or MatchOutcome.Pending:
                    Records.Add(new BulkSourceRecord(row.ExternalId, null, row.Lon, row.Lat, incoming));
                    _needingReview++;
                    break;
                default:
                    {
                        var facility = row.Current!;
                        var previous = row.Previous is null ? null : JsonNode.Parse(row.Previous)?.AsObject();
                        var provenance = row.Provenance is null ? [] : ParseProvenance(row.Provenance);
                        var changes = Resolution.Changes(incoming, previous, provenance, dataset.Id, dataset.OwnedAttributes, dataset.Confidence,
                            row.ReturnsAfterRemoval);
                        // A record's changes clear a value only where it owns the attribute and emptied it.
                        var version = FacilityVersionChange.Next(facility.Id, facility.Version, FacilityState.FromRow(facility), changes, row.ExternalId,
                            [.. changes.Where(c => c.Value is null).Select(c => c.Key)]);
                        Records.Add(new BulkSourceRecord(row.ExternalId, facility.Id, row.Lon, row.Lat, incoming));
                        if (version is not null)
                        {
                            Versions.Add(version);
                        }
                        if (row.Outcome == MatchOutcome.Merge)
                        {
                            _merged++;
                        }
                        else if (version is null)
                        {
                            _unchanged++;
                        }
                        else
                        {
                            _updated++;
                        }
                        break;
                    }
            }
        }
    }

    private static Dictionary<string, AttributeSource> ParseProvenance(string json)
    {
        var result = new Dictionary<string, AttributeSource>(StringComparer.Ordinal);
        using var document = JsonDocument.Parse(json);
        foreach (var property in document.RootElement.EnumerateObject())
        {
            var value = property.Value;
            result[property.Name] = new AttributeSource(
                value.GetProperty("c").GetDouble(),
                value.GetProperty("d").ValueKind == JsonValueKind.String ? value.GetProperty("d").GetGuid() : null,
                value.GetProperty("o").GetBoolean());
        }
        return result;
    }

    /// <summary>
    /// Records of this dataset that the file no longer has. Nothing is deleted: the record is marked removed at
    /// source; if the partner owns <c>status</c>, its facility is marked removed (a version like any other); if not,
    /// the community decides on a closure proposal opened for it (or the one already pending), which the report lists.
    /// A reimport without the record opens no second one: the record is marked removed already, so it is not "gone" again.
    /// </summary>
    private static async Task RemovedAtSourceAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, FacilityChanges changes, DatasetInfo dataset,
        DateTime observedAt, string reason, ImportReport report, IReadOnlyCollection<string> rejectedIds, Guid? importId,
        SourceClosures closures, CancellationToken ct)
    {
        var gone = new List<(string ExternalId, FacilityRow Facility)>();
        await using (var command = new NpgsqlCommand(
            "update source_records s set removed_at = $2 from facilities f " +
            "where s.dataset_id = $1 and s.removed_at is null and f.id = s.facility_id " +
            "  and not exists (select 1 from import_rows r where r.external_id = s.external_id) and s.external_id <> all($3) " +
            "returning " + FacilityRow.Columns + ", s.external_id", connection, transaction))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = dataset.Id });
            command.Parameters.Add(new NpgsqlParameter { Value = observedAt });
            command.Parameters.Add(new NpgsqlParameter { Value = rejectedIds.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                gone.Add((reader.GetString(FacilityRow.ColumnCount), FacilityRow.Read(reader)));
            }
        }
        report.RemovedAtSource = gone.Count;
        if (gone.Count == 0)
        {
            return;
        }
        if (!dataset.OwnedAttributes.Contains("status"))
        {
            var proposals = dataset.PartnerId is { } partnerId
                ? await closures.OpenAsync(partnerId, gone.Select(g => g.Facility.Id).ToList(),
                    $"Removed from {dataset.Name} at source" + (importId is { } id ? $" in import {id}" : "") +
                    ": is this facility gone? The partner does not own its status, so the community decides.", ct)
                : [.. gone.Select(_ => (SourceClosure?)null)];
            report.ClosureProposalsNeeded.AddRange(gone.Zip(proposals,
                (g, p) => new ClosureNeeded(g.Facility.Id, g.ExternalId, p?.ProposalId, p?.Opened ?? false)));
            return;
        }
        var versions = gone
            .Select(g => FacilityVersionChange.Next(g.Facility.Id, g.Facility.Version, FacilityState.FromRow(g.Facility),
                new Dictionary<string, JsonNode?> { ["status"] = FacilityStatus.Removed.Name() }, g.ExternalId))
            .OfType<FacilityVersionChange>()
            .ToList();
        if (versions.Count > 0)
        {
            // The records stay marked removed; the versions point their status provenance at them.
            await changes.WriteAsync(dataset.Id, observedAt, dataset.Confidence, reason + " (removed at source)",
                [], versions, ct);
        }
    }
}
