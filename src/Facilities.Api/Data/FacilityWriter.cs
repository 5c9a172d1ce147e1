using System.Text.Json.Nodes;
using NetTopologySuite.Geometries;
using Npgsql;
using NpgsqlTypes;

namespace Facilities.Api.Data;

/// <summary>Where a new version comes from: a dataset's record (official, OSM, or the community dataset).</summary>
public sealed record VersionSource(Guid DatasetId, string RecordId, DateTime ObservedAt, double Confidence, string? Reason = null,
    Guid? AuthorUserId = null, string? AuthorName = null, Guid? ProposalId = null);

/// <summary>
/// The one path every change to a facility goes through: the facility row, its source record and provenance,
/// the version in the history and the change-feed entry are written together, inside the caller's transaction,
/// so a failure anywhere leaves none of them.
/// </summary>
public static class FacilityWriter
{
    private static readonly GeometryFactory Wgs84 = new(new PrecisionModel(), 4326);

    public static async Task<Guid> CreateAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, FacilityState state,
        VersionSource source, CancellationToken cancellationToken)
    {
        var id = Guid.CreateVersion7();
        var point = Wgs84.CreatePoint(new Coordinate(state.Lon, state.Lat));
        var known = state.KnownAttributes();
        var snapshot = new JsonObject(known.Select(k => KeyValuePair.Create(k.Key, (JsonNode?)k.Value.DeepClone())));
        var changes = new JsonObject(known.Select(k =>
            KeyValuePair.Create(k.Key, (JsonNode?)new JsonObject { ["from"] = null, ["to"] = k.Value.DeepClone() })));

        await using var batch = new NpgsqlBatch(connection, transaction);

        // Numbering the change feed under an exclusive lock held to commit makes it gapless and in commit order.
        batch.BatchCommands.Add(new NpgsqlBatchCommand("lock table change_feed in exclusive mode"));

        batch.BatchCommands.Add(Command(
            "insert into facilities (id, category, geom, name, operator, status, status_until, access, fee, charge, " +
            "opening_hours, time_zone, wheelchair, changing_table, adult_changing_table, gender, key_scheme, official_grade, " +
            "attributes, confidence, last_verified_at, version, created_at, updated_at) " +
            "values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19::jsonb, $20, $21, 1, $22, $22)",
            id, state.Category, point, state.Name, state.Operator, state.Status, state.StatusUntil, state.Access, state.Fee,
            state.Charge, state.OpeningHours, state.TimeZone, state.Wheelchair, state.ChangingTable, state.AdultChangingTable,
            state.Gender, state.KeyScheme, state.OfficialGrade, state.Attributes.ToJsonString(), (float)state.Confidence,
            state.LastVerifiedAt, source.ObservedAt));

        batch.BatchCommands.Add(Command(
            "with s as (insert into source_records (dataset_id, external_id, facility_id, geom, attributes, observed_at) " +
            "           values ($1, $2, $3, $4, $5::jsonb, $6) returning id) " +
            "insert into facility_provenance (facility_id, attribute, source_record_id, proposal_id, updated_at, confidence) " +
            "select $3, a, s.id, $7::uuid, $6, $8 from s, unnest($9::text[]) a",
            source.DatasetId, source.RecordId, id, point, snapshot.ToJsonString(), source.ObservedAt, source.ProposalId,
            (float)source.Confidence, known.Keys.ToArray()));

        batch.BatchCommands.Add(Command(
            "insert into facility_versions (facility_id, version, created_at, author_user_id, author_name, source_dataset_id, " +
            "proposal_id, reason, changes, snapshot) values ($1, 1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9::jsonb)",
            id, source.ObservedAt, source.AuthorUserId, source.AuthorName, source.DatasetId, source.ProposalId, source.Reason,
            changes.ToJsonString(), snapshot.ToJsonString()));

        batch.BatchCommands.Add(Command(
            "insert into change_feed (seq, facility_id, version, kind) " +
            "select coalesce(max(seq), 0) + 1, $1, 1, 'created' from change_feed",
            id));

        await batch.ExecuteNonQueryAsync(cancellationToken);
        return id;
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
