using System.Globalization;
using System.Text.Json;
using Microsoft.Playwright;

namespace Facilities.Web.Tests;

/// <summary>
/// Always an answer: nothing near that matches still shows the nearest match, however far (up to the API's widest
/// radius), and a filtered map with nothing in view zooms out until the list's first answer is on it.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class NearestBeyondTests(BrowserFixture fixture)
{
    [Theory]
    [InlineData("en-GB", "Nothing within 2 km. Nearest matching: {0} km", "{0} km", "{0} · {1} min walk")]
    [InlineData("zh-CN", "2 公里内没有。最近的符合条件的设施：{0} 公里", "{0} 公里", "{0} · 步行 {1} 分钟")]
    public async Task With_no_match_within_2_km_the_nearest_beyond_is_listed_with_its_distance_and_brought_into_view(
        string locale, string expected, string kilometres, string walk)
    {
        // Farmland north-west of Nanjing, some 20 km from the nearest demo toilet.
        const double Lat = 32.25, Lon = 118.60;
        var filters = "&category=toilet";
        var origin = string.Create(CultureInfo.InvariantCulture, $"lat={Lat:0.000000}&lon={Lon:0.000000}");
        using (var near = JsonDocument.Parse(await fixture.Api.GetStringAsync($"/api/v1/facilities/nearby?{origin}&radius_m=2000&limit=10{filters}")))
        {
            Assert.Empty(near.RootElement.GetProperty("features").EnumerateArray());
        }
        using var config = JsonDocument.Parse(await fixture.Api.GetStringAsync("/api/v1/map-config"));
        var maxRadius = config.RootElement.GetProperty("nearby_max_radius_m").GetDouble();
        using var far = JsonDocument.Parse(await fixture.Api.GetStringAsync(
            string.Create(CultureInfo.InvariantCulture, $"/api/v1/facilities/nearby?{origin}&radius_m={maxRadius}&limit=1{filters}")));
        var nearest = far.RootElement.GetProperty("features")[0];
        var distance = nearest.GetProperty("properties").GetProperty("distance_m").GetDouble();
        Assert.InRange(distance, 2000, maxRadius);

        var phone = await fixture.NewPhonePageAsync(locale, new Geolocation { Latitude = (float)Lat, Longitude = (float)Lon });
        var page = phone.Page;
        await page.GotoAsync(fixture.BaseUrl + "/");
        await page.WaitForSelectorAsync("body[data-start='located']", new PageWaitForSelectorOptions { State = WaitForSelectorState.Attached });
        await phone.SettledAsync();
        await page.ClickAsync("#filters-toggle");
        await page.SelectOptionAsync("#category", "toilet");
        await page.ClickAsync("#filters-done");
        await page.WaitForFunctionAsync("() => window.facilitiesMap.getZoom() < 16");
        await phone.SettledAsync();

        Assert.Equal([nearest.GetProperty("id").GetString()!],
            await page.Locator("#nearest-list .facility-row").EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.id)"));
        Assert.Equal(string.Format(CultureInfo.InvariantCulture, expected, (distance / 1000).ToString("0.0", CultureInfo.InvariantCulture)),
            await page.InnerTextAsync("#nearest-empty"));
        // Twenty-odd kilometres is no walk: the row gives the distance alone, and so does the opened facility.
        var km = (distance / 1000).ToString("0.0", CultureInfo.InvariantCulture);
        Assert.Equal(string.Format(CultureInfo.InvariantCulture, kilometres, km),
            await page.InnerTextAsync("#nearest-list .facility-row .row-distance"));
        // Either side of the bound, an hour's walk at 80 m a minute, through the page's own formatting.
        Assert.Equal(string.Format(CultureInfo.InvariantCulture, walk, string.Format(CultureInfo.InvariantCulture, kilometres, "4.8"), 60),
            await page.EvaluateAsync<string>("() => FacilitiesI18n.walk(4800)"));
        Assert.Equal(string.Format(CultureInfo.InvariantCulture, kilometres, "4.8"),
            await page.EvaluateAsync<string>("() => FacilitiesI18n.walk(4801)"));
        await AssertInViewAsync(page, nearest);
        // Zoomed out that far, the answer is at the city's edge among its other toilets: the map goes on zooming in
        // around it until it is a marker of its own, on the part of the map above the list.
        await page.WaitForFunctionAsync("""
            id => {
              const marker = document.querySelector(`#map .facility-marker[data-id="${id}"]`);
              if (!marker) { return false; }
              const r = marker.getBoundingClientRect(), map = document.getElementById('map').getBoundingClientRect();
              return r.top >= map.top && r.bottom <= Math.min(map.bottom, document.getElementById('sheet').getBoundingClientRect().top)
                && r.left >= map.left && r.right <= map.right;
            }
            """, nearest.GetProperty("id").GetString());
        await phone.SettledAsync();
        await AssertInViewAsync(page, nearest);
        await phone.ScreenshotAsync($"nearest-beyond-{locale}");
        await phone.CloseAsync();
    }

    [Fact]
    public async Task A_filter_whose_matches_are_all_outside_the_view_zooms_the_map_out_to_the_first()
    {
        var home = new Geolocation { Latitude = 32.045f, Longitude = 118.79f };
        var phone = await fixture.NewPhonePageAsync("en-GB", home);
        var page = phone.Page;
        await page.GotoAsync(fixture.BaseUrl + "/");
        await page.WaitForSelectorAsync("body[data-start='located']", new PageWaitForSelectorOptions { State = WaitForSelectorState.Attached });
        await phone.SettledAsync();
        var zoom = await page.EvaluateAsync<int>("() => window.facilitiesMap.getZoom()");

        var origin = string.Create(CultureInfo.InvariantCulture, $"lat={home.Latitude:0.000000}&lon={home.Longitude:0.000000}");
        using var showers = JsonDocument.Parse(await fixture.Api.GetStringAsync($"/api/v1/facilities/nearby?{origin}&radius_m=2000&limit=10&category=shower"));
        var first = showers.RootElement.GetProperty("features")[0];
        var at = first.GetProperty("geometry").GetProperty("coordinates");
        Assert.False(await page.EvaluateAsync<bool>("([lat, lon]) => window.facilitiesMap.getBounds().contains([lat, lon])",
            new object[] { at[1].GetDouble(), at[0].GetDouble() }), "the nearest shower should start outside the view");

        await page.ClickAsync("#filters-toggle");
        await page.SelectOptionAsync("#category", "shower");
        await page.ClickAsync("#filters-done");
        await page.WaitForFunctionAsync($"() => window.facilitiesMap.getZoom() < {zoom}");
        // The zoom changes as the move starts; the markers of the new view come after it ends.
        await page.WaitForFunctionAsync("() => document.querySelectorAll('#map [data-count]').length > 0");
        await phone.SettledAsync();

        Assert.Equal(first.GetProperty("id").GetString(), await page.Locator("#nearest-list .facility-row").First.GetAttributeAsync("data-id"));
        await AssertInViewAsync(page, first);
        Assert.True(await page.Locator("#map [data-count]").CountAsync() > 0, "the zoomed-out map should show the showers");
        await phone.ScreenshotAsync("filtered-map-zoomed-out-to-the-first");
        await phone.CloseAsync();
    }

    [Fact]
    public async Task Filters_the_map_cannot_cluster_by_with_every_match_outside_the_view_zoom_the_map_out_to_the_lists_first()
    {
        // The case: toilet and attribute filters in Nanjing, the list showing a match that the map does not.
        // Attribute filters take the map off the clusters endpoint onto the filtered bbox list, grouped in the page.
        var home = new Geolocation { Latitude = 32.045f, Longitude = 118.79f };
        var phone = await fixture.NewPhonePageAsync("en-GB", home);
        var page = phone.Page;
        await page.GotoAsync(fixture.BaseUrl + "/");
        await page.WaitForSelectorAsync("body[data-start='located']", new PageWaitForSelectorOptions { State = WaitForSelectorState.Attached });
        await phone.SettledAsync();
        var zoom = await page.EvaluateAsync<int>("() => window.facilitiesMap.getZoom()");

        var origin = string.Create(CultureInfo.InvariantCulture, $"lat={home.Latitude:0.000000}&lon={home.Longitude:0.000000}");
        using var matches = JsonDocument.Parse(await fixture.Api.GetStringAsync(
            $"/api/v1/facilities/nearby?{origin}&radius_m=2000&limit=10&category=toilet&wheelchair=yes&changing_table=true"));
        var first = matches.RootElement.GetProperty("features")[0];
        var at = first.GetProperty("geometry").GetProperty("coordinates");
        Assert.False(await page.EvaluateAsync<bool>("([lat, lon]) => window.facilitiesMap.getBounds().contains([lat, lon])",
            new object[] { at[1].GetDouble(), at[0].GetDouble() }), "the nearest match should start outside the view");

        await page.ClickAsync("#filters-toggle");
        await page.SelectOptionAsync("#category", "toilet");
        await page.Locator("input[name='wheelchair']").CheckAsync();
        await page.Locator("input[name='changing_table']").CheckAsync();
        await page.ClickAsync("#filters-done");
        await page.WaitForFunctionAsync($"() => window.facilitiesMap.getZoom() < {zoom}");
        await page.WaitForFunctionAsync("() => document.querySelectorAll('#map [data-count]').length > 0");
        await phone.SettledAsync();

        Assert.Equal("Filters (3)", await page.GetAttributeAsync("#filters-toggle", "aria-label"));
        Assert.Equal(first.GetProperty("id").GetString(), await page.Locator("#nearest-list .facility-row").First.GetAttributeAsync("data-id"));
        await AssertInViewAsync(page, first);
        // What the map draws is the filtered list's, not every toilet's: the first match is a marker of its own, on
        // the part of the map the resident sees.
        Assert.True(await page.EvaluateAsync<bool>("""
            id => {
              const marker = document.querySelector(`#map .facility-marker[data-id="${id}"]`);
              if (!marker) { return false; }
              const r = marker.getBoundingClientRect(), map = document.getElementById('map').getBoundingClientRect();
              return r.top >= map.top && r.bottom <= Math.min(map.bottom, document.getElementById('sheet').getBoundingClientRect().top)
                && r.left >= map.left && r.right <= map.right;
            }
            """, first.GetProperty("id").GetString()), "the first match should be a marker on the visible map");
        Assert.DoesNotContain("Zoom in to filter", await page.InnerTextAsync("#note"), StringComparison.Ordinal);
        await phone.ScreenshotAsync("attribute-filtered-map-zoomed-out-to-the-first");
        await phone.CloseAsync();
    }

    [Fact]
    public async Task What_the_map_counts_as_in_view_is_what_the_resident_sees_above_the_list()
    {
        // The map opens on the resident before the list has filled the sheet under it, which then takes some of the
        // map's height: the map must know, or "in view" (the zoom-out above, the list's "nearest to you") counts what
        // the sheet covers.
        var phone = await fixture.NewPhonePageAsync("en-GB", new Geolocation { Latitude = 32.045f, Longitude = 118.79f });
        var page = phone.Page;
        await page.GotoAsync(fixture.BaseUrl + "/");
        await page.WaitForSelectorAsync("body[data-start='located']", new PageWaitForSelectorOptions { State = WaitForSelectorState.Attached });
        await phone.SettledAsync();
        Assert.True(await page.Locator("#nearest-list .facility-row").CountAsync() > 3);
        var size = await page.EvaluateAsync<double[]>("""
            () => {
              const known = window.facilitiesMap.getSize(), map = document.getElementById('map');
              const you = window.facilitiesMap.latLngToContainerPoint(window.FacilitiesPage.state.user);
              return [known.x, known.y, map.clientWidth, map.clientHeight, you.x, you.y];
            }
            """);
        Assert.Equal(size[2], size[0]);
        Assert.Equal(size[3], size[1]);
        // Opened on the resident, the map has them in the middle of what they see.
        Assert.Equal(size[2] / 2, size[4], 2.0);
        Assert.Equal(size[3] / 2, size[5], 2.0);
        await phone.ScreenshotAsync("located-in-the-middle");
        await phone.CloseAsync();
    }

    private static async Task AssertInViewAsync(IPage page, JsonElement feature)
    {
        var at = feature.GetProperty("geometry").GetProperty("coordinates");
        Assert.True(await page.EvaluateAsync<bool>("([lat, lon]) => window.facilitiesMap.getBounds().contains([lat, lon])",
            new object[] { at[1].GetDouble(), at[0].GetDouble() }), "the list's first answer should be in the map's view");
    }
}
