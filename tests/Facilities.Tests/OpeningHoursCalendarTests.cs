using System.Globalization;
using Facilities.Api.Features.Facilities;

namespace Facilities.Tests;

/// <summary>Months, dates, weeks, sun times, comments and public holidays: the hours as seasonal and holiday signs read.</summary>
public class OpeningHoursCalendarTests
{
    private static readonly TimeZoneInfo London = TimeZoneInfo.FindSystemTimeZoneById("Europe/London");
    private static readonly TimeZoneInfo Shanghai = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");

    private static HoursPlace Place(double lat, double lon, TimeZoneInfo zone) =>
        new(zone, (lat, lon), PublicHolidays.For(lon, lat, zone));

    private static readonly HoursPlace CentralLondon = Place(51.5072, -0.1276, London);
    private static readonly HoursPlace Edinburgh = Place(55.9533, -3.1883, London);
    private static readonly HoursPlace Nanjing = Place(32.0603, 118.7969, Shanghai);

    private static bool? OpenAt(string text, string localTime, HoursPlace place)
    {
        Assert.True(OpeningHours.TryParse(text, out var hours, out var error), error);
        return hours.IsOpenAt(DateTime.Parse(localTime, CultureInfo.InvariantCulture), place);
    }

    [Theory]
    [InlineData("2026-07-15 12:00", true)]
    [InlineData("2026-04-01 08:00", true)]
    [InlineData("2026-10-31 19:59", true)]
    [InlineData("2026-11-01 12:00", false)]
    [InlineData("2026-01-15 12:00", false)]
    public void A_seasonal_rule_is_open_in_its_months_only(string local, bool expected) =>
        Assert.Equal(expected, OpenAt("Apr-Oct: Mo-Su 08:00-20:00", local, CentralLondon));

    [Fact]
    public void A_seasonal_string_is_open_in_july_and_closed_in_january_at_the_facilitys_local_time()
    {
        // 19:30 in London in July is 18:30 UTC (summer time); in January 19:30 UTC is 19:30 there, and out of season.
        const string text = "Apr-Oct 08:00-20:00; Nov-Mar Mo-Fr 09:00-16:00";
        Assert.Equal(true, OpeningHours.IsOpen(text, new DateTimeOffset(2026, 7, 15, 18, 30, 0, TimeSpan.Zero), CentralLondon));
        Assert.Equal(false, OpeningHours.IsOpen(text, new DateTimeOffset(2026, 7, 15, 19, 30, 0, TimeSpan.Zero), CentralLondon));
        Assert.Equal(false, OpeningHours.IsOpen(text, new DateTimeOffset(2026, 1, 14, 19, 30, 0, TimeSpan.Zero), CentralLondon));
        Assert.Equal(true, OpeningHours.IsOpen(text, new DateTimeOffset(2026, 1, 14, 10, 0, 0, TimeSpan.Zero), CentralLondon));
    }

    [Theory]
    [InlineData("2026-12-23 12:00", true)]
    [InlineData("2026-12-24 12:00", false)]
    [InlineData("2026-12-26 12:00", false)]
    [InlineData("2026-12-27 12:00", true)]
    public void A_date_range_closes_those_days(string local, bool expected) =>
        Assert.Equal(expected, OpenAt("08:00-18:00; Dec 24-26 off", local, CentralLondon));

    [Theory]
    [InlineData("2026-12-30 12:00", true)]
    [InlineData("2027-01-02 12:00", true)]
    [InlineData("2027-01-03 12:00", false)]
    [InlineData("2026-12-23 12:00", false)]
    public void A_date_range_may_run_past_the_new_year(string local, bool expected) =>
        Assert.Equal(expected, OpenAt("Dec 24-Jan 02 10:00-14:00", local, CentralLondon));

    [Theory]
    // 2026-01-05 is a Monday of ISO week 2; 2026-01-12 of week 3.
    [InlineData("2026-01-05 10:00", false)]
    [InlineData("2026-01-12 10:00", true)]
    [InlineData("2026-01-19 10:00", false)]
    [InlineData("2026-01-26 10:00", true)]
    public void Week_numbers_with_a_step_select_every_other_week(string local, bool expected) =>
        Assert.Equal(expected, OpenAt("week 1-53/2 Mo 09:00-12:00", local, CentralLondon));

    [Theory]
    // In London on 2026-06-21 the sun rises about 04:43 and sets about 21:21 (summer time).
    [InlineData("2026-06-21 04:30", false)]
    [InlineData("2026-06-21 05:00", true)]
    [InlineData("2026-06-21 21:10", true)]
    [InlineData("2026-06-21 21:35", false)]
    // On 2026-12-21 about 08:04 and 15:54.
    [InlineData("2026-12-21 07:50", false)]
    [InlineData("2026-12-21 08:15", true)]
    [InlineData("2026-12-21 15:45", true)]
    [InlineData("2026-12-21 16:05", false)]
    public void Sunrise_to_sunset_follows_the_sun_at_the_facilitys_position(string local, bool expected) =>
        Assert.Equal(expected, OpenAt("sunrise-sunset", local, CentralLondon));

    [Fact]
    public void The_solar_times_match_published_tables_within_a_few_minutes()
    {
        // London, 2026-03-20 (equinox): sunrise 06:03, sunset 18:14 GMT.
        var sun = SolarTimes.For(new DateOnly(2026, 3, 20), 51.5072, -0.1276, London)!.Value;
        Assert.InRange(sun.Sunrise, (6 * 60) + 0, (6 * 60) + 7);
        Assert.InRange(sun.Sunset, (18 * 60) + 10, (18 * 60) + 18);
        Assert.True(sun.Dawn < sun.Sunrise && sun.Dusk > sun.Sunset);
        // Tromsø has no sunrise in mid-December.
        Assert.Null(SolarTimes.For(new DateOnly(2026, 12, 15), 69.65, 18.96, TimeZoneInfo.FindSystemTimeZoneById("Europe/Oslo")));
    }

