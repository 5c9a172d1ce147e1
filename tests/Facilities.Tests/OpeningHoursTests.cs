using System.Globalization;
using Facilities.Api.Features.Facilities;

namespace Facilities.Tests;

public class OpeningHoursTests
{
    private static readonly string[] Weekdays = ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"];

    // 2024-01-01 was a Monday, so the week of tests is 2024-01-01 (Mo) to 2024-01-07 (Su).
    private static DateTime At(string day, string time) =>
        new DateOnly(2024, 1, 1 + Array.IndexOf(Weekdays, day))
            .ToDateTime(TimeOnly.ParseExact(time, "HH:mm", CultureInfo.InvariantCulture));

    private static bool? OpenAt(string text, string day, string time, bool? isPublicHoliday = null)
    {
        Assert.True(OpeningHours.TryParse(text, out var hours, out var error), error);
        return hours.IsOpenAt(At(day, time), isPublicHoliday);
    }

    [Theory]
    [InlineData("Mo", "00:00")]
    [InlineData("We", "12:34")]
    [InlineData("Su", "23:59")]
    public void Open_all_the_time_with_24_7(string day, string time) =>
        Assert.True(OpenAt("24/7", day, time));

    [Theory]
    [InlineData("Mo", "07:59", false)]
    [InlineData("Mo", "08:00", true)]
    [InlineData("We", "12:00", true)]
    [InlineData("Fr", "17:59", true)]
    [InlineData("Fr", "18:00", false)]
    [InlineData("Sa", "12:00", false)]
    [InlineData("Su", "12:00", false)]
    public void Weekday_range_is_open_from_the_opening_minute_until_the_closing_minute(string day, string time, bool expected) =>
        Assert.Equal(expected, OpenAt("Mo-Fr 08:00-18:00", day, time));

    [Theory]
    [InlineData("Mo", "12:00", true)]
    [InlineData("Tu", "12:00", false)]
    [InlineData("We", "09:00", true)]
    [InlineData("Th", "12:00", false)]
    [InlineData("Fr", "16:59", true)]
    public void Weekday_list_selects_only_the_listed_days(string day, string time, bool expected) =>
        Assert.Equal(expected, OpenAt("Mo,We,Fr 09:00-17:00", day, time));

    [Theory]
    [InlineData("Fr", "10:00", true)]
    [InlineData("Sa", "10:00", true)]
    [InlineData("Su", "10:00", true)]
    [InlineData("Mo", "10:00", true)]
    [InlineData("Tu", "10:00", false)]
    [InlineData("Th", "10:00", false)]
    public void Weekday_range_wraps_past_sunday(string day, string time, bool expected) =>
        Assert.Equal(expected, OpenAt("Fr-Mo 10:00-16:00", day, time));

    [Theory]
    [InlineData("Tu", "07:59", false)]
    [InlineData("Sa", "08:00", true)]
    [InlineData("Su", "17:59", true)]
    [InlineData("Su", "18:00", false)]
    public void Rule_without_weekdays_applies_every_day(string day, string time, bool expected) =>
        Assert.Equal(expected, OpenAt("08:00-18:00", day, time));

    [Theory]
    [InlineData("11:59", true)]
    [InlineData("12:00", false)]
    [InlineData("12:59", false)]
    [InlineData("13:00", true)]
    [InlineData("17:29", true)]
    [InlineData("17:30", false)]
    public void Several_time_ranges_leave_the_gaps_closed(string time, bool expected) =>
        Assert.Equal(expected, OpenAt("Mo-Fr 08:00-12:00,13:00-17:30", "Tu", time));

    [Theory]
    [InlineData("Fr", "21:59", false)]
    [InlineData("Fr", "22:00", true)]
    [InlineData("Fr", "23:59", true)]
    [InlineData("Sa", "00:00", true)]
    [InlineData("Sa", "01:59", true)]
    [InlineData("Sa", "02:00", false)]
    [InlineData("Fr", "01:00", false)]
    [InlineData("Sa", "23:00", false)]
    public void Range_past_midnight_spills_into_the_next_day(string day, string time, bool expected) =>
        Assert.Equal(expected, OpenAt("Fr 22:00-02:00", day, time));

    [Theory]
    [InlineData("Su", "23:00", true)]
    [InlineData("Mo", "02:59", true)]
    [InlineData("Mo", "03:00", false)]
    [InlineData("Su", "02:00", false)]
    public void Sunday_night_spills_into_monday(string day, string time, bool expected) =>
        Assert.Equal(expected, OpenAt("Su 20:00-03:00", day, time));

