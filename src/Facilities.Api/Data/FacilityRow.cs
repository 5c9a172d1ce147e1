using Facilities.Api.Web;
using Npgsql;

namespace Facilities.Api.Data;

/// <summary>One row of the facilities table as the public layer shows it.</summary>
public sealed record FacilityRow(
    Guid Id,
    string Category,
    double Lon,
    double Lat,
    string? Name,
    string? Operator,
    FacilityStatus Status,
    DateTime? StatusUntil,
    string Access,
    bool? Fee,
    string? Charge,
    string? OpeningHours,
    string? TimeZone,
    string Wheelchair,
    bool? ChangingTable,
    bool? AdultChangingTable,
    string[] Gender,
    string? KeyScheme,
    string? OfficialGrade,
    string AttributesJson,
    float Confidence,
    DateTime? LastVerifiedAt,
    int Version,
    DateTime UpdatedAt)
{
    /// <summary>
    /// The select list that <see cref="Read"/> expects, for a facilities table aliased <c>f</c>. Shared by every
    /// read so a new column is added in one place. Coordinates come out as plain doubles: cheaper than decoding
    /// a geometry per row on the hot nearby path.
    /// </summary>
    public const string Columns =
        "f.id, f.category, ST_X(f.geom), ST_Y(f.geom), f.name, f.operator, f.status, f.status_until, f.access, " +
        "f.fee, f.charge, f.opening_hours, f.time_zone, f.wheelchair, f.changing_table, f.adult_changing_table, " +
        "f.gender, f.key_scheme, f.official_grade, f.attributes::text, f.confidence, f.last_verified_at, f.version, f.updated_at";

    public const int ColumnCount = 24;

    public static FacilityRow Read(NpgsqlDataReader r) => new(
        r.GetGuid(0),
        r.GetString(1),
        r.GetDouble(2),
        r.GetDouble(3),
        r.IsDBNull(4) ? null : r.GetString(4),
        r.IsDBNull(5) ? null : r.GetString(5),
        WireName.Parse<FacilityStatus>(r.GetString(6)) ?? throw new InvalidOperationException($"facility status {r.GetString(6)}"),
        r.IsDBNull(7) ? null : r.GetDateTime(7),
        r.GetString(8),
        r.IsDBNull(9) ? null : r.GetBoolean(9),
        r.IsDBNull(10) ? null : r.GetString(10),
        r.IsDBNull(11) ? null : r.GetString(11),
        r.IsDBNull(12) ? null : r.GetString(12),
        r.GetString(13),
        r.IsDBNull(14) ? null : r.GetBoolean(14),
        r.IsDBNull(15) ? null : r.GetBoolean(15),
        r.GetFieldValue<string[]>(16),
        r.IsDBNull(17) ? null : r.GetString(17),
        r.IsDBNull(18) ? null : r.GetString(18),
        r.GetString(19),
        r.GetFloat(20),
        r.IsDBNull(21) ? null : r.GetDateTime(21),
        r.GetInt32(22),
        r.GetDateTime(23));

    /// <summary>The facility's current source records as a JSON array of <c>{dataset_id, record_id, license}</c>, where the
    /// read selected them (the open-data outputs, <c>OpenDataFeatureJson.SourcesColumn</c>); null otherwise.</summary>
    public string? SourcesJson { get; init; }

    /// <summary><see cref="Read"/> and the sources column that follows <see cref="Columns"/>.</summary>
    public static FacilityRow ReadWithSources(NpgsqlDataReader r) => Read(r) with { SourcesJson = r.GetString(ColumnCount) };
}
