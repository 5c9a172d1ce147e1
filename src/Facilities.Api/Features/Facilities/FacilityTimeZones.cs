using System.Collections.Concurrent;
using System.Globalization;

namespace Facilities.Api.Features.Facilities;

/// <summary>
/// The time zone a facility's opening hours are written in. A facility may name its IANA zone (partners' data
/// does); otherwise it is derived from the location: a coarse table of regions the service has data for, then
/// the nautical zone of the longitude (Etc/GMT±n, no daylight saving). The table is deliberately small — a full
/// zone-boundary lookup would need a boundary data set this machine cannot download — and it is the one place
/// to extend when the service opens in a new country.
/// </summary>
public static class FacilityTimeZones
{
    private sealed record Region(double MinLon, double MinLat, double MaxLon, double MaxLat, string Zone);

    // First match wins, so the more specific boxes come first.
    private static readonly Region[] Regions =
    [
        new(113.8, 22.1, 114.5, 22.6, "Asia/Hong_Kong"),
        new(119.9, 21.8, 122.1, 25.4, "Asia/Taipei"),
        new(73.5, 18.0, 135.1, 53.6, "Asia/Shanghai"),
        new(124.5, 33.0, 131.0, 38.7, "Asia/Seoul"),
        new(129.0, 30.0, 146.0, 45.6, "Asia/Tokyo"),
        new(-10.7, 51.4, -5.9, 55.5, "Europe/Dublin"),
        new(-8.7, 49.8, 1.8, 60.9, "Europe/London"),
        new(-9.6, 36.9, -6.1, 42.2, "Europe/Lisbon"),
        new(-6.1, 41.3, 9.6, 51.1, "Europe/Paris"),
        new(5.8, 47.2, 15.1, 55.1, "Europe/Berlin"),
        new(138.0, -29.0, 154.0, -9.0, "Australia/Brisbane"),
        new(140.9, -44.0, 154.0, -28.1, "Australia/Sydney"),
        new(129.0, -38.1, 141.0, -26.0, "Australia/Adelaide"),
        new(129.0, -26.0, 138.0, -10.9, "Australia/Darwin"),
        new(112.9, -35.2, 129.0, -13.7, "Australia/Perth"),
        new(166.0, -47.5, 178.6, -34.0, "Pacific/Auckland"),
        new(176.8, -21.0, 180.0, -12.4, "Pacific/Fiji"),
        new(-180.0, -21.0, -178.0, -12.4, "Pacific/Fiji"),
    ];

    private static readonly ConcurrentDictionary<string, TimeZoneInfo?> ById = new(StringComparer.Ordinal);

    public static TimeZoneInfo For(string? zoneId, double lon, double lat)
    {
        if (zoneId is not null && Find(zoneId) is { } named)
        {
            return named;
        }
        foreach (var region in Regions)
        {
            if (lon >= region.MinLon && lon <= region.MaxLon && lat >= region.MinLat && lat <= region.MaxLat)
            {
                return Find(region.Zone) ?? TimeZoneInfo.Utc;
            }
        }
        // Etc/GMT zones have POSIX signs: Etc/GMT-8 is eight hours *ahead* of UTC.
        var hours = (int)Math.Round(Math.Clamp(lon, -180, 180) / 15.0);
        var nautical = hours == 0 ? "Etc/GMT" : string.Create(CultureInfo.InvariantCulture, $"Etc/GMT{(hours > 0 ? "-" : "+")}{Math.Abs(hours)}");
        return Find(nautical) ?? TimeZoneInfo.Utc;
    }

    private static TimeZoneInfo? Find(string id) => ById.GetOrAdd(id, static key =>
        TimeZoneInfo.TryFindSystemTimeZoneById(key, out var zone) ? zone : null);
}