    [Theory]
    [InlineData("Mo 18:00-26:00", "Tu", "01:59", true)]
    [InlineData("Mo 18:00-26:00", "Tu", "02:00", false)]
    [InlineData("Mo 18:00-24:00", "Mo", "23:59", true)]
    [InlineData("Mo 18:00-24:00", "Tu", "00:00", false)]
    [InlineData("00:00-24:00", "Mo", "00:00", true)]
    [InlineData("00:00-24:00", "Su", "23:59", true)]
    [InlineData("Mo-Fr 00:00-00:00", "We", "00:00", true)]
    [InlineData("Mo-Fr 00:00-00:00", "Sa", "00:00", false)]
    public void Midnight_as_24_00_and_extended_hours(string text, string day, string time, bool expected) =>
        Assert.Equal(expected, OpenAt(text, day, time));

    [Theory]
    [InlineData("We", "09:00", false)]
    [InlineData("We", "10:00", true)]
    [InlineData("We", "12:00", false)]
    [InlineData("We", "17:00", false)]
    [InlineData("Tu", "09:00", true)]
    [InlineData("Th", "17:00", true)]
    public void Rule_for_a_single_day_replaces_the_earlier_range_for_that_day(string day, string time, bool expected) =>
        Assert.Equal(expected, OpenAt("Mo-Fr 08:00-18:00; We 10:00-12:00", day, time));

    [Fact]
    public void Later_rule_also_replaces_hours_spilled_into_its_day_by_an_earlier_rule()
    {
        const string text = "Tu-Th 07:00-04:00; Fr 09:00-17:00";
        Assert.Equal(true, OpenAt(text, "Th", "03:00"));
        Assert.Equal(false, OpenAt(text, "Fr", "03:00"));
        Assert.Equal(true, OpenAt(text, "Fr", "09:00"));
    }

    [Theory]
    [InlineData("Mo-Sa 08:00-20:00; Su off", "Su", "12:00", false)]
    [InlineData("Mo-Sa 08:00-20:00; Su off", "Sa", "12:00", true)]
    [InlineData("Mo-Sa 08:00-20:00; Su closed", "Su", "12:00", false)]
    [InlineData("24/7; Mo off", "Mo", "12:00", false)]
    [InlineData("24/7; Mo off", "Tu", "00:00", true)]
    [InlineData("off", "We", "12:00", false)]
    public void Off_and_closed_close_the_whole_day(string text, string day, string time, bool expected) =>
        Assert.Equal(expected, OpenAt(text, day, time));

    [Theory]
    [InlineData("Sa-Su", "Su", "03:00", null, true)]
    [InlineData("Sa-Su", "Mo", "03:00", null, false)]
    [InlineData("PH", "Mo", "03:00", null, false)]
    [InlineData("PH", "Mo", "03:00", true, true)]
    public void Selector_without_times_is_open_all_day(string text, string day, string time, bool? isPublicHoliday, bool expected) =>
        Assert.Equal(expected, OpenAt(text, day, time, isPublicHoliday));

    [Theory]
    [InlineData("Mo", "08:00", true)]
    [InlineData("Mo", "18:00", false)]
    [InlineData("Sa", "12:00", false)]
    public void Explicit_open_modifier_means_the_same_as_none(string day, string time, bool expected) =>
        Assert.Equal(expected, OpenAt("Mo-Fr 08:00-18:00 open", day, time));

    [Theory]
    [InlineData("Mo - Fr 08:00 - 18:00 ; Sa , Su 10:00-12:00")]
    [InlineData("mo-fr 08:00-18:00;sa,su 10:00-12:00;")]
    [InlineData("MO-FR 8:00-18:00; SA,SU 10:00-12:00")]
    public void Spacing_case_and_a_trailing_semicolon_are_tolerated(string text)
    {
        Assert.Equal(true, OpenAt(text, "Tu", "08:00"));
        Assert.Equal(false, OpenAt(text, "Tu", "18:00"));
        Assert.Equal(true, OpenAt(text, "Su", "11:00"));
        Assert.Equal(false, OpenAt(text, "Sa", "12:00"));
    }

    [Theory]
    [InlineData("Mo", "12:00", true, null)]
    [InlineData("Mo", "12:00", false, true)]
    [InlineData("Mo", "12:00", null, true)]
    [InlineData("Mo", "21:00", true, null)]
    [InlineData("Su", "12:00", false, false)]
    public void PH_off_is_unknown_on_a_known_holiday_and_ignored_otherwise(string day, string time, bool? isPublicHoliday, bool? expected) =>
        Assert.Equal(expected, OpenAt("Mo-Sa 08:00-20:00; PH off", day, time, isPublicHoliday));

