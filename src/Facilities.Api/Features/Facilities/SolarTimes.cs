namespace Facilities.Api.Features.Facilities;

/// <summary>
/// Dawn, sunrise, sunset and dusk for a date and a position, in minutes after the local midnight of the facility's
/// time zone, from NOAA's "General Solar Position Calculations" (the fractional-year series for the equation of time
/// and the solar declination). Good to a minute or two away from the poles, which is all opening hours need.
/// </summary>
public static class SolarTimes
{
    // The sun's centre 50′ below the horizon (refraction and its radius) at sunrise and sunset; 6° for civil twilight.
    private const double SunriseZenith = 90.833;
    private const double CivilZenith = 96;

    /// <summary>The four times, or null when the sun does not rise or set there that day (polar day or night).</summary>
    /// <param name="date">The local date at the facility.</param>
    /// <param name="lat">Latitude in degrees, north positive.</param>
    /// <param name="lon">Longitude in degrees, east positive.</param>
    /// <param name="zone">The facility's time zone, for the local minutes.</param>
    public static (int Dawn, int Sunrise, int Sunset, int Dusk)? For(DateOnly date, double lat, double lon, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(zone);
        var daysInYear = DateTime.IsLeapYear(date.Year) ? 366 : 365;
        // The fractional year at noon of the date, in radians.
        var gamma = 2 * Math.PI / daysInYear * (date.DayOfYear - 1);
        var equationOfTime = 229.18 * (0.000075 + (0.001868 * Math.Cos(gamma)) - (0.032077 * Math.Sin(gamma))
            - (0.014615 * Math.Cos(2 * gamma)) - (0.040849 * Math.Sin(2 * gamma)));
        var declination = 0.006918 - (0.399912 * Math.Cos(gamma)) + (0.070257 * Math.Sin(gamma)) - (0.006758 * Math.Cos(2 * gamma))
            + (0.000907 * Math.Sin(2 * gamma)) - (0.002697 * Math.Cos(3 * gamma)) + (0.00148 * Math.Sin(3 * gamma));
        if (HourAngle(lat, declination, SunriseZenith) is not { } sun)
        {
            return null;
        }
        // Civil twilight may last all night in summer at high latitudes: dawn and dusk are then sunrise and sunset.
        var twilight = HourAngle(lat, declination, CivilZenith) ?? sun;
        return (Local(date, UtcMinutes(lon, twilight, equationOfTime, rising: true), zone),
            Local(date, UtcMinutes(lon, sun, equationOfTime, rising: true), zone),
            Local(date, UtcMinutes(lon, sun, equationOfTime, rising: false), zone),
            Local(date, UtcMinutes(lon, twilight, equationOfTime, rising: false), zone));
    }

    /// <summary>The hour angle in degrees at which the sun's centre is at <paramref name="zenith"/>, or null when it never is.</summary>
    private static double? HourAngle(double lat, double declination, double zenith)
    {
        var phi = lat * Math.PI / 180;
        var cos = (Math.Cos(zenith * Math.PI / 180) / (Math.Cos(phi) * Math.Cos(declination))) - (Math.Tan(phi) * Math.Tan(declination));
        return cos is < -1 or > 1 ? null : Math.Acos(cos) * 180 / Math.PI;
    }

    // Four minutes of time per degree of longitude or hour angle, from solar noon at 720 minutes UTC on the meridian.
    private static double UtcMinutes(double lon, double hourAngle, double equationOfTime, bool rising) =>
        720 - (4 * (lon + (rising ? hourAngle : -hourAngle))) - equationOfTime;

    private static int Local(DateOnly date, double utcMinutes, TimeZoneInfo zone)
    {
        var utc = DateTime.SpecifyKind(date.ToDateTime(TimeOnly.MinValue), DateTimeKind.Utc).AddMinutes(utcMinutes);
        var local = TimeZoneInfo.ConvertTimeFromUtc(utc, zone);
        var minutes = (int)Math.Round((local - date.ToDateTime(TimeOnly.MinValue)).TotalMinutes);
        return Math.Clamp(minutes, 0, (24 * 60) - 1);
    }
}