    [Fact]
    public void Sun_times_without_a_position_are_unknown()
    {
        Assert.True(OpeningHours.TryParse("Mo-Fr sunrise-sunset", out var hours, out _));
        Assert.Null(hours.IsOpenAt(new DateTime(2026, 6, 22, 12, 0, 0)));
    }

    [Theory]
    [InlineData("\"by appointment\"", "2026-06-22 12:00", null)]
    [InlineData("Mo-Fr 10:00-16:00 \"by appointment\"", "2026-06-22 12:00", null)]
    [InlineData("Mo-Fr 10:00-16:00 \"by appointment\"", "2026-06-22 17:00", false)]
    [InlineData("Mo-Fr 08:00-18:00; Sa unknown", "2026-06-27 12:00", null)]
    [InlineData("Mo-Fr 08:00-18:00; Su off \"except events\"", "2026-06-28 12:00", false)]
    public void Comments_and_unknown_answer_unknown_for_the_times_they_select(string text, string local, bool? expected) =>
        Assert.Equal(expected, OpenAt(text, local, CentralLondon));

    [Fact]
    public void A_uk_bank_holiday_with_PH_off_is_unknown_and_the_next_working_day_is_open()
    {
        // 2026-12-28, a Monday, is the bank holiday for Boxing Day (a Saturday) in England, Scotland and Wales.
        const string text = "Mo-Fr 08:00-18:00; PH off";
        Assert.Null(OpenAt(text, "2026-12-28 12:00", CentralLondon));
        Assert.Equal(true, OpenAt(text, "2026-12-29 12:00", CentralLondon));
        // Without PH in the rules, a bank holiday is an ordinary Monday.
        Assert.Equal(true, OpenAt("Mo-Fr 08:00-18:00", "2026-12-28 12:00", CentralLondon));
        // PH selected with the weekday it falls on is as closed as that weekday.
        Assert.Equal(false, OpenAt("Tu-Fr 08:00-18:00; Mo,PH off", "2026-12-28 12:00", CentralLondon));
        // The opening times of a holiday rule apply.
        Assert.Equal(false, OpenAt("Mo-Fr 08:00-18:00; PH 10:00-14:00", "2026-12-28 09:00", CentralLondon));
        Assert.Equal(true, OpenAt("Mo-Fr 08:00-18:00; PH 10:00-14:00", "2026-12-28 11:00", CentralLondon));
    }

    [Fact]
    public void Scotland_keeps_St_Andrews_Day_and_England_does_not()
    {
        // 2026-11-30, a Monday.
        const string text = "Mo-Fr 08:00-18:00; PH off";
        Assert.Null(OpenAt(text, "2026-11-30 12:00", Edinburgh));
        Assert.Equal(true, OpenAt(text, "2026-11-30 12:00", CentralLondon));
    }

    [Fact]
    public void China_takes_its_holidays_and_make_up_working_days_from_the_table()
    {
        const string text = "Mo-Fr 08:00-18:00; Sa,Su off; PH off";
        // National Day, Thursday 2026-10-01: a holiday, so PH off (unknown, as on any holiday only PH selects).
        // Saturday 2026-10-10 is worked in exchange: weekday hours.
        Assert.Null(OpenAt(text, "2026-10-01 12:00", Nanjing));
        Assert.Equal(true, OpenAt(text, "2026-09-30 12:00", Nanjing));
        Assert.Equal(true, OpenAt(text, "2026-10-10 12:00", Nanjing));
        Assert.Equal(false, OpenAt(text, "2026-10-17 12:00", Nanjing));
        // A make-up working day whose weekdays disagree is unknown.
        Assert.Null(OpenAt("Mo-Th 08:00-18:00; Fr 08:00-12:00", "2026-10-10 10:00", Nanjing));
    }

    [Fact]
    public void The_next_change_knows_the_season()
    {
        Assert.True(OpeningHours.TryParse("Apr-Oct 08:00-20:00", out var hours, out _));
        var change = hours.NextChangeAfter(new DateTime(2026, 10, 31, 21, 0, 0), CentralLondon);
        // Closed from Oct 31 20:00 until April: no change within eight days.
        Assert.Null(change);
        Assert.Equal((new DateTime(2026, 4, 1, 8, 0, 0), (bool?)true), hours.NextChangeAfter(new DateTime(2026, 3, 31, 21, 0, 0), CentralLondon));
    }

    [Theory]
    [InlineData("Mo-Fr 25:00-99:00", "expected a time at 'Mo-Fr 25:00'")]
    [InlineData("9am to 6pm every day", "expected a time at '9am'")]
    [InlineData("7am-9pm weekdays", "expected a time at '7am'")]
    [InlineData("Dec 32 off", "expected a day of the month (1 to 31) at 'Dec 32'")]
    [InlineData("week 54 Mo 08:00-12:00", "expected a week number (1 to 53) at 'week 54'")]
    [InlineData("Mo-Fr 08:00-18:00 \"unclosed", "a comment is not closed")]
    [InlineData("Mo-Fr (sunrise+01:00)-18:00", "sun times with offsets are not supported at 'Mo-Fr ('")]
    public void Unreadable_text_names_where_it_stops_making_sense(string text, string expected)
    {
        Assert.False(OpeningHours.TryParse(text, out _, out var error));
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }
}