    [Theory]
    [InlineData("09:00", true, false)]
    [InlineData("10:00", true, true)]
    [InlineData("13:59", true, true)]
    [InlineData("14:00", true, false)]
    [InlineData("09:00", false, true)]
    [InlineData("15:00", false, true)]
    [InlineData("09:00", null, true)]
    [InlineData("15:00", null, true)]
    public void PH_hours_apply_only_on_a_known_holiday(string time, bool? isPublicHoliday, bool expected) =>
        Assert.Equal(expected, OpenAt("Mo-Fr 08:00-18:00; PH 10:00-14:00", "We", time, isPublicHoliday));

    [Theory]
    [InlineData("Mo", "09:00", true, false)]
    [InlineData("Mo", "10:00", true, true)]
    [InlineData("Mo", "09:00", null, true)]
    [InlineData("Sa", "10:00", false, true)]
    [InlineData("Sa", "10:00", null, true)]
    [InlineData("Sa", "10:00", true, true)]
    [InlineData("Su", "10:00", true, true)]
    [InlineData("Su", "10:00", false, false)]
    public void PH_in_a_day_list_adds_holidays_to_that_rule(string day, string time, bool? isPublicHoliday, bool expected) =>
        Assert.Equal(expected, OpenAt("Mo-Fr 08:00-18:00; Sa,PH 10:00-16:00", day, time, isPublicHoliday));

    [Fact]
    public void PH_off_sharing_a_rule_with_a_weekday_stays_closed_on_that_weekday()
    {
        const string text = "Mo-Sa 08:00-20:00; Su,PH off";
        Assert.Equal(false, OpenAt(text, "Su", "12:00", isPublicHoliday: true));
        Assert.Null(OpenAt(text, "Mo", "12:00", isPublicHoliday: true));
    }

    [Fact]
    public void Holiday_is_ordinary_day_when_the_rules_do_not_mention_PH()
    {
        Assert.True(OpeningHours.TryParse("Mo-Fr 08:00-18:00", out var hours, out _));
        Assert.False(hours.MentionsPublicHolidays);
        Assert.Equal(true, hours.IsOpenAt(At("Mo", "12:00"), isPublicHoliday: true));
    }

    [Theory]
    [InlineData("Mo-Fr 08:00-18:00; PH off", true)]
    [InlineData("Sa,PH 10:00-16:00", true)]
    [InlineData("24/7", false)]
    public void Reports_whether_the_rules_mention_public_holidays(string text, bool expected)
    {
        Assert.True(OpeningHours.TryParse(text, out var hours, out _));
        Assert.Equal(expected, hours.MentionsPublicHolidays);
    }

    [Theory]
    [InlineData("2024 Mo-Fr 08:00-18:00")]
    [InlineData("Mo-Fr 08:00-18:00 || \"call us\"")]
    [InlineData("Mo-Fr 08:00+")]
    [InlineData("Mo[1] 08:00-12:00")]
    [InlineData("SH off")]
    [InlineData("Mo-Fr 08:00-18:00, Sa 10:00-12:00")]
    [InlineData("Mo-Fr 12:00-13:00 off")]
    [InlineData("24/7 closed")]
    public void Unsupported_syntax_fails_to_parse_and_evaluates_as_unknown(string text)
    {
        Assert.False(OpeningHours.TryParse(text, out var hours, out var error));
        Assert.Null(hours);
        Assert.False(string.IsNullOrEmpty(error));
        Assert.Null(OpeningHours.IsOpen(text, DateTimeOffset.UnixEpoch, TimeZoneInfo.Utc));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData(";")]
    [InlineData("Mo-Fr 8-18")]
    [InlineData("Mo-Fr 08:00-")]
    [InlineData("Mo-Fr 08:00")]
    [InlineData("Mo-Fr 08:60-18:00")]
    [InlineData("Mo-Fr 24:00-26:00")]
    [InlineData("Mo-Fr 08:00-49:00")]
    [InlineData("Mo-Fr 008:00-18:00")]
    [InlineData("Mo-Fr 08:0-18:00")]
    [InlineData("Xx 08:00-18:00")]
    [InlineData("Mo- 08:00-18:00")]
    [InlineData("Mo-Fr 08:00-18:00;; Sa off")]
    [InlineData("Mo-Fr 08:00-18:00 Sa 10:00-12:00")]
    [InlineData("Mo-Fr 08:00-18:00 ; 全天")]
    public void Malformed_text_fails_to_parse_and_evaluates_as_unknown(string? text)
    {
        Assert.False(OpeningHours.TryParse(text, out var hours, out var error));
        Assert.Null(hours);
        Assert.False(string.IsNullOrEmpty(error));
        Assert.Null(OpeningHours.IsOpen(text, DateTimeOffset.UnixEpoch, TimeZoneInfo.Utc));
    }

