using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;

namespace Facilities.Web.Tests;

[CollectionDefinition(Name)]
public sealed class BrowserCollection : ICollectionFixture<BrowserFixture>
{
    public const string Name = "browser";
}

/// <summary>
/// A resident on a phone, in each language: found or not found, the nearest list, clusters and markers, filters, a
/// facility's details with their sources, and the "still here" / "report a problem" buttons. The page is checked
/// against the API's own answers, not against numbers written into the test.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class ResidentMapTests(BrowserFixture fixture)
{
    /// <summary>Near Nanjing's Confucius Temple, 2.5 km from where the demo city opens: the map must come here.</summary>
    private static readonly Position Home = new(32.045, 118.79);

    private sealed record Position(double Lat, double Lon)
    {
        public string Query => string.Create(CultureInfo.InvariantCulture, $"lat={Lat:0.000000}&lon={Lon:0.000000}");
    }

    private sealed record Words(
        string Lang, string Filters, string FiltersTwo, string NearestToYou, string NearestToCentre, string DrinkingWater,
        string SignInToConfirm, string Confirmed, string Reported, string Official, string Community, string NoBaseMap, string DemoCity,
        string ZoomInToFilter)
    {
        public static Words For(string locale) => locale.StartsWith("zh", StringComparison.Ordinal)
            ? new("zh-Hans", "筛选", "筛选（2）", "离你最近", "离地图中心最近", "饮水点",
                "登录后才能确认此设施仍在。", "谢谢：已记录你的确认。", "谢谢：你的报告已提交。", "官方", "社区", "底图无法加载。", "南京", "请放大地图以筛选")
            : new("en", "Filters", "Filters (2)", "Nearest to you", "Nearest to the map centre", "Drinking water",
                "Sign in to confirm that this facility is still here.", "Thank you: your confirmation was recorded.",
                "Thank you: your report was sent.",
                "Official", "Community", "No base map.", "Nanjing", "Zoom in to filter the map");

        /// <summary>"120 m · 2 min walk": the straight-line distance, and minutes at 80 m a minute rounded up, up to an hour.</summary>
        public string Walk(double metres)
        {
            var minutes = Math.Max(1, (int)Math.Ceiling(metres / 80));
            var distance = metres < 1000
                ? Math.Round(metres, MidpointRounding.AwayFromZero).ToString(CultureInfo.InvariantCulture) + (Lang == "en" ? " m" : " 米")
                : (metres / 1000).ToString("0.0", CultureInfo.InvariantCulture) + (Lang == "en" ? " km" : " 公里");
            if (minutes > 60) { return distance; }
            return Lang == "en" ? $"{distance} · {minutes} min walk" : $"{distance} · 步行 {minutes} 分钟";
        }
    }

    [Theory]
    [InlineData("en-GB")]
    [InlineData("zh-CN")]
    public async Task Resident_located_on_a_phone_finds_the_nearest_filters_zooms_in_and_reads_the_sources(string locale)
    {
        var words = Words.For(locale);
        var phone = await fixture.NewPhonePageAsync(locale, new Geolocation { Latitude = (float)Home.Lat, Longitude = (float)Home.Lon });
        var page = phone.Page;
        await page.GotoAsync(fixture.BaseUrl + "/");
        await page.WaitForSelectorAsync("body[data-start='located']", new PageWaitForSelectorOptions { State = WaitForSelectorState.Attached });
        await phone.SettledAsync();

        // Opens on the resident, in the browser's language.
        Assert.Equal(words.Lang, await page.GetAttributeAsync("html", "lang"));
        var centre = await page.EvaluateAsync<JsonElement>("() => window.facilitiesMap.getCenter()");
        Assert.Equal(Home.Lat, centre.GetProperty("lat").GetDouble(), 5);
        Assert.Equal(Home.Lon, centre.GetProperty("lng").GetDouble(), 5);
        Assert.Equal(words.Filters, await page.GetAttributeAsync("#filters-toggle", "aria-label"));
        Assert.Equal(words.NearestToYou, await page.InnerTextAsync("#nearest-title"));

        // The nearest list is the API's answer for the resident's position: nearest first, with walking distances.
        await AssertNearestListIsTheApisAsync(page, Home, "", words);

        // Zoomed out over the city, facilities are clusters.
        await SetViewAsync(phone, Home, 11);
        Assert.True(await page.Locator(".cluster").CountAsync() > 0, "zoomed out, the map should show clusters");
        var everything = await CountOnMapAsync(page);
        // The precomputed grid counts whole cells, and the cells on the edge reach past the view.
        Assert.True(everything >= await CountInViewAsync(page, ""), "the clusters should cover every facility in view");

        // A category filter, then one the clusters endpoint cannot apply: the map, its counts and the list follow.
        await page.ClickAsync("#filters-toggle");
        var categoryOptions = await page.Locator("#category option").AllInnerTextsAsync();
        Assert.Contains(words.DrinkingWater, categoryOptions);
        await page.SelectOptionAsync("#category", "drinking_water");
        await phone.SettledAsync();
        var water = await CountOnMapAsync(page);
        Assert.InRange(water, 1, everything - 1);
        await page.Locator("input[name='wheelchair']").CheckAsync();
        await phone.SettledAsync();
        var accessibleWater = await CountOnMapAsync(page);
        Assert.InRange(accessibleWater, 1, water - 1);
        Assert.Equal(await CountInViewAsync(page, "&category=drinking_water&wheelchair=yes"), accessibleWater);
        Assert.Equal(words.FiltersTwo, await page.GetAttributeAsync("#filters-toggle", "aria-label"));
        Assert.Equal("2", (await page.InnerTextAsync("#filters-toggle")).Trim());
        await AssertFitsThePhoneAndEveryControlIsNamedAsync(page);
        await phone.ScreenshotAsync($"resident-{locale}-filters");
        await page.ClickAsync("#filters-done");
        await phone.ScreenshotAsync($"resident-{locale}-filtered-clusters");
        var nearest = await AssertNearestListIsTheApisAsync(page, Home, "&category=drinking_water&wheelchair=yes", words);

        // Too wide a view for the filtered list (over 2 degrees): category clusters, and the map says to zoom in.
        await SetViewAsync(phone, Home, 7);
        Assert.Contains(words.ZoomInToFilter, await page.InnerTextAsync("#note"), StringComparison.Ordinal);
        Assert.True(await CountOnMapAsync(page) >= water, "wide views fall back to the category's clusters");

        // Close in on the nearest of them: single facilities are markers, and tapping one opens its details.
        var first = nearest[0];
        var at = first.GetProperty("geometry").GetProperty("coordinates");
        var id = first.GetProperty("id").GetString()!;
        await SetViewAsync(phone, new Position(at[1].GetDouble(), at[0].GetDouble()), 18);
        Assert.True(await page.Locator(".facility-marker").CountAsync() > 0, "zoomed in, single facilities should be markers");
        await page.Locator($".facility-marker[data-id='{id}']").ClickAsync();
        await page.WaitForSelectorAsync("#detail:not([hidden])");
        await phone.SettledAsync();
        await AssertDetailShowsTheFacilityAndItsSourcesAsync(page, id, words);

        // Not signed in, "still here" says to sign in; signed in (the sign-up answer stored as the sign-in form stores
        // it), it posts to the API with the bearer token, and the API records the confirmation.
        await page.ClickAsync("#still-here");
        Assert.Equal(words.SignInToConfirm, await page.InnerTextAsync("#action-message"));
        using var account = await RegisterAsync();
        var token = account.RootElement.GetProperty("access_token").GetString();
        await page.EvaluateAsync("auth => localStorage.setItem('facilities.auth', auth)", account.RootElement.GetRawText());
        string? authorization = null;
        await page.RouteAsync($"**/api/v1/facilities/{id}/confirmations", route =>
        {
            authorization = route.Request.Headers.GetValueOrDefault("authorization");
            return route.ContinueAsync();
        });
        await page.ClickAsync("#still-here");
        await page.WaitForSelectorAsync("#action-message.done");
        await phone.SettledAsync();
        Assert.Equal(words.Confirmed, await page.InnerTextAsync("#action-message"));
        Assert.Equal("Bearer " + token, authorization);

        // A report the API refuses shows the API's words next to the field it names (the page never sends a blank
        // comment, so this one refusal is staged); the next goes to the API, which takes it, and is thanked for.
        await page.ClickAsync("#report");
        await page.SelectOptionAsync("#report-reason", "dirty");
        await page.FillAsync("#report-comment", "Soap dispenser broken");
        var reports = new List<string>();
        await page.RouteAsync($"**/api/v1/facilities/{id}/reports", route =>
        {
            reports.Add(route.Request.PostData ?? "");
            return reports.Count == 1
                ? route.FulfillAsync(new RouteFulfillOptions
                {
                    Status = 400,
                    ContentType = "application/problem+json",
                    Body = """{"type":"about:blank","title":"Invalid","status":400,"detail":"One field is invalid.","errors":{"comment":["Is too short."]}}""",
                })
                : route.ContinueAsync();
        });
        await page.ClickAsync("#report-form button[type='submit']");
        await page.WaitForSelectorAsync("#report-comment-error:not(:empty)");
        Assert.Equal("Is too short.", await page.InnerTextAsync("#report-comment-error"));
        Assert.Equal("true", await page.GetAttributeAsync("#report-comment", "aria-invalid"));
        await page.ClickAsync("#report-form button[type='submit']");
        await page.WaitForSelectorAsync("#report-form", new PageWaitForSelectorOptions { State = WaitForSelectorState.Hidden });
        Assert.Equal(words.Reported, await page.InnerTextAsync("#action-message"));
        using (var sent = JsonDocument.Parse(reports[1]))
        {
            Assert.Equal("dirty", sent.RootElement.GetProperty("reason").GetString());
            Assert.Equal("Soap dispenser broken", sent.RootElement.GetProperty("comment").GetString());
        }

        await AssertFitsThePhoneAndEveryControlIsNamedAsync(page);
        await phone.ScreenshotAsync($"resident-{locale}-details");
        await phone.CloseAsync();
    }

    [Fact]
    public async Task Resident_who_refuses_location_sees_the_demo_city_without_a_base_map_switches_to_Chinese_and_keeps_the_view_in_the_address()
    {
        var phone = await fixture.NewPhonePageAsync("en-GB");
        var page = phone.Page;
        await page.GotoAsync(fixture.BaseUrl + "/");
        await page.WaitForSelectorAsync("body[data-start='demo-city']", new PageWaitForSelectorOptions { State = WaitForSelectorState.Attached });
        await phone.SettledAsync();

        using var config = JsonDocument.Parse(await fixture.Api.GetStringAsync("/api/v1/map-config"));
        var city = config.RootElement.GetProperty("demo_city");
        var centre = await page.EvaluateAsync<JsonElement>("() => ({ c: window.facilitiesMap.getCenter(), z: window.facilitiesMap.getZoom() })");
        Assert.Equal(city.GetProperty("lat").GetDouble(), centre.GetProperty("c").GetProperty("lat").GetDouble(), 5);
        Assert.Equal(city.GetProperty("lon").GetDouble(), centre.GetProperty("c").GetProperty("lng").GetDouble(), 5);
        Assert.Equal(city.GetProperty("zoom").GetInt32(), centre.GetProperty("z").GetInt32());
        Assert.True(await page.Locator(".cluster, .facility-marker").CountAsync() > 0, "the demo city should show facilities");

        // The base map comes from configuration; it fails, quietly.
        var en = Words.For("en-GB");
        Assert.NotEmpty(phone.FailedTiles);
        Assert.All(phone.FailedTiles, url => Assert.StartsWith("https://tiles.example.invalid/", url, StringComparison.Ordinal));
        Assert.Contains("Test tiles © nobody", await page.InnerTextAsync(".leaflet-control-attribution"), StringComparison.Ordinal);
        var note = await page.InnerTextAsync("#note");
        Assert.Contains(en.DemoCity, note, StringComparison.Ordinal);
        Assert.Contains(en.NoBaseMap, note, StringComparison.Ordinal);

        // Without the resident's position the list is nearest to the map centre.
        Assert.Equal(en.NearestToCentre, await page.InnerTextAsync("#nearest-title"));
        var origin = new Position(city.GetProperty("lat").GetDouble(), city.GetProperty("lon").GetDouble());
        await AssertNearestListIsTheApisAsync(page, origin, "", en);

        // One tap switches every word to Chinese: the page's, the categories' and the notes'.
        var zh = Words.For("zh-CN");
        await page.ClickAsync("#language");
        Assert.Equal("zh-Hans", await page.GetAttributeAsync("html", "lang"));
        Assert.Equal(zh.Filters, await page.GetAttributeAsync("#filters-toggle", "aria-label"));
        Assert.Equal(zh.NearestToCentre, await page.InnerTextAsync("#nearest-title"));
        Assert.Contains(zh.DrinkingWater, await page.Locator("#category option").AllInnerTextsAsync());
        note = await page.InnerTextAsync("#note");
        Assert.Contains(zh.DemoCity, note, StringComparison.Ordinal);
        Assert.Contains(zh.NoBaseMap, note, StringComparison.Ordinal);
        await AssertNearestListIsTheApisAsync(page, origin, "", zh);
        Assert.Equal("English", await page.InnerTextAsync("#language"));

        // By keyboard alone: skip to the list, open the nearest facility, Escape back to the same row; a marker opens
        // with Enter too.
        await page.FocusAsync(".skip");
        await page.Keyboard.PressAsync("Enter");
        await page.Keyboard.PressAsync("Tab");
        await page.Keyboard.PressAsync("Tab");
        var row = await page.EvaluateAsync<string>("() => document.activeElement.dataset.id");
        Assert.Equal(await page.Locator("#nearest-list .facility-row").First.GetAttributeAsync("data-id"), row);
        await page.Keyboard.PressAsync("Enter");
        await page.WaitForSelectorAsync("#detail:not([hidden])");
        await phone.SettledAsync();
        Assert.Equal("detail-title", await page.EvaluateAsync<string>("() => document.activeElement.id"));
        await page.Keyboard.PressAsync("Escape");
        Assert.True(await page.Locator("#detail").IsHiddenAsync());
        Assert.Equal(row, await page.EvaluateAsync<string>("() => document.activeElement.dataset.id"));
        // Closing the detail may reload the markers of the view; focus one only once they are drawn, or (on a slow
        // machine) the marker focused can be replaced before Enter reaches it.
        await phone.SettledAsync();
        await page.Locator(".facility-marker").First.FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await page.WaitForSelectorAsync("#detail:not([hidden])");
        await phone.SettledAsync();
        await page.Keyboard.PressAsync("Escape");

        // The address keeps the view (#zoom/lat/lon), so a link or a reload opens the same place, in the chosen language.
        // Opening a marker's detail may pan the map to keep the marker above the sheet, and the address follows at the
        // move's end: compare once the map is at rest (on a loaded machine the pan can still be running here).
        const string ViewScript = "() => { const c = window.facilitiesMap.getCenter(); return `#${window.facilitiesMap.getZoom()}/${c.lat.toFixed(5)}/${c.lng.toFixed(5)}`; }";
        await phone.SettledAsync();
        await page.WaitForFunctionAsync($"() => location.hash === ({ViewScript})()");
        var hash = await page.EvaluateAsync<string>("() => location.hash");
        var view = await page.EvaluateAsync<string>(ViewScript);
        Assert.Equal(view, hash);
        await page.ReloadAsync();
        await page.WaitForSelectorAsync("body[data-start='linked']", new PageWaitForSelectorOptions { State = WaitForSelectorState.Attached });
        await phone.SettledAsync();
        Assert.Equal(view, await page.EvaluateAsync<string>("() => location.hash"));
        Assert.Equal("zh-Hans", await page.GetAttributeAsync("html", "lang"));

        await AssertFitsThePhoneAndEveryControlIsNamedAsync(page);
        await phone.ScreenshotAsync("resident-refused-location-switched-to-zh");
        await phone.CloseAsync();
    }

    [Theory]
    [InlineData("en-GB", "Facilities", "Filters (3)")]
    [InlineData("zh-CN", "设施地图", "筛选（3）")]
    public async Task The_header_title_is_whole_on_the_phone_with_three_filters_set(string locale, string title, string filtersName)
    {
        var phone = await fixture.NewPhonePageAsync(locale, new Geolocation { Latitude = (float)Home.Lat, Longitude = (float)Home.Lon });
        var page = phone.Page;
        await page.GotoAsync(fixture.BaseUrl + "/");
        await page.WaitForSelectorAsync("body[data-start='located']", new PageWaitForSelectorOptions { State = WaitForSelectorState.Attached });
        await phone.SettledAsync();
        await page.ClickAsync("#filters-toggle");
        await page.SelectOptionAsync("#category", "toilet");
        await page.Locator("input[name='wheelchair']").CheckAsync();
        await page.Locator("input[name='changing_table']").CheckAsync();
        await page.ClickAsync("#filters-done");
        await phone.SettledAsync();

        // The filter button is an icon and the count; its name, what a screen reader says, keeps the words.
        Assert.Equal(filtersName, await page.GetAttributeAsync("#filters-toggle", "aria-label"));
        Assert.Equal("3", (await page.InnerTextAsync("#filters-toggle")).Trim());
        Assert.Equal(title, await page.InnerTextAsync(".bar h1"));
        var size = await page.EvaluateAsync<int[]>("() => { const h = document.querySelector('.bar h1'); return [h.scrollWidth, h.clientWidth]; }");
        Assert.True(size[0] <= size[1], $"the title is clipped: {size[0]} px of text in {size[1]} px");
        // Every header button is on the screen and none is squeezed under a finger's width.
        var buttons = await page.EvaluateAsync<double[][]>("() => [...document.querySelectorAll('.bar .bar-button')].map(b => { const r = b.getBoundingClientRect(); return [r.left, r.right, r.width]; })");
        Assert.All(buttons, b => Assert.True(b[0] >= 0 && b[1] <= 390 && b[2] >= 44, $"a header button spans {b[0]}–{b[1]} px"));
        await AssertFitsThePhoneAndEveryControlIsNamedAsync(page);
        await phone.ScreenshotAsync($"resident-{locale}-header-three-filters");
        await phone.CloseAsync();
    }

    [Fact]
    public async Task Demo_data_says_it_is_invented_in_both_languages_until_the_resident_dismisses_it_for_the_visit()
    {
        // The fixture loads data-seed/, as ./run.sh does: the API says so, and the page must say it to the resident.
        using var config = JsonDocument.Parse(await fixture.Api.GetStringAsync("/api/v1/map-config"));
        Assert.True(config.RootElement.GetProperty("demo_data").GetBoolean());

        var phone = await fixture.NewPhonePageAsync("en-GB", new Geolocation { Latitude = (float)Home.Lat, Longitude = (float)Home.Lon });
        var page = phone.Page;
        await page.GotoAsync(fixture.BaseUrl + "/");
        await page.WaitForSelectorAsync("body[data-start='located']", new PageWaitForSelectorOptions { State = WaitForSelectorState.Attached });
        await phone.SettledAsync();
        var note = page.Locator("#demo-note");
        Assert.True(await note.IsVisibleAsync());
        Assert.Equal("Demo data — invented facilities", await page.InnerTextAsync("#demo-note-text"));
        Assert.Equal("Got it", await page.InnerTextAsync("#demo-note-close"));
        // It takes its own strip between the map and the list: nothing on the map is covered.
        var strip = await note.BoundingBoxAsync();
        var map = await page.Locator("#map").BoundingBoxAsync();
        Assert.True(strip!.Y >= map!.Y + map.Height - 0.5, "the note sits below the map, not over it");
        await phone.ScreenshotAsync("resident-demo-data-note");

        await page.ClickAsync("#language");
        Assert.Equal("演示数据——虚构的设施", await page.InnerTextAsync("#demo-note-text"));
        Assert.Equal("知道了", await page.InnerTextAsync("#demo-note-close"));

        await page.ClickAsync("#demo-note-close");
        Assert.True(await note.IsHiddenAsync());
        await page.ReloadAsync();
        await page.WaitForSelectorAsync("body[data-start]", new PageWaitForSelectorOptions { State = WaitForSelectorState.Attached });
        await phone.SettledAsync();
        Assert.True(await note.IsHiddenAsync(), "dismissed for the rest of the visit");
        await phone.CloseAsync();

        var next = await fixture.NewPhonePageAsync("en-GB");
        await next.Page.GotoAsync(fixture.BaseUrl + "/");
        await next.Page.WaitForSelectorAsync("body[data-start='demo-city']", new PageWaitForSelectorOptions { State = WaitForSelectorState.Attached });
        Assert.True(await next.Page.Locator("#demo-note").IsVisibleAsync(), "a new visit is told again");
        await next.CloseAsync();
    }

    [Fact]
    public async Task Facilities_too_close_to_split_at_the_deepest_zoom_are_listed_when_their_cluster_is_tapped()
    {
        // Demo facilities a few metres apart (London, Shanghai): at zoom 19 one of these pairs shares a grid cell.
        Position[] candidates = [new(51.513739, -0.138526), new(51.509719, -0.118418), new(31.236282, 121.491706)];
        JsonElement? cluster = null;
        foreach (var candidate in candidates)
        {
            var box = string.Create(CultureInfo.InvariantCulture,
                $"{candidate.Lon - 0.001:0.000000},{candidate.Lat - 0.001:0.000000},{candidate.Lon + 0.001:0.000000},{candidate.Lat + 0.001:0.000000}");
            using var clusters = JsonDocument.Parse(await fixture.Api.GetStringAsync($"/api/v1/facilities/clusters?zoom=19&bbox={box}"));
            cluster = clusters.RootElement.GetProperty("features").EnumerateArray()
                .Where(f => f.GetProperty("properties").GetProperty("count").GetInt32() > 1).Select(f => f.Clone()).FirstOrDefault();
            if (cluster.Value.ValueKind != JsonValueKind.Undefined)
            {
                break;
            }
        }
        Assert.True(cluster.HasValue && cluster.Value.ValueKind == JsonValueKind.Object, "one of the close pairs should be a cluster at zoom 19");
        var c = cluster.Value.GetProperty("geometry").GetProperty("coordinates");
        var spot = new Position(c[1].GetDouble(), c[0].GetDouble());

        var phone = await fixture.NewPhonePageAsync("en-GB");
        var page = phone.Page;
        await page.GotoAsync(fixture.BaseUrl + "/" + string.Create(CultureInfo.InvariantCulture, $"#19/{spot.Lat}/{spot.Lon}"));
        await page.WaitForSelectorAsync("body[data-start='linked']", new PageWaitForSelectorOptions { State = WaitForSelectorState.Attached });
        await phone.SettledAsync();
        var marker = page.Locator("#map .cluster[data-count]").First;
        var count = int.Parse(await marker.GetAttributeAsync("data-count") ?? "0", CultureInfo.InvariantCulture);
        Assert.True(count > 1);
        await marker.ClickAsync();
        await phone.SettledAsync();

        Assert.Equal("At this spot", await page.InnerTextAsync("#nearest-title"));
        using var here = JsonDocument.Parse(await fixture.Api.GetStringAsync($"/api/v1/facilities/nearby?{spot.Query}&radius_m=50&limit=10"));
        var expected = here.RootElement.GetProperty("features").EnumerateArray().Select(f => f.GetProperty("id").GetString()).ToArray();
        Assert.True(expected.Length >= count);
        Assert.Equal(expected, await page.Locator("#nearest-list .facility-row").EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.id)"));
        await phone.ScreenshotAsync("resident-cluster-at-the-deepest-zoom");
        await phone.CloseAsync();
    }

    private async Task<JsonDocument> RegisterAsync()
    {
        using var response = await fixture.Api.PostAsJsonAsync("/api/v1/auth/register",
            new { email = $"resident-{Guid.NewGuid():N}@facilities.test", password = "a long enough password" });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.Created, body);
        return JsonDocument.Parse(body);
    }

    private static async Task SetViewAsync(PhonePage phone, Position at, int zoom)
    {
        await phone.Page.EvaluateAsync("([lat, lon, zoom]) => window.facilitiesMap.setView([lat, lon], zoom, { animate: false })",
            new object[] { at.Lat, at.Lon, zoom });
        await phone.SettledAsync();
    }

    /// <summary>The number of facilities the map shows, clusters counted by their size.</summary>
    private static async Task<int> CountOnMapAsync(IPage page) =>
        await page.EvaluateAsync<int>("() => [...document.querySelectorAll('#map [data-count]')].reduce((n, e) => n + Number(e.dataset.count), 0)");

    /// <summary>What the bbox list says is in the map's view with the given filters.</summary>
    private async Task<int> CountInViewAsync(IPage page, string filters)
    {
        var b = await page.EvaluateAsync<double[]>("() => { const b = window.facilitiesMap.getBounds(); return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]; }");
        var bbox = string.Join(',', b.Select(v => v.ToString("0.000000", CultureInfo.InvariantCulture)));
        using var body = JsonDocument.Parse(await fixture.Api.GetStringAsync($"/api/v1/facilities?limit=1000&bbox={bbox}{filters}"));
        Assert.Empty(body.RootElement.GetProperty("links").EnumerateArray());
        return body.RootElement.GetProperty("features").GetArrayLength();
    }

    private async Task<JsonElement[]> AssertNearestListIsTheApisAsync(IPage page, Position origin, string filters, Words words)
    {
        using var list = JsonDocument.Parse(await page.EvaluateAsync<string>(@"() => JSON.stringify([...document.querySelectorAll('#nearest-list .facility-row')].map(b => ({
            id: b.dataset.id, distance: Number(b.dataset.distanceM), text: b.querySelector('.row-distance').textContent })))"));
        var rows = list.RootElement.EnumerateArray().ToArray();
        using var body = JsonDocument.Parse(await fixture.Api.GetStringAsync($"/api/v1/facilities/nearby?{origin.Query}&radius_m=2000&limit=10{filters}"));
        var features = body.RootElement.GetProperty("features").EnumerateArray().Select(f => f.Clone()).ToArray();

        Assert.NotEmpty(features);
        Assert.Equal(features.Select(f => f.GetProperty("id").GetString()), rows.Select(r => r.GetProperty("id").GetString()));
        var distances = rows.Select(r => r.GetProperty("distance").GetDouble()).ToArray();
        Assert.Equal(features.Select(f => f.GetProperty("properties").GetProperty("distance_m").GetDouble()), distances);
        Assert.True(distances.Zip(distances.Skip(1)).All(pair => pair.First <= pair.Second), "nearest first: " + string.Join(", ", distances));
        Assert.Equal(distances.Select(words.Walk), rows.Select(r => r.GetProperty("text").GetString()));
        return features;
    }

    private async Task AssertDetailShowsTheFacilityAndItsSourcesAsync(IPage page, string id, Words words)
    {
        using var facility = JsonDocument.Parse(await fixture.Api.GetStringAsync($"/api/v1/facilities/{id}"));
        using var catalog = JsonDocument.Parse(await fixture.Api.GetStringAsync("/api/v1/categories"));
        var p = facility.RootElement.GetProperty("properties");
        var sources = p.GetProperty("sources").EnumerateArray().ToArray();
        Assert.NotEmpty(sources);

        if (p.GetProperty("name").GetString() is { } name)
        {
            Assert.Equal(name, await page.InnerTextAsync("#detail-title"));
        }
        var sourceList = await page.InnerTextAsync("#detail-sources");
        foreach (var source in sources)
        {
            Assert.Contains(source.GetProperty("dataset").GetString()!, sourceList, StringComparison.Ordinal);
            Assert.Contains(source.GetProperty("license").GetString()!, sourceList, StringComparison.Ordinal);
        }
        var kinds = sources.Select(s => s.GetProperty("kind").GetString() == "official" ? words.Official : words.Community).Distinct().Order();
        Assert.Equal(kinds, (await page.Locator("#detail-badges .badge").AllInnerTextsAsync()).Order());

        // Wheelchair access in plain words, as the categories endpoint labels the value, with the source it came from.
        var wheelchair = catalog.RootElement.GetProperty("core_attributes").GetProperty("wheelchair");
        var row = page.Locator("#detail-attributes [data-attribute='wheelchair']");
        Assert.Equal(wheelchair.GetProperty("labels").GetProperty(words.Lang).GetString(), await row.Locator("dt").InnerTextAsync());
        Assert.Equal(
            wheelchair.GetProperty("value_labels").GetProperty(p.GetProperty("wheelchair").GetString()!).GetProperty(words.Lang).GetString(),
            await row.Locator(".value").InnerTextAsync());
        var provenance = p.GetProperty("provenance").GetProperty("wheelchair");
        var kind = sources[provenance.GetProperty("source").GetInt32()].GetProperty("kind").GetString();
        Assert.StartsWith(kind == "official" ? words.Official : words.Community, await row.Locator(".src").InnerTextAsync(), StringComparison.Ordinal);

        var trust = await page.InnerTextAsync("#detail-trust");
        var percent = Math.Round(p.GetProperty("confidence").GetDouble() * 100, MidpointRounding.AwayFromZero).ToString(CultureInfo.InvariantCulture) + "%";
        Assert.Contains(percent, trust, StringComparison.Ordinal);
    }

    /// <summary>No horizontal scrolling at 390 px, and no button, field or marker without a name for a screen reader.</summary>
    private static async Task AssertFitsThePhoneAndEveryControlIsNamedAsync(IPage page)
    {
        var widths = await page.EvaluateAsync<int[]>(@"() => [document.documentElement.scrollWidth, window.innerWidth,
            ...[...document.querySelectorAll('#sheet, #nearest, #detail, #filters')].filter(e => !e.hidden).flatMap(e => [e.scrollWidth, e.clientWidth])]");
        Assert.True(widths[0] <= widths[1], $"the page scrolls sideways: {widths[0]} > {widths[1]}");
        for (var i = 2; i < widths.Length; i += 2)
        {
            Assert.True(widths[i] <= widths[i + 1], $"a panel scrolls sideways: {widths[i]} > {widths[i + 1]}");
        }

        var unnamed = await page.EvaluateAsync<string[]>(@"() => [...document.querySelectorAll('button, select, input, textarea, a[href], [role=button], [tabindex=""0""]')]
            .filter(e => e.offsetParent !== null || e.getClientRects().length > 0)
            .filter(e => !((e.getAttribute('aria-label') || '').trim() || (e.labels && [...e.labels].some(l => l.textContent.trim()))
                || e.textContent.trim() || (e.getAttribute('title') || '').trim()))
            .map(e => e.outerHTML.slice(0, 120))");
        Assert.Empty(unnamed);
    }
}
