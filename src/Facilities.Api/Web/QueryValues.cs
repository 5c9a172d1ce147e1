using System.Globalization;

namespace Facilities.Api.Web;

/// <summary>
/// Parsing of query-string values. Requests carry the raw strings a client sent so that validators can name the
/// parameter that is wrong ("lat=abc" is a 400 about lat, not a framework binding error); handlers parse again
/// with these same functions once validation has passed.
/// </summary>
public static class QueryValues
{
    public static bool TryParseDouble(string? text, out double value)
    {
        // NumberStyles.Float accepts "NaN" and "Infinity" spellings; a coordinate or distance never is one.
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value);
    }

    public static bool TryParseInt(string? text, out int value) =>
        int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out value);

    public static bool TryParseBool(string? text, out bool value)
    {
        switch (text?.Trim().ToLowerInvariant())
        {
            case "true" or "1" or "yes":
                value = true;
                return true;
            case "false" or "0" or "no":
                value = false;
                return true;
            default:
                value = false;
                return false;
        }
    }

    /// <summary>
    /// The years a date or time in a query may fall in. Handlers add days and time-zone offsets to it (a week of opening
    /// hours, the 90 days before an Open311 end_date, the local time at a facility), which near the ends of
    /// <see cref="DateTime"/> (years 1 and 9999) would overflow; no map data lies outside these years.
    /// </summary>
    public const int EarliestYear = 1900, LatestYear = 2199;

    public static bool IsQueryYear(int year) => year is >= EarliestYear and <= LatestYear;

    public static bool TryParseInstant(string? text, out DateTimeOffset value) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out value)
        && IsQueryYear(value.Year);

    /// <summary>The refusal of a time <see cref="TryParseInstant"/> does not read.</summary>
    public const string InstantMessage = "Must be an RFC 3339 time in the years 1900 to 2199, such as 2026-11-24T08:00:00Z.";

    /// <summary>Comma-separated values, trimmed, empty items dropped.</summary>
    public static string[] SplitList(string? text) =>
        string.IsNullOrWhiteSpace(text) ? [] : text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);

    /// <summary>
    /// The numbers of a comma-separated list whose count the caller has checked; null and the first item that is
    /// not a finite number otherwise. Every bbox of the API reads its numbers with this, so they all refuse alike.
    /// </summary>
    public static double[]? TryParseNumbers(string[] parts, out string? error)
    {
        error = null;
        var numbers = new double[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            if (!TryParseDouble(parts[i].Trim(), out numbers[i]))
            {
                error = $"'{parts[i]}' is not a number.";
                return null;
            }
        }
        return numbers;
    }

    /// <summary>
    /// Parses "minLon,minLat,maxLon,maxLat". Returns null and a reason when the text is not four finite numbers
    /// in range with min &lt;= max. A box across the antimeridian (minLon &gt; maxLon) is refused: clients split it.
    /// </summary>
    public static Bbox? TryParseBbox(string? text, out string? error)
    {
        error = null;
        var parts = text?.Split(',') ?? [];
        if (parts.Length != 4)
        {
            error = "Must be four numbers: minLon,minLat,maxLon,maxLat.";
            return null;
        }
        if (TryParseNumbers(parts, out error) is not { } numbers)
        {
            return null;
        }
        var box = new Bbox(numbers[0], numbers[1], numbers[2], numbers[3]);
        if (box.MinLon < -180 || box.MaxLon > 180)
        {
            error = "Longitudes must be between -180 and 180.";
        }
        else if (box.MinLat < -90 || box.MaxLat > 90)
        {
            error = "Latitudes must be between -90 and 90.";
        }
        else if (box.MinLon > box.MaxLon)
        {
            error = "minLon is greater than maxLon (a box across the antimeridian must be sent as two boxes).";
        }
        else if (box.MinLat > box.MaxLat)
        {
            error = "minLat is greater than maxLat.";
        }
        return error is null ? box : null;
    }
}