    [Theory]
    // Shanghai is UTC+8 all year: Monday 08:00 there is Monday 00:00 UTC.
    [InlineData("Asia/Shanghai", "2024-01-01T00:00:00Z", true)]
    [InlineData("Asia/Shanghai", "2023-12-31T23:59:00Z", false)]
    [InlineData("Asia/Shanghai", "2024-01-01T09:59:00Z", true)]
    [InlineData("Asia/Shanghai", "2024-01-01T10:00:00Z", false)]
    [InlineData("Asia/Shanghai", "2024-01-05T20:00:00Z", false)]
    // London is UTC+0 in winter and UTC+1 (BST) in summer.
    [InlineData("Europe/London", "2024-01-01T08:00:00Z", true)]
    [InlineData("Europe/London", "2024-01-01T07:59:00Z", false)]
    [InlineData("Europe/London", "2024-01-01T17:30:00Z", true)]
    [InlineData("Europe/London", "2024-07-01T07:00:00Z", true)]
    [InlineData("Europe/London", "2024-07-01T06:59:00Z", false)]
    [InlineData("Europe/London", "2024-07-01T16:59:00Z", true)]
    [InlineData("Europe/London", "2024-07-01T17:00:00Z", false)]
    public void IsOpen_evaluates_an_instant_in_the_facility_time_zone(string zoneId, string instant, bool expected)
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById(zoneId);
        var at = DateTimeOffset.Parse(instant, CultureInfo.InvariantCulture);
        Assert.Equal(expected, OpeningHours.IsOpen("Mo-Fr 08:00-18:00", at, zone));
    }

    [Fact]
    public void IsOpen_passes_the_holiday_flag_through()
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");
        var mondayNoon = new DateTimeOffset(2024, 1, 1, 4, 0, 0, TimeSpan.Zero);
        const string text = "Mo-Fr 08:00-18:00; PH off";
        Assert.Equal(true, OpeningHours.IsOpen(text, mondayNoon, zone));
        Assert.Null(OpeningHours.IsOpen(text, mondayNoon, zone, isPublicHoliday: true));
    }
}

/// <summary>When the state next changes, as "closes 23:00" and "opens Mon 07:00" read it.</summary>
public class OpeningHoursNextChangeTests
{
    private static readonly string[] Weekdays = ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"];

    private static DateTime At(string day, string time) =>
        new DateOnly(2024, 1, 1 + Array.IndexOf(Weekdays, day))
            .ToDateTime(TimeOnly.ParseExact(time, "HH:mm", CultureInfo.InvariantCulture));

    private static (DateTime At, bool? OpenAfter)? Next(string text, string day, string time)
    {
        Assert.True(OpeningHours.TryParse(text, out var hours, out var error), error);
        return hours.NextChangeAfter(At(day, time));
    }

    [Theory]
    // hours, now, the change (day, time), open after it
    [InlineData("Mo-Th 11:00-23:00; Fr,Sa 11:00-24:00; Su 12:00-22:30", "We", "20:15", "We", "23:00", false)]
    [InlineData("Mo-Th 11:00-23:00; Fr,Sa 11:00-24:00; Su 12:00-22:30", "We", "23:00", "Th", "11:00", true)]
    [InlineData("Mo-Th 11:00-23:00; Fr,Sa 11:00-24:00; Su 12:00-22:30", "Fr", "23:30", "Sa", "00:00", false)]
    [InlineData("Mo-Fr 08:00-18:00", "Fr", "18:00", "Mo", "08:00", true)]
    [InlineData("Mo-Fr 08:00-18:00", "Sa", "09:00", "Mo", "08:00", true)]
    [InlineData("Mo-Fr 08:00-18:00", "Mo", "07:59", "Mo", "08:00", true)]
    [InlineData("Fr,Sa 20:00-04:00", "Sa", "01:00", "Sa", "04:00", false)]
    [InlineData("22:00-06:00", "Su", "23:00", "Mo", "06:00", false)]
    [InlineData("Mo-Su 06:00-22:00", "Su", "22:30", "Mo", "06:00", true)]
    public void The_next_change_is_the_first_minute_the_answer_differs(string text, string day, string time, string changeDay, string changeTime, bool openAfter)
    {
        var change = Next(text, day, time);
        Assert.NotNull(change);
        var expected = At(changeDay, changeTime);
        // A change on an earlier weekday than today is in the week after.
        Assert.Equal(expected < At(day, time) ? expected.AddDays(7) : expected, change.Value.At);
        Assert.Equal(openAfter, change.Value.OpenAfter);
    }

    [Fact]
    public void Always_open_never_changes() => Assert.Null(Next("24/7", "We", "12:00"));

    [Fact]
    public void Open_days_running_into_each_other_past_midnight_do_not_count_midnight_as_a_change() =>
        Assert.Equal((At("Su", "00:00"), (bool?)false), Next("Mo-Sa 00:00-24:00", "Mo", "12:00"));
}
