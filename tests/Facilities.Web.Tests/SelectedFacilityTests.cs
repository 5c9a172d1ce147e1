using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;

namespace Facilities.Web.Tests;

/// <summary>
/// A facility a resident opens stays in sight above the details sheet, is in the address so a reload or a shared link
/// opens it again, and can be shared through the system's share sheet or, without one, as a copied link.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class SelectedFacilityTests(BrowserFixture fixture)
{
    private static readonly Geolocation Home = new() { Latitude = 32.045f, Longitude = 118.79f };

    [Fact]
    public async Task The_opened_facility_sits_above_the_sheet_is_in_the_address_and_reopens_on_reload()
    {
        var phone = await fixture.NewPhonePageAsync("en-GB", Home);
        var page = phone.Page;
        await page.GotoAsync(fixture.BaseUrl + "/");
        await page.WaitForSelectorAsync("body[data-start='located']", new PageWaitForSelectorOptions { State = WaitForSelectorState.Attached });
        await phone.SettledAsync();

        // The last row of the list is the farthest: the one most likely to be low on the map, where the sheet goes.
        var row = page.Locator("#nearest-list .facility-row").Last;
        var id = await row.GetAttributeAsync("data-id");
        await row.ClickAsync();
        await OpenedAsync(phone, id!);
        await AssertAboveTheSheetAsync(page);
        Assert.EndsWith("/f/" + id, await page.EvaluateAsync<string>("() => location.hash"), StringComparison.Ordinal);
        Assert.Matches(@"^#\d{1,2}/-?\d+\.\d{5}/-?\d+\.\d{5}/f/", await page.EvaluateAsync<string>("() => location.hash"));
        await phone.ScreenshotAsync("selected-facility-above-the-sheet");

        // A reload opens the same facility's details, still in sight.
        await page.ReloadAsync();
        await page.WaitForSelectorAsync("body[data-start='linked']", new PageWaitForSelectorOptions { State = WaitForSelectorState.Attached });
        await OpenedAsync(phone, id!);
        await AssertAboveTheSheetAsync(page);

        // Back to the list: the address keeps the view only.
        await page.ClickAsync("#detail-back");
        await page.WaitForFunctionAsync("() => !location.hash.includes('/f/')");
        Assert.Matches(@"^#\d{1,2}/-?\d+\.\d{5}/-?\d+\.\d{5}$", await page.EvaluateAsync<string>("() => location.hash"));
        await phone.CloseAsync();
    }

    [Fact]
    public async Task Each_facility_opened_from_the_list_is_clear_of_the_sheet_the_map_buttons_and_the_note()
    {
        var phone = await fixture.NewPhonePageAsync("en-GB", Home);
        var page = phone.Page;
        await page.GotoAsync(fixture.BaseUrl + "/");
        await page.WaitForSelectorAsync("body[data-start='located']", new PageWaitForSelectorOptions { State = WaitForSelectorState.Attached });
        await phone.SettledAsync();
        // The tiles fail here, so the note "No base map." is over the map's top: one more thing the ring must be clear of.
        Assert.False(string.IsNullOrEmpty(await page.InnerTextAsync("#note")));
        var rows = await page.Locator("#nearest-list .facility-row").CountAsync();
        Assert.True(rows >= 5, "the resident's list should hold facilities all around them");

        // Each row in turn: facilities east of the resident land by the zoom buttons, west ones by the note. Back on the
        // list the map stays where the last one moved it, so each opening starts from another view.
        for (var i = 0; i < rows; i++)
        {
            var row = page.Locator("#nearest-list .facility-row").Nth(i);
            var id = (await row.GetAttributeAsync("data-id"))!;
            await row.ClickAsync();
            await OpenedAsync(phone, id);
            await AssertInSightAsync(page, $"row {i}");
            if (i == rows - 1)
            {
                await phone.ScreenshotAsync("selected-facility-clear-of-the-buttons");
            }
            await page.ClickAsync("#detail-back");
            await page.WaitForSelectorAsync("#nearest:not([hidden])");
            await phone.SettledAsync();
        }
        await phone.CloseAsync();
    }

    [Fact]
    public async Task A_shared_link_opens_the_facility_centred_and_without_a_share_sheet_the_link_is_copied()
    {
        var phone = await fixture.NewPhonePageAsync("zh-CN");
        var page = phone.Page;
        // What the system share sheet and the clipboard were given; headless Chromium on Linux has neither for real.
        await page.AddInitScriptAsync("""
            window.sharedData = [];
            window.copiedText = [];
            if (location.search.includes('share=1')) {
              navigator.share = data => { window.sharedData.push(data); return Promise.resolve(); };
            } else {
              Object.defineProperty(Navigator.prototype, 'share', { value: undefined, configurable: true });
            }
            Object.defineProperty(navigator, 'clipboard', { value: { writeText: text => { window.copiedText.push(text); return Promise.resolve(); } } });
            """);
        await page.GotoAsync(fixture.BaseUrl + "/?share=1");
        await page.WaitForSelectorAsync("body[data-start='demo-city']", new PageWaitForSelectorOptions { State = WaitForSelectorState.Attached });
        await phone.SettledAsync();

        var row = page.Locator("#nearest-list .facility-row").First;
        var id = (await row.GetAttributeAsync("data-id"))!;
        await row.ClickAsync();
        await OpenedAsync(phone, id);
        Assert.Equal("分享", (await page.InnerTextAsync("#share")).Trim());
        await page.ClickAsync("#share");
        await page.WaitForFunctionAsync("() => window.sharedData.length === 1");
        using var shared = JsonDocument.Parse(await page.EvaluateAsync<string>("() => JSON.stringify(window.sharedData[0])"));
        var url = shared.RootElement.GetProperty("url").GetString()!;
        Assert.StartsWith(fixture.BaseUrl + "/?share=1#", url, StringComparison.Ordinal);
        Assert.EndsWith("/f/" + id, url, StringComparison.Ordinal);
        Assert.Equal(await page.InnerTextAsync("#detail-title"), shared.RootElement.GetProperty("title").GetString());

        // The link alone, in a fresh page: the facility's details, the facility in the middle of the map.
        var other = await fixture.NewPhonePageAsync("zh-CN");
        using var facility = JsonDocument.Parse(await fixture.Api.GetStringAsync($"/api/v1/facilities/{id}"));
        var at = facility.RootElement.GetProperty("geometry").GetProperty("coordinates");
        await other.Page.GotoAsync(fixture.BaseUrl + "/#/f/" + id);
        await other.Page.WaitForSelectorAsync("body[data-start='linked']", new PageWaitForSelectorOptions { State = WaitForSelectorState.Attached });
        await OpenedAsync(other, id);
        await AssertAboveTheSheetAsync(other.Page);
        await other.CloseAsync();

        // Without a share sheet the link goes to the clipboard, and the page says so.
        await page.GotoAsync(url.Replace("?share=1", "", StringComparison.Ordinal));
        await OpenedAsync(phone, id);
        await page.ClickAsync("#share");
        await page.WaitForSelectorAsync("#share-message.done");
        Assert.Equal("链接已复制。", await page.InnerTextAsync("#share-message"));
        var copied = await page.EvaluateAsync<string[]>("() => window.copiedText");
        Assert.Single(copied);
        Assert.EndsWith("/f/" + id, copied[0], StringComparison.Ordinal);
        Assert.Contains(at[1].GetDouble().ToString("0.00000", System.Globalization.CultureInfo.InvariantCulture), copied[0], StringComparison.Ordinal);
        await phone.ScreenshotAsync("selected-facility-link-copied-zh");
        await phone.CloseAsync();
    }

    [Fact]
    public async Task A_link_to_a_facility_that_does_not_exist_opens_the_map_and_says_so()
    {
        var phone = await fixture.NewPhonePageAsync("en-GB");
        var page = phone.Page;
        await page.GotoAsync(fixture.BaseUrl + "/#/f/" + Guid.NewGuid());
        await page.WaitForSelectorAsync("body[data-start='demo-city']", new PageWaitForSelectorOptions { State = WaitForSelectorState.Attached });
        await phone.SettledAsync();
        Assert.True(await page.Locator("#detail").IsHiddenAsync());
        Assert.Contains("The linked facility could not be opened", await page.InnerTextAsync("#note"), StringComparison.Ordinal);
        Assert.DoesNotContain("/f/", await page.EvaluateAsync<string>("() => location.hash"), StringComparison.Ordinal);
        await phone.CloseAsync();
    }

    [Theory]
    [InlineData("zh-CN", 32.045, 118.79, "amap", "导航 · 高德地图")]
    [InlineData("en-GB", 32.045, 118.79, "amap", "Directions · Amap")]
    [InlineData("en-GB", 51.5101, -0.1340, "google", "Directions · Google Maps")]
    public async Task Directions_hand_over_to_the_apps_with_the_servers_links_the_local_app_first(
        string locale, double lat, double lon, string first, string label)
    {
        var phone = await fixture.NewPhonePageAsync(locale, new Geolocation { Latitude = (float)lat, Longitude = (float)lon });
        var page = phone.Page;
        await page.GotoAsync(fixture.BaseUrl + "/");
        await page.WaitForSelectorAsync("body[data-start='located']", new PageWaitForSelectorOptions { State = WaitForSelectorState.Attached });
        await phone.SettledAsync();
        var row = page.Locator("#nearest-list .facility-row").First;
        var id = (await row.GetAttributeAsync("data-id"))!;
        await row.ClickAsync();
        await OpenedAsync(phone, id);

        using var facility = JsonDocument.Parse(await fixture.Api.GetStringAsync($"/api/v1/facilities/{id}"));
        var links = facility.RootElement.GetProperty("links").EnumerateArray()
            .ToDictionary(l => l.GetProperty("app").GetString()!, l => l.GetProperty("href").GetString()!);

        var directions = page.Locator("#directions");
        Assert.Equal(label, (await directions.InnerTextAsync()).Trim());
        Assert.Equal(first, await directions.GetAttributeAsync("data-app"));
        Assert.Equal(links[first], await directions.GetAttributeAsync("href"));

        // The other apps, one tap away, each with the server's link.
        Assert.True(await page.Locator("#directions-others").IsHiddenAsync());
        await page.ClickAsync("#directions-more");
        Assert.Equal("true", await page.GetAttributeAsync("#directions-more", "aria-expanded"));
        var others = await page.Locator("#directions-others a").EvaluateAllAsync<string[][]>("as => as.map(a => [a.dataset.app, a.getAttribute('href')])");
        Assert.Equal(links.Keys.Where(k => k != first).Order(), others.Select(o => o[0]).Order());
        Assert.All(others, o => Assert.Equal(links[o[0]], o[1]));
        await phone.ScreenshotAsync($"directions-{locale}-{first}");
        await phone.CloseAsync();
    }

    // Reference points published with the coordtransform library (README and test/app.js: WGS 84 to GCJ-02 at
    // Tiananmen) and with Hutool's CoordinateUtilTest (WGS 84 to BD-09 at Tiananmen, and at a point in north-east
    // China checked there against tool.lu). Longitude first.
    private static readonly (double Lon, double Lat) Tiananmen = (116.404, 39.915);
    private static readonly (double Lon, double Lat) TiananmenGcj02 = (116.41024449916938, 39.91640428150164);
    private static readonly (double Lon, double Lat) TiananmenBd09 = (116.41662724378733, 39.922699552216216);
    private static readonly (double Lon, double Lat) NorthEast = (122.99395597, 44.99804071);
    private static readonly (double Lon, double Lat) NorthEastBd09 = (123.00636516028885, 45.0063690918959);

    [Fact]
    public async Task Directions_to_facilities_at_published_reference_points_carry_the_published_GCJ_02_and_BD_09_positions()
    {
        using var admin = await SignInAsync(BrowserFixture.AdminEmail, BrowserFixture.AdminPassword);
        var tiananmen = await AdminAddsToiletAsync(admin, Tiananmen, "天安门参考点厕所");
        var northEast = await AdminAddsToiletAsync(admin, NorthEast, "东北参考点厕所");

        var links = await DirectionsOnThePageAsync(tiananmen, "directions-reference-tiananmen");
        // The page's links carry 6 decimals (about 0.1 m); the published values are given to 14.
        AssertNear(TiananmenGcj02, Position(links["amap"], @"to=(?<lon>-?[\d.]+),(?<lat>-?[\d.]+),"));
        AssertNear(TiananmenBd09, Position(links["baidu"], @"destination=latlng:(?<lat>-?[\d.]+),(?<lon>-?[\d.]+)\|"));
        Assert.Contains("daddr=39.915,116.404&", links["apple"], StringComparison.Ordinal);
        Assert.Contains("destination=39.915,116.404&", links["google"], StringComparison.Ordinal);
        Assert.StartsWith("geo:39.915,116.404?", links["geo"], StringComparison.Ordinal);

        links = await DirectionsOnThePageAsync(northEast, "directions-reference-north-east");
        AssertNear(NorthEastBd09, Position(links["baidu"], @"destination=latlng:(?<lat>-?[\d.]+),(?<lon>-?[\d.]+)\|"));
        Assert.Contains("daddr=44.998041,122.993956&", links["apple"], StringComparison.Ordinal);
    }

    /// <summary>Every directions link on the facility's details, by app, as the page shows them (the others expanded), in Chinese.</summary>
    private async Task<Dictionary<string, string>> DirectionsOnThePageAsync(string id, string screenshot)
    {
        var phone = await fixture.NewPhonePageAsync("zh-CN");
        var page = phone.Page;
        await page.GotoAsync(fixture.BaseUrl + "/#/f/" + id);
        await page.WaitForSelectorAsync("body[data-start='linked']", new PageWaitForSelectorOptions { State = WaitForSelectorState.Attached });
        await OpenedAsync(phone, id);
        Assert.Equal("amap", await page.GetAttributeAsync("#directions", "data-app"));
        await page.ClickAsync("#directions-more");
        var links = (await page.Locator("#detail a[data-app]").EvaluateAllAsync<string[][]>("as => as.map(a => [a.dataset.app, a.getAttribute('href')])"))
            .ToDictionary(l => l[0], l => l[1]);
        Assert.Equal(["amap", "apple", "baidu", "geo", "google"], links.Keys.Order());
        await phone.ScreenshotAsync(screenshot);
        await phone.CloseAsync();
        return links;
    }

    private static (double Lon, double Lat) Position(string href, string pattern)
    {
        var m = System.Text.RegularExpressions.Regex.Match(href, pattern);
        Assert.True(m.Success, href);
        return (double.Parse(m.Groups["lon"].Value, System.Globalization.CultureInfo.InvariantCulture),
            double.Parse(m.Groups["lat"].Value, System.Globalization.CultureInfo.InvariantCulture));
    }

    private static void AssertNear((double Lon, double Lat) expected, (double Lon, double Lat) actual)
    {
        Assert.Equal(expected.Lon, actual.Lon, 1e-6);
        Assert.Equal(expected.Lat, actual.Lat, 1e-6);
    }

    private async Task<HttpClient> SignInAsync(string email, string password)
    {
        using var response = await fixture.Api.PostAsJsonAsync("/api/v1/auth/login", new { email, password });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        using var json = JsonDocument.Parse(body);
        var client = new HttpClient { BaseAddress = new Uri(fixture.BaseUrl) };
        client.DefaultRequestHeaders.Authorization = new("Bearer", json.RootElement.GetProperty("access_token").GetString());
        return client;
    }

    /// <summary>A toilet the admin adds at a WGS 84 position, applied at once: its id.</summary>
    private static async Task<string> AdminAddsToiletAsync(HttpClient admin, (double Lon, double Lat) at, string name)
    {
        using var response = await admin.PostAsJsonAsync("/api/v1/proposals", new
        {
            kind = "create",
            location = new { lat = at.Lat, lon = at.Lon },
            changes = new { category = "toilet", name },
            comment = "A reference point for the directions links",
        });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        using var created = JsonDocument.Parse(body);
        Assert.Equal("accepted", created.RootElement.GetProperty("state").GetString());
        return created.RootElement.GetProperty("facility_id").GetString()!;
    }

    private static async Task OpenedAsync(PhonePage phone, string id)
    {
        await phone.Page.WaitForSelectorAsync("#detail:not([hidden])");
        await phone.SettledAsync();
        await phone.Page.WaitForSelectorAsync("path.selected-ring", new PageWaitForSelectorOptions { State = WaitForSelectorState.Attached });
        Assert.EndsWith("/f/" + id, await phone.Page.EvaluateAsync<string>("() => location.hash"), StringComparison.Ordinal);
    }

    /// <summary>
    /// The selected facility's ring is inside the part of the map the sheet leaves uncovered, and no map button, the
    /// attribution or the note over the map covers any of it.
    /// </summary>
    private static async Task AssertInSightAsync(IPage page, string which)
    {
        const string InSight = """
            () => {
              const ring = document.querySelector('path.selected-ring').getBoundingClientRect();
              const map = document.getElementById('map').getBoundingClientRect();
              const sheet = document.getElementById('sheet').getBoundingClientRect();
              const covers = r => r.width > 0 && r.height > 0 && ring.left < r.right && ring.right > r.left && ring.top < r.bottom && ring.bottom > r.top;
              const covered = [...document.querySelectorAll('#map .leaflet-control, #note')].some(e => covers(e.getBoundingClientRect()));
              return ring.width > 0 && ring.top >= map.top && ring.bottom <= Math.min(map.bottom, sheet.top) && ring.left >= map.left
                && ring.right <= map.right && !covered;
            }
            """;
        try
        {
            await page.WaitForFunctionAsync(InSight, null, new PageWaitForFunctionOptions { Timeout = 5000 });
        }
        catch (TimeoutException)
        {
            var boxes = await page.EvaluateAsync<string>("""
                () => JSON.stringify([...document.querySelectorAll('path.selected-ring, #map, #sheet, #note, #map .leaflet-control')]
                  .map(e => { const r = e.getBoundingClientRect(); return [e.id || e.getAttribute('class'), r.left, r.top, r.right, r.bottom]; }))
                """);
            Assert.Fail($"the selected facility ({which}) is covered or out of sight: " + boxes);
        }
    }

    /// <summary>The selected facility's ring is wholly inside the part of the map the sheet leaves uncovered.</summary>
    private static async Task AssertAboveTheSheetAsync(IPage page)
    {
        // The pan that brings it into view may still be running: wait until the ring is in view, then measure.
        const string Inside = """
            () => {
              const ring = document.querySelector('path.selected-ring').getBoundingClientRect();
              const map = document.getElementById('map').getBoundingClientRect();
              const sheet = document.getElementById('sheet').getBoundingClientRect();
              return ring.width > 0 && ring.top >= map.top && ring.bottom <= Math.min(map.bottom, sheet.top) && ring.left >= map.left && ring.right <= map.right;
            }
            """;
        try
        {
            await page.WaitForFunctionAsync(Inside, null, new PageWaitForFunctionOptions { Timeout = 5000 });
        }
        catch (TimeoutException)
        {
            var boxes = await page.EvaluateAsync<string>("""
                () => JSON.stringify(['path.selected-ring', '#map', '#sheet'].map(s => document.querySelector(s).getBoundingClientRect()))
                """);
            Assert.Fail("the selected facility is not above the sheet: " + boxes);
        }
    }
}
