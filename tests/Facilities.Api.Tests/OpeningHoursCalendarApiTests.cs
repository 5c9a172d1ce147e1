using System.Text.Json;
using Facilities.Testing;

namespace Facilities.Api.Tests;

public sealed class OpeningHoursCalendarFixture : ApiFixture
{
    public static readonly Guid Seasonal = Guid.NewGuid();
    public static readonly Guid BankHoliday = Guid.NewGuid();
    public static readonly Guid Unreadable = Guid.NewGuid();
    public static readonly Guid ByAppointment = Guid.NewGuid();

    // Barking Park's toilets (Barking and Dagenham's council file) open in the season only.
    protected override Task SeedAsync(TestDatabase database) => TestFacilities.InsertAsync(database,
    [
        new TestFacility(0.0836, 51.5391) { Id = Seasonal, OpeningHours = "Apr-Oct 08:00-20:00; Nov-Mar off" },
        new TestFacility(-0.1276, 51.5072) { Id = BankHoliday, OpeningHours = "Mo-Fr 08:00-18:00; PH off" },
        new TestFacility(-0.1270, 51.5075) { Id = Unreadable, OpeningHours = "9am to 6pm every day" },
        new TestFacility(-0.1280, 51.5070) { Id = ByAppointment, OpeningHours = "\"by appointment\"" },
    ]);
}

/// <summary>open_now with seasons, public holidays and comments, at each facility's local time.</summary>
public sealed class OpeningHoursCalendarApiTests(OpeningHoursCalendarFixture fixture) : IClassFixture<OpeningHoursCalendarFixture>
{
    [Theory]
    // 19:30 in London: summer time in July (18:30 UTC), GMT in January.
    [InlineData("2026-07-15T18:30:00Z", true)]
    [InlineData("2026-01-14T19:30:00Z", false)]
    [InlineData("2026-01-14T12:00:00Z", false)]
    public async Task A_seasonal_facility_is_open_in_july_and_closed_in_january_at_its_local_time(string at, bool expected) =>
        Assert.Equal(expected, await OpenNowAsync(OpeningHoursCalendarFixture.Seasonal, at));

    [Fact]
    public async Task On_a_uk_bank_holiday_PH_off_is_unknown_and_the_next_day_is_open()
    {
        // Monday 2026-12-28 is the Boxing Day bank holiday in England.
        Assert.Null(await OpenNowAsync(OpeningHoursCalendarFixture.BankHoliday, "2026-12-28T12:00:00Z"));
        Assert.True(await OpenNowAsync(OpeningHoursCalendarFixture.BankHoliday, "2026-12-29T12:00:00Z"));
        Assert.True(await OpenNowAsync(OpeningHoursCalendarFixture.BankHoliday, "2026-12-21T12:00:00Z"));
    }

    [Fact]
    public async Task Hours_that_do_not_parse_and_hours_by_appointment_are_unknown_never_closed()
    {
        Assert.Null(await OpenNowAsync(OpeningHoursCalendarFixture.Unreadable, "2026-07-15T12:00:00Z"));
        Assert.Null(await OpenNowAsync(OpeningHoursCalendarFixture.ByAppointment, "2026-07-15T12:00:00Z"));
    }

    [Fact]
    public async Task The_week_endpoint_reads_hours_as_seven_days_at_a_place_and_refuses_what_it_cannot_read()
    {
        var week = await fixture.Client.GetJsonAsync(
            "/api/v1/opening-hours/week?value=" + Uri.EscapeDataString("Mo-Fr 08:00-18:00; PH off; Sa \"by appointment\"") +
            "&lat=51.5072&lon=-0.1276&from=2026-12-28");
        Assert.Equal("Europe/London", week.GetProperty("time_zone").GetString());
        var days = week.GetProperty("days").EnumerateArray().ToList();
        Assert.Equal(7, days.Count);
        Assert.Equal(["mo", "tu", "we", "th", "fr", "sa", "su"], days.Select(d => d.GetProperty("weekday").GetString()));
        // Monday 2026-12-28 is a bank holiday: PH off, unknown all day.
        Assert.True(days[0].GetProperty("public_holiday").GetBoolean());
        Assert.Equal(0, days[0].GetProperty("spans").GetArrayLength());
        Assert.True(days[0].GetProperty("rest_unknown").GetBoolean());
        var tuesday = Assert.Single(days[1].GetProperty("spans").EnumerateArray());
        Assert.Equal(("08:00", "18:00", true), (tuesday.GetProperty("from").GetString(), tuesday.GetProperty("to").GetString(), tuesday.GetProperty("open").GetBoolean()));
        var saturday = Assert.Single(days[5].GetProperty("spans").EnumerateArray());
        Assert.Equal(JsonValueKind.Null, saturday.GetProperty("open").ValueKind);

        using var refused = await fixture.Client.GetAsync("/api/v1/opening-hours/week?value=" + Uri.EscapeDataString("Mo-Fr 25:00-99:00"));
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(await refused.Content.ReadAsStringAsync()).RootElement;
        Assert.Contains("expected a time at 'Mo-Fr 25:00'", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        using var missing = await fixture.Client.GetAsync("/api/v1/opening-hours/week?lat=1");
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, missing.StatusCode);
    }

    private async Task<bool?> OpenNowAsync(Guid id, string at)
    {
        var feature = await fixture.Client.GetJsonAsync($"/api/v1/facilities/{id}?at={at}");
        var open = feature.GetProperty("properties").GetProperty("open_now");
        return open.ValueKind == JsonValueKind.Null ? null : open.GetBoolean();
    }
}
