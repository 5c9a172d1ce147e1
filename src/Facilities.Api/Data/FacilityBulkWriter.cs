using System.Text.Json.Nodes;
using Npgsql;
using NpgsqlTypes;

namespace Facilities.Api.Data;

/// <summary>A dataset's record as it is kept: linked to a facility (or not yet: an ambiguous match), never overwritten
/// by the merge. <see cref="Attributes"/> is what the source said, by public attribute name.</summary>
public sealed record BulkSourceRecord(string ExternalId, Guid? FacilityId, double Lon, double Lat, JsonObject Attributes);

/// <summary>
/// One new version of one facility, computed the way <see cref="FacilityWriter"/> computes it (see
/// <see cref="FacilityBulkWriter.Create"/> and <see cref="FacilityBulkWriter.Update"/>): the state after, the diff,
/// the snapshot, which attributes now come from the record <see cref="ExternalId"/> and which lost their value.
/// </summary>
public sealed record BulkFacilityVersion(Guid FacilityId, bool Created, int Version, FacilityState After, JsonObject Changes,
    JsonObject Snapshot, string[] SetAttributes, string[] ClearedAttributes, string Kind, string ExternalId);

/// <summary>
/// The set-based twin of <see cref="FacilityWriter"/> for imports: the same rows (facility, source record, provenance,
/// version with diff and snapshot, gapless change-feed entry) for thousands of facilities in a handful of statements.
/// Rows go into temporary tables by binary COPY, then each target table is written by one INSERT or UPDATE joined to
/// them; per-facility FacilityWriter calls cost ~6 round trips each, 100,000 of them far more than the import budget.
/// Runs in the caller's transaction and takes the change_feed lock first, like every writer.
/// </summary>
public static class FacilityBulkWriter
{
    /// <summary>Version 1 of a new facility, as <see cref="FacilityWriter.CreateAsync"/> writes it.</summary>
    public static BulkFacilityVersion Create(Guid id, FacilityState state, string externalId)
    {
        var known = state.KnownAttributes();
        var snapshot = new JsonObject(known.Select(k => KeyValuePair.Create(k.Key, (JsonNode?)k.Value.DeepClone())));
        var changes = new JsonObject(known.Select(k =>
            KeyValuePair.Create(k.Key, (JsonNode?)new JsonObject { ["from"] = null, ["to"] = k.Value.DeepClone() })));
        return new BulkFacilityVersion(id, true, 1, state, changes, snapshot, [.. known.Keys], [], "created", externalId);
    }

    /// <summary>The next version of an existing facility, as <see cref="FacilityWriter.UpdateAsync"/> computes it, or
    /// null when the changes leave every value as it was (no version is written).</summary>
    public static BulkFacilityVersion? Update(Guid id, int currentVersion, FacilityState before,
        IReadOnlyDictionary<string, JsonNode?> changes, string externalId)
    {
        var after = changes.Aggregate(before, (state, change) => state.With(change.Key, change.Value));
        var oldValues = before.KnownAttributes();
        var newValues = after.KnownAttributes();
        var changed = oldValues.Keys.Union(newValues.Keys)
            .Where(name => !JsonNode.DeepEquals(oldValues.GetValueOrDefault(name), newValues.GetValueOrDefault(name)))
            .Order(StringComparer.Ordinal)
            .ToArray();
        if (changed.Length == 0)
        {
            return null;
        }
        var diff = new JsonObject(changed.Select(name => KeyValuePair.Create(name, (JsonNode?)new JsonObject
        {
            ["from"] = oldValues.GetValueOrDefault(name)?.DeepClone(),
            ["to"] = newValues.GetValueOrDefault(name)?.DeepClone(),
        })));
        var snapshot = new JsonObject(newValues.Select(k => KeyValuePair.Create(k.Key, (JsonNode?)k.Value.DeepClone())));
        var kind = after.Status == "removed" && before.Status != "removed" ? "removed" : "updated";
        return new BulkFacilityVersion(id, false, currentVersion + 1, after, diff, snapshot,
            [.. changed.Where(newValues.ContainsKey)], [.. changed.Where(name => !newValues.ContainsKey(name))], kind, externalId);
    }

