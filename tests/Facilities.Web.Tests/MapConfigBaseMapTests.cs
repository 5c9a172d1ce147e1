using System.Text.Json;
using System.Text.Json.Nodes;
using Facilities.Api.Geography;
using Microsoft.Playwright;

namespace Facilities.Web.Tests;

/// <summary>
/// With a GCJ-02 base map configured (Amap), what the tiles show moves by the GCJ-02 offset against what the page
/// draws, which stays WGS 84: a marker sits on the base map where the service's conversion puts it.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class MapConfigBaseMapTests(BrowserFixture fixture)
{
    private const int Zoom = 17;
    private static readonly byte[] TilePng = Convert.FromBase64String(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==");

    [Fact]
    public async Task On_a_GCJ_02_base_map_the_tiles_move_by_the_GCJ_02_offset_and_the_markers_stay_on_their_WGS_84_positions()
    {
        // Centred on a demo facility in Nanjing, so that its marker is in view.
        using var nearby = JsonDocument.Parse(await fixture.Api.GetStringAsync("/api/v1/facilities/nearby?lat=32.0603&lon=118.7969&limit=1"));
        var at = nearby.RootElement.GetProperty("features")[0].GetProperty("geometry").GetProperty("coordinates");
        var (lon, lat) = (at[0].GetDouble(), at[1].GetDouble());
        var (wgsTile, wgsMarker) = await TileAndMarkerAsync(null, lat, lon);
        var (gcjTile, gcjMarker) = await TileAndMarkerAsync("gcj02", lat, lon);

        var gcj = ChinaOffsets.Wgs84ToGcj02((lon, lat));
        var (x, y) = Pixel(lon, lat);
        var (gx, gy) = Pixel(gcj.Lon, gcj.Lat);
        // The tile image showing the GCJ-02 position of the centre moves to where the page draws the centre.
        Assert.Equal(x - gx, gcjTile[0] - wgsTile[0], 1.5);
        Assert.Equal(y - gy, gcjTile[1] - wgsTile[1], 1.5);
        Assert.True(Math.Abs(x - gx) > 10, "the GCJ-02 offset in Nanjing is some hundreds of metres: tens of pixels at zoom 17");
        // The markers do not move on the screen: so on the base map, each moves by the offset.
        Assert.Equal(wgsMarker[0], gcjMarker[0], 0.5);
        Assert.Equal(wgsMarker[1], gcjMarker[1], 0.5);
    }

    /// <summary>The screen position of the tile under the centre and of the first facility marker, with the tiles in <paramref name="crs"/>.</summary>
    private async Task<(double[] Tile, double[] Marker)> TileAndMarkerAsync(string? crs, double lat, double lon)
    {
        var phone = await fixture.NewPhonePageAsync("zh-CN", new Geolocation { Latitude = (float)lat, Longitude = (float)lon });
        var page = phone.Page;
        await page.RouteAsync("https://tiles.example.invalid/**", route => route.FulfillAsync(new RouteFulfillOptions
        {
            ContentType = "image/png",
            BodyBytes = TilePng,
        }));
        if (crs is not null)
        {
            await page.RouteAsync("**/api/v1/map-config", async route =>
            {
                var response = await route.FetchAsync();
                var config = JsonNode.Parse(await response.TextAsync())!;
                config["tile_crs"] = crs;
                await route.FulfillAsync(new RouteFulfillOptions { Response = response, Body = config.ToJsonString() });
            });
        }
        await page.GotoAsync(fixture.BaseUrl + FormattableString.Invariant($"/#{Zoom}/{lat}/{lon}"));
        await page.WaitForSelectorAsync("body[data-start='linked']", new PageWaitForSelectorOptions { State = WaitForSelectorState.Attached });
        await phone.SettledAsync();
        if (crs is not null)
        {
            await page.WaitForSelectorAsync("#map[data-tile-offset]", new PageWaitForSelectorOptions { State = WaitForSelectorState.Attached });
        }
        var tile = await page.EvaluateAsync<double[]>(
            """
            ([lat, lon, zoom]) => {
              const map = window.facilitiesMap;
              const t = map.project([lat, lon], zoom).divideBy(256).floor();
              const img = [...document.querySelectorAll('.leaflet-tile')].find(i => i.src.endsWith(`/${zoom}/${t.x}/${t.y}.png`));
              const r = img.getBoundingClientRect();
              return [r.left, r.top];
            }
            """, new object[] { lat, lon, Zoom });
        var marker = await page.Locator(".leaflet-marker-pane .leaflet-marker-icon").First.EvaluateAsync<double[]>(
            "m => { const r = m.getBoundingClientRect(); return [r.left, r.top]; }");
        await phone.ScreenshotAsync($"base-map-{crs ?? "wgs84"}");
        await phone.CloseAsync();
        return (tile, marker);
    }

    /// <summary>Web Mercator pixel coordinates at <see cref="Zoom"/>, 256-pixel tiles, as Leaflet projects.</summary>
    private static (double X, double Y) Pixel(double lon, double lat)
    {
        var scale = 256 * Math.Pow(2, Zoom);
        var sin = Math.Sin(lat * Math.PI / 180);
        return ((lon + 180) / 360 * scale, (0.5 - Math.Log((1 + sin) / (1 - sin)) / (4 * Math.PI)) * scale);
    }
}
