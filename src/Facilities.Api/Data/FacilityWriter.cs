using Facilities.Api.Web;
using System.Text.Json.Nodes;
using NetTopologySuite.Geometries;
using Npgsql;
using NpgsqlTypes;

namespace Facilities.Api.Data;

/// <summary>Where a new version comes from: a dataset's record (official, OSM, or the community dataset).</summary>
public sealed record VersionSource(Guid DatasetId, string RecordId, DateTime ObservedAt, double Confidence, string? Reason = null,
    Guid? AuthorUserId = null, string? AuthorName = null, Guid? ProposalId = null);

public enum FacilityUpdateOutcome
{
    Applied,
    Unchanged,
    VersionConflict,
}

/// <summary>The result of <see cref="FacilityWriter.UpdateAsync"/>: the version the facility is now at, the state
/// before and after, and the attributes (public names) that changed.</summary>
public sealed record FacilityUpdate(FacilityUpdateOutcome Outcome, int Version, FacilityState Before, FacilityState After,
    IReadOnlyList<string> ChangedAttributes);

/// <summary>
/// One facility's change as rows: the facility row, its source record and provenance, the version in the history and
/// the change-feed entry are written together, inside the caller's transaction, so a failure anywhere leaves none of
/// them. Writers reach it through <see cref="FacilityChanges"/>, which holds the change-feed lock these numbers rely on.
/// </summary>
public static class FacilityWriter
{
    private static readonly GeometryFactory Wgs84 = new(new PrecisionModel(), 4326);

    // The core attribute columns come from the one list (CoreColumns), as parameters after the fixed ones.
    private static readonly string InsertSql =
        $"insert into facilities (id, geom, attributes, confidence, last_verified_at, version, created_at, updated_at, {CoreColumns.Names()}) " +
        $"values ($1, $2, $3::jsonb, $4, $5, 1, $6, $6, {CoreColumns.Parameters(7)})";

    private static readonly string UpdateSql =
        "update facilities set geom = $2, attributes = $3::jsonb, version = $4, updated_at = $5, " +
        $"{CoreColumns.SetFromParameters(6)} where id = $1";