    /// <summary>
    /// Writes the records and versions of one dataset, all observed at <paramref name="observedAt"/>. Versions are
    /// entered in the change feed in list order. Records whose content, position and link are unchanged are not
    /// rewritten, so a reimport of the same file writes nothing.
    /// </summary>
    public static async Task WriteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid datasetId,
        DateTime observedAt, double confidence, string? reason, IReadOnlyList<BulkSourceRecord> records,
        IReadOnlyList<BulkFacilityVersion> versions, CancellationToken cancellationToken)
    {
        await ExecuteAsync(connection, transaction, cancellationToken,
            "lock table change_feed in exclusive mode",
            "create temp table if not exists bulk_records (ord int, external_id text, facility_id uuid, lon float8, lat float8, attributes jsonb) on commit drop",
            "create temp table if not exists bulk_versions (ord int, id uuid, created bool, version int, category text, lon float8, lat float8, " +
            "name text, operator text, status text, status_until timestamptz, access text, fee bool, charge text, opening_hours text, " +
            "time_zone text, wheelchair text, changing_table bool, adult_changing_table bool, gender text[], key_scheme text, " +
            "official_grade text, attributes jsonb, confidence real, last_verified_at timestamptz, changes jsonb, snapshot jsonb, " +
            "set_attributes text[], cleared_attributes text[], kind text, external_id text) on commit drop",
            "truncate bulk_records, bulk_versions");

        await using (var copy = await connection.BeginBinaryImportAsync(
            "copy bulk_records (ord, external_id, facility_id, lon, lat, attributes) from stdin (format binary)", cancellationToken))
        {
            for (var i = 0; i < records.Count; i++)
            {
                var r = records[i];
                await copy.StartRowAsync(cancellationToken);
                await copy.WriteAsync(i, NpgsqlDbType.Integer, cancellationToken);
                await copy.WriteAsync(r.ExternalId, NpgsqlDbType.Text, cancellationToken);
                await WriteNullable(copy, r.FacilityId, NpgsqlDbType.Uuid, cancellationToken);
                await copy.WriteAsync(r.Lon, NpgsqlDbType.Double, cancellationToken);
                await copy.WriteAsync(r.Lat, NpgsqlDbType.Double, cancellationToken);
                await copy.WriteAsync(r.Attributes.ToJsonString(), NpgsqlDbType.Jsonb, cancellationToken);
            }
            await copy.CompleteAsync(cancellationToken);
        }

        await using (var copy = await connection.BeginBinaryImportAsync(
            "copy bulk_versions (ord, id, created, version, category, lon, lat, name, operator, status, status_until, access, fee, charge, " +
            "opening_hours, time_zone, wheelchair, changing_table, adult_changing_table, gender, key_scheme, official_grade, attributes, " +
            "confidence, last_verified_at, changes, snapshot, set_attributes, cleared_attributes, kind, external_id) from stdin (format binary)",
            cancellationToken))
        {
            for (var i = 0; i < versions.Count; i++)
            {
                var v = versions[i];
                var s = v.After;
                await copy.StartRowAsync(cancellationToken);
                await copy.WriteAsync(i, NpgsqlDbType.Integer, cancellationToken);
                await copy.WriteAsync(v.FacilityId, NpgsqlDbType.Uuid, cancellationToken);
                await copy.WriteAsync(v.Created, NpgsqlDbType.Boolean, cancellationToken);
                await copy.WriteAsync(v.Version, NpgsqlDbType.Integer, cancellationToken);
                await copy.WriteAsync(s.Category, NpgsqlDbType.Text, cancellationToken);
                await copy.WriteAsync(s.Lon, NpgsqlDbType.Double, cancellationToken);
                await copy.WriteAsync(s.Lat, NpgsqlDbType.Double, cancellationToken);
                await WriteNullable(copy, s.Name, NpgsqlDbType.Text, cancellationToken);
                await WriteNullable(copy, s.Operator, NpgsqlDbType.Text, cancellationToken);
                await copy.WriteAsync(s.Status, NpgsqlDbType.Text, cancellationToken);
                await WriteNullable(copy, s.StatusUntil, NpgsqlDbType.TimestampTz, cancellationToken);
                await copy.WriteAsync(s.Access, NpgsqlDbType.Text, cancellationToken);
                await WriteNullable(copy, s.Fee, NpgsqlDbType.Boolean, cancellationToken);
                await WriteNullable(copy, s.Charge, NpgsqlDbType.Text, cancellationToken);
                await WriteNullable(copy, s.OpeningHours, NpgsqlDbType.Text, cancellationToken);
                await WriteNullable(copy, s.TimeZone, NpgsqlDbType.Text, cancellationToken);
                await copy.WriteAsync(s.Wheelchair, NpgsqlDbType.Text, cancellationToken);
                await WriteNullable(copy, s.ChangingTable, NpgsqlDbType.Boolean, cancellationToken);
                await WriteNullable(copy, s.AdultChangingTable, NpgsqlDbType.Boolean, cancellationToken);
                await copy.WriteAsync(s.Gender, NpgsqlDbType.Array | NpgsqlDbType.Text, cancellationToken);
                await WriteNullable(copy, s.KeyScheme, NpgsqlDbType.Text, cancellationToken);
                await WriteNullable(copy, s.OfficialGrade, NpgsqlDbType.Text, cancellationToken);
                await copy.WriteAsync(s.Attributes.ToJsonString(), NpgsqlDbType.Jsonb, cancellationToken);
                await copy.WriteAsync((float)s.Confidence, NpgsqlDbType.Real, cancellationToken);
                await WriteNullable(copy, s.LastVerifiedAt, NpgsqlDbType.TimestampTz, cancellationToken);
                await copy.WriteAsync(v.Changes.ToJsonString(), NpgsqlDbType.Jsonb, cancellationToken);
                await copy.WriteAsync(v.Snapshot.ToJsonString(), NpgsqlDbType.Jsonb, cancellationToken);
                await copy.WriteAsync(v.SetAttributes, NpgsqlDbType.Array | NpgsqlDbType.Text, cancellationToken);
                await copy.WriteAsync(v.ClearedAttributes, NpgsqlDbType.Array | NpgsqlDbType.Text, cancellationToken);
                await copy.WriteAsync(v.Kind, NpgsqlDbType.Text, cancellationToken);
                await copy.WriteAsync(v.ExternalId, NpgsqlDbType.Text, cancellationToken);
            }
            await copy.CompleteAsync(cancellationToken);
        }

        await using var batch = new NpgsqlBatch(connection, transaction);
        // New facilities first: source records reference them.
        batch.BatchCommands.Add(Command(
            "insert into facilities (id, category, geom, name, operator, status, status_until, access, fee, charge, opening_hours, " +
            "time_zone, wheelchair, changing_table, adult_changing_table, gender, key_scheme, official_grade, attributes, confidence, " +
            "last_verified_at, version, created_at, updated_at) " +
            "select id, category, ST_SetSRID(ST_MakePoint(lon, lat), 4326), name, operator, status, status_until, access, fee, charge, " +
            "opening_hours, time_zone, wheelchair, changing_table, adult_changing_table, gender, key_scheme, official_grade, attributes, " +
            "confidence, last_verified_at, 1, $1, $1 from bulk_versions where created order by ord",
            observedAt));
        batch.BatchCommands.Add(Command(
            "update facilities f set category = v.category, geom = ST_SetSRID(ST_MakePoint(v.lon, v.lat), 4326), name = v.name, " +
            "operator = v.operator, status = v.status, status_until = v.status_until, access = v.access, fee = v.fee, charge = v.charge, " +
            "opening_hours = v.opening_hours, time_zone = v.time_zone, wheelchair = v.wheelchair, changing_table = v.changing_table, " +
            "adult_changing_table = v.adult_changing_table, gender = v.gender, key_scheme = v.key_scheme, official_grade = v.official_grade, " +
            "attributes = v.attributes, version = v.version, updated_at = $1 from bulk_versions v where f.id = v.id and not v.created",
            observedAt));
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
        batch.BatchCommands.Add(Command(
            "insert into facility_provenance as p (facility_id, attribute, source_record_id, proposal_id, updated_at, confidence) " +
            "select v.id, a, s.id, null, $2, $3 from bulk_versions v " +
            "join source_records s on s.dataset_id = $1 and s.external_id = v.external_id, unnest(v.set_attributes) a " +
            "on conflict (facility_id, attribute) do update set source_record_id = excluded.source_record_id, " +
            "   proposal_id = excluded.proposal_id, updated_at = excluded.updated_at, confidence = excluded.confidence",
            datasetId, observedAt, (float)confidence));
        batch.BatchCommands.Add(Command(
            "insert into facility_versions (facility_id, version, created_at, author_user_id, author_name, source_dataset_id, " +
            "proposal_id, reason, changes, snapshot) select id, version, $1, null, null, $2, null, $3, changes, snapshot from bulk_versions",
            observedAt, datasetId, reason));
        // Numbered after the lock taken above, in list order: gapless, like FacilityWriter's one-at-a-time max(seq) + 1.
        batch.BatchCommands.Add(Command(
            "insert into change_feed (seq, facility_id, version, kind) " +
            "select (select coalesce(max(seq), 0) from change_feed) + row_number() over (order by ord), id, version, kind from bulk_versions"));
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task WriteNullable<T>(NpgsqlBinaryImporter copy, T? value, NpgsqlDbType type, CancellationToken ct)
    {
        if (value is null)
        {
            await copy.WriteNullAsync(ct);
        }
        else
        {
            await copy.WriteAsync(value, type, ct);
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
