using System.Text.Json.Serialization;
using Facilities.Api.Data;
using Facilities.Api.Web;

namespace Facilities.Api.Features.Facilities;

/// <summary>A facility as a GeoJSON Feature (RFC 7946), the shape docs/api.md describes.</summary>
public sealed record FacilityFeature(string Id, PointGeometry Geometry, FacilityProperties Properties)
{
    [JsonPropertyOrder(-1)]
    public string Type => "Feature";

    /// <summary>Walking directions in maps apps; only on the single facility's answer.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<DirectionsLink>? Links { get; init; }
}

/// <summary>A GeoJSON Point; coordinates are [lon, lat].</summary>
public sealed record PointGeometry(double[] Coordinates)
{
    [JsonPropertyOrder(-1)]
    public string Type => "Point";

    public static PointGeometry Of(double lon, double lat) => new([lon, lat]);
}

public sealed record FacilityProperties(
    string Id,
    string Category,
    string? Name,
    string? Operator,
    string Status,
    DateTime? StatusUntil,
    string Access,
    bool? Fee,
    string? Charge,
    string? OpeningHours,
    bool? OpenNow,
    string Wheelchair,
    bool? ChangingTable,
    bool? AdultChangingTable,
    string[] Gender,
    string? KeyScheme,
    string? OfficialGrade,
    RawJson Attributes,
    double Confidence,
    DateTime? LastVerifiedAt,
    int Version,
    DateTime UpdatedAt)
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<FacilitySource>? Sources { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyDictionary<string, AttributeProvenance>? Provenance { get; init; }

    /// <summary>The approved photos, oldest first, with their credit; only in the answer for one facility.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<FacilityPhoto>? Photos { get; init; }

    /// <summary>Partners' answers to the facility's recent reports, newest first; only in the answer for one facility.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<FacilityReportResponse>? ReportResponses { get; init; }

    /// <summary>
    /// When open_now next changes, in the facility's local time with its UTC offset (so "closes 23:00" reads as the
    /// sign on the door does, wherever the reader is); null when it does not change within a week or is unknown.
    /// </summary>
    public DateTimeOffset? NextChangeAt { get; init; }

    /// <summary>open_now from next_change_at on: true, false, or null for unknown.</summary>
    public bool? OpenAfterChange { get; init; }

    /// <summary>Geodesic metres from the query point; only in nearby results.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? DistanceM { get; init; }
}

public sealed record FacilitySource(string Kind, string Dataset, string DatasetId, string RecordId, string License, string Attribution, DateTime UpdatedAt);

/// <summary>An approved photo of the facility: its two image URLs, display size, and whom to credit under which licence.</summary>
public sealed record FacilityPhoto(Guid Id, string ThumbUrl, string DisplayUrl, int Width, int Height, string Attribution, string License);

/// <summary>A partner's answer to a report on the facility: <see cref="Status"/> is acknowledged, in_progress, fixed or
/// not_a_problem; <see cref="Partner"/> the partner's name. Who reported is never named.</summary>
public sealed record FacilityReportResponse(long ReportId, string Reason, string Status, string? Notes, string Partner, DateTime RespondedAt);

public sealed record AttributeProvenance(int Source, DateTime UpdatedAt, double Confidence);

public sealed record Link(string Rel, string Href, string Type = "application/geo+json");

/// <summary>A GeoJSON FeatureCollection page; <c>links</c> carries <c>next</c> while more remain.</summary>
public sealed record FacilityCollection(IReadOnlyList<FacilityFeature> Features, IReadOnlyList<Link> Links)
{
    [JsonPropertyOrder(-1)]
    public string Type => "FeatureCollection";

    public int NumberReturned => Features.Count;
}

public static class FacilityFeatures
{
    public const string GeoJsonContentType = "application/geo+json";