    public static async Task<Guid> CreateAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, FacilityState state,
        VersionSource source, CancellationToken cancellationToken)
    {
        var id = Guid.CreateVersion7();
        var point = Wgs84.CreatePoint(new Coordinate(state.Lon, state.Lat));
        var first = FacilityVersionChange.First(id, state, source.RecordId);

        await using var batch = new NpgsqlBatch(connection, transaction);
        batch.BatchCommands.Add(Command(InsertSql,
            [id, point, state.Attributes.ToJsonString(), (float)state.Confidence, state.LastVerifiedAt, source.ObservedAt,
                .. CoreColumns.Values(state)]));

        batch.BatchCommands.Add(Command(
            "with s as (insert into source_records (dataset_id, external_id, facility_id, geom, attributes, observed_at) " +
            "           values ($1, $2, $3, $4, $5::jsonb, $6) returning id) " +
            "insert into facility_provenance (facility_id, attribute, source_record_id, proposal_id, updated_at, confidence) " +
            "select $3, a, s.id, $7::uuid, $6, $8 from s, unnest($9::text[]) a",
            source.DatasetId, source.RecordId, id, point, first.SnapshotJson, source.ObservedAt, source.ProposalId,
            (float)source.Confidence, first.SetAttributes));

        batch.BatchCommands.Add(Command(
            "insert into facility_versions (facility_id, version, created_at, author_user_id, author_name, source_dataset_id, " +
            "proposal_id, reason, changes, snapshot) values ($1, 1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9::jsonb)",
            id, source.ObservedAt, source.AuthorUserId, source.AuthorName, source.DatasetId, source.ProposalId, source.Reason,
            first.ChangesJson, first.SnapshotJson));

        batch.BatchCommands.Add(Command(
            "insert into change_feed (seq, facility_id, version, kind) " +
            "select coalesce(max(seq), 0) + 1, $1, 1, 'created' from change_feed",
            id));

        await batch.ExecuteNonQueryAsync(cancellationToken);
        return id;
    }

    /// <summary>
    /// Applies <paramref name="changes"/> (public attribute name to new value, null clearing it) to a facility as one
    /// new version: the row, the provenance of each changed attribute, the version with its diff and snapshot, and
    /// the change-feed entry. The row is locked first, so concurrent writers of one facility apply one after the
    /// other and each diff is against the state it really replaced. With <paramref name="expectedVersion"/> set, a
    /// facility at another version is a conflict and nothing is written.
    /// </summary>
    /// <returns>What happened; <see cref="FacilityUpdateOutcome.Unchanged"/> when the values were already those (no
    /// version is written), null when the facility does not exist.</returns>
    public static async Task<FacilityUpdate?> UpdateAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid facilityId,
        IReadOnlyDictionary<string, JsonNode?> changes, VersionSource source, CancellationToken cancellationToken,
        int? expectedVersion = null)
    {
        FacilityRow current;
        await using (var read = new NpgsqlCommand($"select {FacilityRow.Columns} from facilities f where f.id = $1 for update", connection, transaction))
        {
            read.Parameters.Add(new NpgsqlParameter { Value = facilityId });
            await using var reader = await read.ExecuteReaderAsync(cancellationToken);
            if (!await reader.ReadAsync(cancellationToken))
            {
                return null;
            }
            current = FacilityRow.Read(reader);
        }

        var before = FacilityState.FromRow(current);
        if (expectedVersion is { } expected && expected != current.Version)
        {
            return new FacilityUpdate(FacilityUpdateOutcome.VersionConflict, current.Version, before, before, []);
        }

        if (FacilityVersionChange.Next(facilityId, current.Version, before, changes, source.RecordId) is not { } next)
        {
            return new FacilityUpdate(FacilityUpdateOutcome.Unchanged, current.Version, before, before, []);
        }
        var after = next.After;
        var point = Wgs84.CreatePoint(new Coordinate(after.Lon, after.Lat));

        await using var batch = new NpgsqlBatch(connection, transaction);
        batch.BatchCommands.Add(Command(UpdateSql,
            [facilityId, point, after.Attributes.ToJsonString(), next.Version, source.ObservedAt, .. CoreColumns.Values(after)]));

        // Provenance follows the values: a changed attribute now comes from this source; a cleared one from nowhere.
        // A dataset's record keeps what it said (its source record is upserted with the values it gave); a
        // community proposal is named by its id instead.
        batch.BatchCommands.Add(Command(
            "delete from facility_provenance where facility_id = $1 and attribute = any($2)", facilityId, next.ClearedAttributes));
        var given = new JsonObject(next.SetAttributes.Select(name => KeyValuePair.Create(name, next.Snapshot[name]?.DeepClone())));
        batch.BatchCommands.Add(Command(
            "with s as (insert into source_records as r (dataset_id, external_id, facility_id, geom, attributes, observed_at) " +
            "           values ($1, $2, $3, $4, $5::jsonb, $6) " +
            "           on conflict (dataset_id, external_id) do update " +
            "              set facility_id = excluded.facility_id, geom = excluded.geom, " +
            "                  attributes = r.attributes || excluded.attributes, observed_at = excluded.observed_at, removed_at = null " +
            "           returning id) " +
            "insert into facility_provenance as p (facility_id, attribute, source_record_id, proposal_id, updated_at, confidence) " +
            "select $3, a, s.id, $7::uuid, $6, $8 from s, unnest($9::text[]) a " +
            "on conflict (facility_id, attribute) do update set source_record_id = excluded.source_record_id, " +
            "   proposal_id = excluded.proposal_id, updated_at = excluded.updated_at, confidence = excluded.confidence",
            source.DatasetId, source.RecordId, facilityId, point, given.ToJsonString(), source.ObservedAt, source.ProposalId,
            (float)source.Confidence, next.SetAttributes));

        batch.BatchCommands.Add(Command(
            "insert into facility_versions (facility_id, version, created_at, author_user_id, author_name, source_dataset_id, " +
            "proposal_id, reason, changes, snapshot) values ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10::jsonb)",
            facilityId, next.Version, source.ObservedAt, source.AuthorUserId, source.AuthorName, source.DatasetId, source.ProposalId,
            source.Reason, next.ChangesJson, next.SnapshotJson));

        batch.BatchCommands.Add(Command(
            "insert into change_feed (seq, facility_id, version, kind) " +
            "select coalesce(max(seq), 0) + 1, $1, $2, $3 from change_feed",
            facilityId, next.Version, next.Kind.Name()));

        await batch.ExecuteNonQueryAsync(cancellationToken);
        return new FacilityUpdate(FacilityUpdateOutcome.Applied, next.Version, before, after, [.. next.Changes.Select(c => c.Key)]);
    }

    private static NpgsqlBatchCommand Command(string sql, params object?[] values)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var value in values)
        {
            command.Parameters.Add(value switch
            {
                null => new NpgsqlParameter { Value = DBNull.Value },
                string[] texts => new NpgsqlParameter { Value = texts, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text },
                _ => new NpgsqlParameter { Value = value },
            });
        }
        return command;
    }
}
