using Facilities.Testing;

namespace Facilities.Api.Tests;

public sealed class OpenNowFixture : ApiFixture
{
    public static readonly Guid Shanghai = Guid.NewGuid();
    public static readonly Guid London = Guid.NewGuid();
    public static readonly Guid Sydney = Guid.NewGuid();
    public static readonly Guid NoHours = Guid.NewGuid();
    public static readonly Guid Closed = Guid.NewGuid();

    protected override Task SeedAsync(TestDatabase database) => TestFacilities.InsertAsync(database,
    [
        new TestFacility(121.4737, 31.2304) { Id = Shanghai, OpeningHours = "Mo-Fr 08:00-18:00" },
        new TestFacility(-0.1276, 51.5072) { Id = London, OpeningHours = "Mo-Fr 08:00-18:00" },
        new TestFacility(151.2093, -33.8688) { Id = Sydney, OpeningHours = "Mo-Fr 08:00-18:00", TimeZone = "Australia/Sydney" },
        new TestFacility(121.4740, 31.2306) { Id = NoHours },
        new TestFacility(121.4741, 31.2307) { Id = Closed, OpeningHours = "24/7", Status = "temporarily_closed" },
    ]);
}

/// <summary>open_now is evaluated in each facility's own time zone, at the instant asked for.</summary>
public sealed class OpenNowApiTests(OpenNowFixture fixture) : IClassFixture<OpenNowFixture>
{
    [Theory]
    // Tuesday 01:00 UTC: 09:00 in Shanghai (open), 01:00 in London (closed), 12:00 in Sydney (open, daylight time).
    [InlineData("2026-11-24T01:00:00Z", true, false, true)]
    // Tuesday 11:00 UTC: 19:00 in Shanghai (closed), 11:00 in London (open), 22:00 in Sydney (closed).
    [InlineData("2026-11-24T11:00:00Z", false, true, false)]
    // Saturday noon UTC: weekend everywhere.
    [InlineData("2026-11-28T12:00:00Z", false, false, false)]
    public async Task Open_now_uses_the_local_time_of_each_facility(string at, bool shanghai, bool london, bool sydney)
    {
        Assert.Equal(shanghai, await OpenNow(OpenNowFixture.Shanghai, 31.2304, 121.4737, at));
        Assert.Equal(london, await OpenNow(OpenNowFixture.London, 51.5072, -0.1276, at));
        Assert.Equal(sydney, await OpenNow(OpenNowFixture.Sydney, -33.8688, 151.2093, at));
    }

    [Fact]
    public async Task Open_now_is_unknown_without_hours_and_false_while_temporarily_closed()
    {
        var result = await fixture.Client.GetJsonAsync("/api/v1/facilities/nearby?lat=31.2304&lon=121.4737&limit=10&at=2026-11-24T01:00:00Z");
        var byId = result.Features().ToDictionary(f => f.Id(), f => f.GetProperty("properties").GetProperty("open_now"));
        Assert.Equal(System.Text.Json.JsonValueKind.Null, byId[OpenNowFixture.NoHours.ToString()].ValueKind);
        Assert.False(byId[OpenNowFixture.Closed.ToString()].GetBoolean());
    }

    [Fact]
    public async Task Open_now_filter_keeps_only_what_is_open()
    {
        var result = await fixture.Client.GetJsonAsync(
            "/api/v1/facilities/nearby?lat=31.2304&lon=121.4737&limit=10&open_now=true&at=2026-11-24T01:00:00Z");
        Assert.Equal([OpenNowFixture.Shanghai.ToString()], result.Features().Select(f => f.Id()));
    }

    private async Task<bool?> OpenNow(Guid id, double lat, double lon, string at)
    {
        var result = await fixture.Client.GetJsonAsync(FormattableString.Invariant($"/api/v1/facilities/nearby?lat={lat}&lon={lon}&limit=10&at={at}"));
        var property = result.Features().Single(f => f.Id() == id.ToString()).GetProperty("properties").GetProperty("open_now");
        return property.ValueKind == System.Text.Json.JsonValueKind.Null ? null : property.GetBoolean();
    }
}