    /// <summary>
    /// The public shape of a row. <paramref name="now"/> is the instant open_now is evaluated at, in UTC;
    /// the facility's own time zone turns it into the wall-clock time its opening hours are written in.
    /// </summary>
    public static FacilityFeature ToFeature(this FacilityRow row, DateTimeOffset now, double? distanceM = null)
    {
        var id = row.Id.ToString();
        var next = row.NextChangeAfter(now);
        return new FacilityFeature(id, PointGeometry.Of(row.Lon, row.Lat), new FacilityProperties(
            id, row.Category, row.Name, row.Operator, row.Status.Name(), row.StatusUntil, row.Access, row.Fee, row.Charge,
            row.OpeningHours, row.OpenAt(now), row.Wheelchair, row.ChangingTable, row.AdultChangingTable, row.Gender,
            row.KeyScheme, row.OfficialGrade, new RawJson(row.AttributesJson), Math.Round(row.Confidence, 3),
            row.LastVerifiedAt, row.Version, row.UpdatedAt)
        {
            DistanceM = distanceM,
            NextChangeAt = next?.At,
            OpenAfterChange = next?.OpenAfter,
        });
    }

    /// <summary>
    /// When <see cref="OpenAt"/> next answers differently after <paramref name="instant"/>, and its answer then:
    /// the end of a temporary closure with a known date, or the next change in the opening hours.
    /// </summary>
    public static (DateTimeOffset At, bool? OpenAfter)? NextChangeAfter(this FacilityRow row, DateTimeOffset instant)
    {
        if (row.Status == FacilityStatus.Removed)
        {
            return null;
        }
        var place = row.HoursPlace();
        var zone = place.Zone;
        var hasHours = OpeningHours.TryParse(row.OpeningHours, out var hours, out _);
        var from = instant;
        if (row.Status == FacilityStatus.TemporarilyClosed)
        {
            if (row.StatusUntil is not { } until || until <= instant.UtcDateTime)
            {
                return null;
            }
            // The closure ends: open or unknown then is the change; shut by the hours then, the change is their next opening.
            from = TimeZoneInfo.ConvertTime(new DateTimeOffset(DateTime.SpecifyKind(until, DateTimeKind.Utc)), zone);
            var openThen = hasHours ? hours!.IsOpenAt(from.DateTime, place) : null;
            if (openThen != false)
            {
                return (from, openThen);
            }
        }
        if (!hasHours)
        {
            return null;
        }
        var local = TimeZoneInfo.ConvertTime(from, zone).DateTime;
        if (hours!.NextChangeAfter(local, place) is not { } change)
        {
            return null;
        }
        // A wall-clock time skipped by a daylight-saving jump happens as the first minute after it.
        var at = change.At;
        while (zone.IsInvalidTime(at))
        {
            at = at.AddMinutes(30);
        }
        return (new DateTimeOffset(at, zone.GetUtcOffset(at)), change.OpenAfter);
    }

    /// <summary>
    /// Open at an instant: unknown (null) without opening hours; false while temporarily closed or removed.
    /// Hours the evaluator cannot read are unknown, never closed.
    /// </summary>
    public static bool? OpenAt(this FacilityRow row, DateTimeOffset instant)
    {
        if (row.Status == FacilityStatus.Removed || (row.Status == FacilityStatus.TemporarilyClosed && (row.StatusUntil is null || row.StatusUntil > instant.UtcDateTime)))
        {
            return false;
        }
        if (row.OpeningHours is null)
        {
            return null;
        }
        return OpeningHours.IsOpen(row.OpeningHours, instant, row.HoursPlace());
    }

    /// <summary>Where the facility's hours are evaluated: its time zone, position (sunrise, sunset) and public holidays.</summary>
    public static HoursPlace HoursPlace(this FacilityRow row)
    {
        var zone = FacilityTimeZones.For(row.TimeZone, row.Lon, row.Lat);
        return new HoursPlace(zone, (row.Lat, row.Lon), PublicHolidays.For(row.Lon, row.Lat, zone));
    }
}
