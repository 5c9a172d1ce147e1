using System.Net;
using System.Text.Json;
using Facilities.Api.Geography;
using Facilities.Testing;

namespace Facilities.Api.Tests;

/// <summary>A base map's coordinate system in map-config, and the service's conversion the page aligns its tiles with.</summary>
public sealed class MapConfigBaseMapTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    [Fact]
    public async Task The_position_on_a_GCJ_02_or_BD_09_base_map_is_the_services_own_conversion_and_WGS_84_outside_China()
    {
        // Beijing, the reference point Facilities.Tests pins ChinaOffsets to.
        var gcj = await fixture.Client.GetJsonAsync("/api/v1/map-config/position?crs=gcj02&lat=39.915&lon=116.404");
        var expected = ChinaOffsets.Wgs84ToGcj02((116.404, 39.915));
        Assert.Equal("gcj02", gcj.GetProperty("crs").GetString());
        Assert.Equal(expected.Lon, gcj.GetProperty("lon").GetDouble(), 1e-12);
        Assert.Equal(expected.Lat, gcj.GetProperty("lat").GetDouble(), 1e-12);
        // The reference value published with the coordtransform library (as in Facilities.Tests' DirectionsTests).
        Assert.Equal(116.41024449916938, gcj.GetProperty("lon").GetDouble(), 1e-9);
        Assert.Equal(39.91640428150164, gcj.GetProperty("lat").GetDouble(), 1e-9);

        var bd = await fixture.Client.GetJsonAsync("/api/v1/map-config/position?crs=bd09&lat=39.915&lon=116.404");
        var expectedBd = ChinaOffsets.Gcj02ToBd09(expected);
        Assert.Equal(expectedBd.Lon, bd.GetProperty("lon").GetDouble(), 1e-12);
        Assert.Equal(expectedBd.Lat, bd.GetProperty("lat").GetDouble(), 1e-12);

        var london = await fixture.Client.GetJsonAsync("/api/v1/map-config/position?crs=gcj02&lat=51.5&lon=-0.12");
        Assert.Equal((-0.12, 51.5), (london.GetProperty("lon").GetDouble(), london.GetProperty("lat").GetDouble()));
        var wgs = await fixture.Client.GetJsonAsync("/api/v1/map-config/position?crs=wgs84&lat=39.915&lon=116.404");
        Assert.Equal((116.404, 39.915), (wgs.GetProperty("lon").GetDouble(), wgs.GetProperty("lat").GetDouble()));
    }

    [Theory]
    [InlineData("/api/v1/map-config/position?crs=wgs-84&lat=39.9&lon=116.4", "crs")]
    [InlineData("/api/v1/map-config/position?lat=39.9&lon=116.4", "crs")]
    [InlineData("/api/v1/map-config/position?crs=gcj02&lat=139.9&lon=116.4", "lat")]
    [InlineData("/api/v1/map-config/position?crs=gcj02&lat=39.9", "lon")]
    public async Task A_bad_position_question_is_a_400_naming_the_parameter(string url, string parameter)
    {
        using var response = await fixture.Client.GetAsync(url);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.True(problem.GetProperty("errors").TryGetProperty(parameter, out _), problem.ToString());
    }

    [Fact]
    public async Task Map_config_names_the_tiles_coordinate_system_wgs84_unless_configured()
    {
        Assert.Equal("wgs84", (await fixture.Client.GetJsonAsync("/api/v1/map-config")).GetProperty("tile_crs").GetString());
        await using var amap = new FacilitiesApp(fixture.Database, settings: new Dictionary<string, string> { ["Facilities:Map:TileCrs"] = "gcj02" });
        using var client = amap.CreateClient();
        Assert.Equal("gcj02", (await client.GetJsonAsync("/api/v1/map-config")).GetProperty("tile_crs").GetString());
    }
}
