using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Globalization;
using System.Text.Json;
using PublicHoliday;

namespace Facilities.Api.Features.Facilities;

/// <summary>
/// Which dates are public holidays where a facility is, for <c>PH</c> in opening hours. The UK (by country: England,
/// Wales, Scotland, Northern Ireland), Ireland, Australia (by state) and New Zealand come from the maintained
/// <c>PublicHoliday</c> package; mainland China's holidays and make-up working days change every year and come from
/// the table <c>holidays/cn.json</c> beside the service (the State Council's notice; the operator adds each year's).
/// Elsewhere, and in a year the table does not list, every day is ordinary. The regions are coarse boxes, like
/// <see cref="FacilityTimeZones"/>: a facility a few kilometres from an internal border may get its neighbour's days.
/// </summary>
public static class PublicHolidays
{
    public const string ChinaTable = "holidays/cn.json";

    private sealed record Region(double MinLon, double MinLat, double MaxLon, double MaxLat, string Name, Func<IPublicHolidays> Calendar);

    // First match wins, so the more specific boxes come first.
    private static readonly Region[] Regions =
    [
        new(-8.2, 54.0, -5.4, 55.35, "GB-NIR", () => new UKBankHoliday(UKBankHoliday.UkCountries.NorthernIreland)),
        new(-10.7, 51.4, -6.0, 55.5, "IE", () => new IrelandPublicHoliday()),
        new(-8.7, 55.8, -0.7, 60.9, "GB-SCT", () => new UKBankHoliday(UKBankHoliday.UkCountries.Scotland)),
        new(-8.7, 55.0, -2.05, 55.8, "GB-SCT", () => new UKBankHoliday(UKBankHoliday.UkCountries.Scotland)),
        new(-5.4, 51.35, -2.65, 52.9, "GB-WLS", () => new UKBankHoliday(UKBankHoliday.UkCountries.Wales)),
        new(-5.4, 52.9, -3.0, 53.45, "GB-WLS", () => new UKBankHoliday(UKBankHoliday.UkCountries.Wales)),
        new(-6.5, 49.8, 1.8, 55.8, "GB-ENG", () => new UKBankHoliday(UKBankHoliday.UkCountries.England)),
        new(148.7, -35.95, 149.45, -35.1, "AU-ACT", () => Australia(AustraliaPublicHoliday.States.ACT)),
        new(143.5, -44.0, 148.6, -39.5, "AU-TAS", () => Australia(AustraliaPublicHoliday.States.TAS)),
        new(140.9, -39.2, 150.0, -36.0, "AU-VIC", () => Australia(AustraliaPublicHoliday.States.VIC)),
        new(140.9, -36.0, 144.0, -34.0, "AU-VIC", () => Australia(AustraliaPublicHoliday.States.VIC)),
        new(141.0, -37.5, 153.7, -28.15, "AU-NSW", () => Australia(AustraliaPublicHoliday.States.NSW)),
        new(138.0, -29.0, 154.0, -9.0, "AU-QLD", () => Australia(AustraliaPublicHoliday.States.QLD)),
        new(129.0, -38.1, 141.0, -26.0, "AU-SA", () => Australia(AustraliaPublicHoliday.States.SA)),
        new(129.0, -26.0, 138.0, -10.9, "AU-NT", () => Australia(AustraliaPublicHoliday.States.NT)),
        new(112.9, -35.2, 129.0, -13.7, "AU-WA", () => Australia(AustraliaPublicHoliday.States.WA)),
        new(166.0, -47.5, 178.6, -34.0, "NZ", () => new NewZealandPublicHoliday()),
    ];

    private static readonly ConcurrentDictionary<(string Region, int Year), FrozenSet<DateOnly>> Years = new();
    private static readonly ConcurrentDictionary<string, IPublicHolidays> Calendars = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<string, Func<DateOnly, DayKind>> ByRegion = new(StringComparer.Ordinal);
    private static readonly Lazy<ChinaDays> China = new(() => ChinaDays.Load(Path.Combine(AppContext.BaseDirectory, ChinaTable)));

    /// <summary>The calendar of the place, or null where none is known (every day ordinary).</summary>
    /// <param name="lon">Longitude in degrees, east positive.</param>
    /// <param name="lat">Latitude in degrees, north positive.</param>
    /// <param name="zone">The facility's zone: mainland China is where it is Asia/Shanghai (Hong Kong, Macau and Taiwan have
    /// zones and holidays of their own).</param>
    public static Func<DateOnly, DayKind>? For(double lon, double lat, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(zone);
        if (zone.Id == "Asia/Shanghai")
        {
            return China.Value.Day;
        }
        foreach (var region in Regions)
        {
            if (lon >= region.MinLon && lon <= region.MaxLon && lat >= region.MinLat && lat <= region.MaxLat)
            {
                return ByRegion.GetOrAdd(region.Name, _ => date => IsHoliday(region, date) ? DayKind.PublicHoliday : DayKind.Ordinary);
            }
        }
        return null;
    }

    private static bool IsHoliday(Region region, DateOnly date) =>
        Years.GetOrAdd((region.Name, date.Year), key =>
        {
            var calendar = Calendars.GetOrAdd(key.Region, _ => region.Calendar());
            return calendar.PublicHolidays(key.Year).Select(DateOnly.FromDateTime).ToFrozenSet();
        }).Contains(date);

    private static AustraliaPublicHoliday Australia(AustraliaPublicHoliday.States state) => new() { State = state };

    /// <summary>The years of <c>holidays/cn.json</c>. A missing file is no holidays (logged nowhere: the map still works);
    /// a malformed one fails at first use, so a typo in an update shows at once.</summary>
    private sealed class ChinaDays(FrozenDictionary<DateOnly, DayKind> days)
    {
        public DayKind Day(DateOnly date) => days.GetValueOrDefault(date, DayKind.Ordinary);

        public static ChinaDays Load(string path)
        {
            var days = new Dictionary<DateOnly, DayKind>();
            if (!File.Exists(path))
            {
                return new(days.ToFrozenDictionary());
            }
            using var document = JsonDocument.Parse(File.ReadAllText(path));
            foreach (var year in document.RootElement.GetProperty("years").EnumerateObject())
            {
                foreach (var (property, kind) in new[] { ("holidays", DayKind.PublicHoliday), ("working_days", DayKind.WorkingDay) })
                {
                    if (!year.Value.TryGetProperty(property, out var list))
                    {
                        continue;
                    }
                    foreach (var item in list.EnumerateArray())
                    {
                        var text = item.GetString() ?? throw new FormatException($"{path}: {year.Name}.{property} holds a non-string.");
                        var parts = text.Split('/');
                        var first = DateOnly.ParseExact(parts[0], "yyyy-MM-dd", CultureInfo.InvariantCulture);
                        var last = parts.Length > 1 ? DateOnly.ParseExact(parts[1], "yyyy-MM-dd", CultureInfo.InvariantCulture) : first;
                        for (var date = first; date <= last; date = date.AddDays(1))
                        {
                            days[date] = kind;
                        }
                    }
                }
            }
            return new(days.ToFrozenDictionary());
        }
    }
}
