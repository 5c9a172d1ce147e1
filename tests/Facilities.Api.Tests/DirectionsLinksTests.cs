using System.Globalization;
using Facilities.Api.Geography;

namespace Facilities.Api.Tests;

/// <summary>The facility answer carries walking-directions links, with Amap's and Baidu's positions converted.</summary>
public sealed class DirectionsLinksTests(SeededFixture fixture) : IClassFixture<SeededFixture>
{
    [Fact]
    public async Task A_facility_in_Nanjing_links_to_every_app_with_amap_in_gcj02_and_baidu_in_bd09()
    {
        var nearby = await fixture.Client.GetJsonAsync("/api/v1/facilities/nearby?lat=32.0603&lon=118.7969&radius_m=2000&limit=1");
        var listed = nearby.Features().Single();
        Assert.False(listed.TryGetProperty("links", out _), "lists carry no directions: only the single facility's answer does");

        var feature = await fixture.Client.GetJsonAsync($"/api/v1/facilities/{listed.Id()}");
        var at = feature.GetProperty("geometry").GetProperty("coordinates");
        var wgs = (Lon: at[0].GetDouble(), Lat: at[1].GetDouble());
        var links = feature.GetProperty("links").EnumerateArray().ToDictionary(l => l.GetProperty("app").GetString()!);

        Assert.Equal(["apple", "google", "geo", "amap", "baidu"], links.Keys);
        Assert.All(links.Values, l => Assert.Equal("directions", l.GetProperty("rel").GetString()));
        var gcj = ChinaOffsets.Wgs84ToGcj02(wgs);
        var bd = ChinaOffsets.Gcj02ToBd09(gcj);
        AssertAt(links["amap"], "gcj02", gcj, $"to={Fixed(gcj.Lon)},{Fixed(gcj.Lat)},");
        AssertAt(links["baidu"], "bd09", bd, $"destination=latlng:{Fixed(bd.Lat)},{Fixed(bd.Lon)}|");
        foreach (var app in (string[])["apple", "google", "geo"])
        {
            AssertAt(links[app], "wgs84", wgs, $"{Fixed(wgs.Lat)},{Fixed(wgs.Lon)}");
        }
    }

    private static void AssertAt(System.Text.Json.JsonElement link, string crs, (double Lon, double Lat) expected, string inHref)
    {
        Assert.Equal(crs, link.GetProperty("crs").GetString());
        var c = link.GetProperty("coordinates");
        Assert.Equal(expected.Lon, c[0].GetDouble(), 1e-6);
        Assert.Equal(expected.Lat, c[1].GetDouble(), 1e-6);
        Assert.Contains(inHref, link.GetProperty("href").GetString()!, StringComparison.Ordinal);
    }

    private static string Fixed(double degrees) => Math.Round(degrees, 6).ToString("0.######", CultureInfo.InvariantCulture);
}
