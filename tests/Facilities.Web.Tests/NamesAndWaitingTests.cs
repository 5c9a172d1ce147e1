using System.Text.Json;
using Microsoft.Playwright;

namespace Facilities.Web.Tests;

/// <summary>
/// What a screen reader and a waiting resident are told: markers named by the facility's name, category and
/// distance; clusters by their count in words; the wait for a location explained, with a way past it; full names.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class NamesAndWaitingTests(BrowserFixture fixture)
{
    [Theory]
    [InlineData("en-GB", "en", " m$")]
    [InlineData("zh-CN", "zh-Hans", " 米$")]
    public async Task Markers_are_named_with_the_facilitys_name_category_and_distance(string locale, string lang, string metres)
    {
        using var categories = JsonDocument.Parse(await fixture.Api.GetStringAsync("/api/v1/categories"));
        var toilet = categories.RootElement.GetProperty("categories").EnumerateArray()
            .Single(c => c.GetProperty("id").GetString() == "toilet").GetProperty("labels").GetProperty(lang).GetString();
        // In London, where the demo toilets have names.
        var phone = await fixture.NewPhonePageAsync(locale, new Geolocation { Latitude = 51.5101f, Longitude = -0.1340f });
        var page = phone.Page;
        await page.GotoAsync(fixture.BaseUrl + "/");
        await page.WaitForSelectorAsync("body[data-start='located']", new PageWaitForSelectorOptions { State = WaitForSelectorState.Attached });
        await phone.SettledAsync();
        await page.EvaluateAsync("() => window.facilitiesMap.setZoom(17, { animate: false })");
        await phone.SettledAsync();

        var markers = await page.Locator(".facility-marker[data-id]").EvaluateAllAsync<string[][]>(
            "ms => ms.map(m => [m.dataset.id, m.getAttribute('aria-label')])");
        Assert.NotEmpty(markers);
        var checkedToilets = 0;
        foreach (var marker in markers)
        {
            using var facility = JsonDocument.Parse(await fixture.Api.GetStringAsync($"/api/v1/facilities/{marker[0]}"));
            var p = facility.RootElement.GetProperty("properties");
            if (p.GetProperty("category").GetString() != "toilet" || p.GetProperty("name").GetString() is not { } name)
            {
                continue;
            }
            Assert.StartsWith($"{name} · {toilet} · ", marker[1], StringComparison.Ordinal);
            Assert.Matches(metres, marker[1]);
            checkedToilets++;
        }
        Assert.True(checkedToilets > 0, "some named toilets should be in view");

        await page.EvaluateAsync("() => window.facilitiesMap.setZoom(12, { animate: false })");
        await phone.SettledAsync();
        var clusters = await page.Locator(".cluster[data-count]").EvaluateAllAsync<string[][]>(
            "cs => cs.map(c => [c.dataset.count, c.getAttribute('aria-label')])");
        Assert.NotEmpty(clusters);
        Assert.All(clusters, c => Assert.Contains(c[0], c[1], StringComparison.Ordinal));
        Assert.All(clusters, c => Assert.NotEqual(c[0], c[1]));
        await phone.CloseAsync();
    }

    [Fact]
    public async Task While_the_location_prompt_is_unanswered_the_page_says_so_and_can_go_on_without_it()
    {
        var phone = await fixture.NewPhonePageAsync("en-GB");
        var page = phone.Page;
        // A permission prompt nobody answers: the browser never calls back.
        await page.AddInitScriptAsync("navigator.geolocation.getCurrentPosition = () => {};");
        await page.GotoAsync(fixture.BaseUrl + "/");
        var waiting = page.Locator("#locating");
        await waiting.WaitForAsync();
        Assert.Equal("Waiting for your location…", await waiting.Locator("p").InnerTextAsync());
        await phone.ScreenshotAsync("waiting-for-location");

        var started = DateTime.UtcNow;
        await page.ClickAsync("#skip-location");
        await page.WaitForSelectorAsync("body[data-start='demo-city']", new PageWaitForSelectorOptions { State = WaitForSelectorState.Attached });
        Assert.True(await waiting.IsHiddenAsync());
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(6), "skipping should not wait out the location timeout");
        await phone.SettledAsync();
        Assert.True(await page.Locator("#nearest-list .facility-row").CountAsync() > 0);
        await phone.CloseAsync();
    }

    [Fact]
    public async Task While_the_location_prompt_is_unanswered_the_Chinese_page_says_so_in_Chinese_and_can_go_on_without_it()
    {
        var phone = await fixture.NewPhonePageAsync("zh-CN");
        var page = phone.Page;
        await page.AddInitScriptAsync("navigator.geolocation.getCurrentPosition = () => {};");
        await page.GotoAsync(fixture.BaseUrl + "/");
        var waiting = page.Locator("#locating");
        await waiting.WaitForAsync();
        Assert.Equal("正在等待你的位置…", await waiting.Locator("p").InnerTextAsync());
        Assert.Equal("不用位置，直接看地图", await page.InnerTextAsync("#skip-location"));
        await phone.ScreenshotAsync("waiting-for-location-zh");
        await page.ClickAsync("#skip-location");
        await page.WaitForSelectorAsync("body[data-start='demo-city']", new PageWaitForSelectorOptions { State = WaitForSelectorState.Attached });
        Assert.True(await waiting.IsHiddenAsync());
        await phone.SettledAsync();
        Assert.Contains("南京", await page.InnerTextAsync("#note"), StringComparison.Ordinal);
        await phone.CloseAsync();
    }

    [Fact]
    public async Task At_1280_px_the_Westminster_Abbey_rows_show_their_whole_names_not_the_same_cut_off_text()
    {
        // The case: on a 1,280 px screen three rows read "Westminster Abbe…". A desktop browser, not the phone.
        var context = await fixture.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = 1280, Height = 800 },
            Locale = "en-GB",
            Geolocation = new Geolocation { Latitude = 51.4960f, Longitude = -0.1296f },
            Permissions = ["geolocation"],
            ServiceWorkers = ServiceWorkerPolicy.Block,
        });
        var page = await context.NewPageAsync();
        var phone = new PhonePage(page);
        page.PageError += (_, error) => phone.Errors.Add(error);
        await page.RouteAsync("https://tiles.example.invalid/**", route => route.AbortAsync());
        await page.GotoAsync(fixture.BaseUrl + "/");
        await page.WaitForSelectorAsync("body[data-start='located']", new PageWaitForSelectorOptions { State = WaitForSelectorState.Attached });
        await phone.SettledAsync();
        using var list = JsonDocument.Parse(await page.Locator("#nearest-list .row-name").EvaluateAllAsync<string>(
            "ns => JSON.stringify(ns.map(n => ({ text: n.textContent, cut: n.scrollWidth > n.clientWidth || getComputedStyle(n).textOverflow === 'ellipsis' })))"));
        await phone.ScreenshotAsync("long-names-whole-1280");
        var names = list.RootElement.EnumerateArray().ToArray();
        Assert.All(names, n => Assert.False(n.GetProperty("cut").GetBoolean(), n.GetProperty("text").GetString() + " is cut off"));
        var abbey = names.Select(n => n.GetProperty("text").GetString()!).Where(n => n.StartsWith("Westminster Abbe", StringComparison.Ordinal)).ToList();
        // Two demo toilets there share the name "Westminster Abbey shop Toilets": shown whole, with hours and distance under it.
        Assert.True(abbey.Count >= 2, "the rows near the Abbey should hold its toilets: " + string.Join(" | ", names.Select(n => n.GetProperty("text").GetString())));
        Assert.All(abbey, n => Assert.True(n.Length > "Westminster Abbe".Length));
        Assert.Empty(phone.Errors);
        await context.CloseAsync();
    }

    [Fact]
    public async Task Long_names_in_the_list_are_shown_whole()
    {
        // Near Leadenhall Market, whose demo toilets have long names that share their beginnings.
        var phone = await fixture.NewPhonePageAsync("en-GB", new Geolocation { Latitude = 51.506679f, Longitude = -0.071871f });
        var page = phone.Page;
        await page.GotoAsync(fixture.BaseUrl + "/");
        await page.WaitForSelectorAsync("body[data-start='located']", new PageWaitForSelectorOptions { State = WaitForSelectorState.Attached });
        await phone.SettledAsync();
        using var list = JsonDocument.Parse(await page.Locator("#nearest-list .row-name").EvaluateAllAsync<string>(
            "ns => JSON.stringify(ns.map(n => ({ text: n.textContent, cut: n.scrollWidth > n.clientWidth || getComputedStyle(n).textOverflow === 'ellipsis' })))"));
        var names = list.RootElement.EnumerateArray().ToArray();
        Assert.Contains(names, n => n.GetProperty("text").GetString()!.Length > 30);
        Assert.All(names, n => Assert.False(n.GetProperty("cut").GetBoolean(), n.GetProperty("text").GetString() + " is cut off"));
        await phone.ScreenshotAsync("long-names-whole");
        await phone.CloseAsync();
    }
}
