using System.Text.Json;
using Microsoft.Playwright;

namespace Facilities.Web.Tests;

/// <summary>
/// The page as an installable, offline-capable app: a manifest with icons, and a service worker that keeps the page
/// and the last area's nearest list, which an offline reload shows under the saved list's heading, with the page saying
/// it is offline.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class OfflinePwaTests(BrowserFixture fixture)
{
    [Fact]
    public async Task The_manifest_names_the_app_and_icons_that_exist()
    {
        using var manifest = JsonDocument.Parse(await fixture.Api.GetStringAsync("/manifest.webmanifest"));
        Assert.Equal("Facilities", manifest.RootElement.GetProperty("short_name").GetString());
        Assert.Equal("standalone", manifest.RootElement.GetProperty("display").GetString());
        var sizes = new List<string>();
        foreach (var icon in manifest.RootElement.GetProperty("icons").EnumerateArray())
        {
            using var response = await fixture.Api.GetAsync("/" + icon.GetProperty("src").GetString());
            Assert.True(response.IsSuccessStatusCode, icon.ToString());
            Assert.Equal("image/png", response.Content.Headers.ContentType?.MediaType);
            var png = await response.Content.ReadAsByteArrayAsync();
            // The PNG header's width and height, big-endian at bytes 16 and 20.
            var width = (png[16] << 24) | (png[17] << 16) | (png[18] << 8) | png[19];
            var height = (png[20] << 24) | (png[21] << 16) | (png[22] << 8) | png[23];
            Assert.Equal(icon.GetProperty("sizes").GetString(), $"{width}x{height}");
            sizes.Add($"{width}x{height}");
        }
        Assert.Contains("192x192", sizes);
        Assert.Contains("512x512", sizes);
    }

    [Fact]
    public async Task Offline_a_reload_shows_the_last_areas_nearest_list_as_the_saved_list_and_says_the_page_is_offline()
    {
        var phone = await fixture.NewPhonePageAsync("en-GB", new Geolocation { Latitude = 32.0603f, Longitude = 118.7969f }, serviceWorkers: true);
        var page = phone.Page;
        await page.GotoAsync(fixture.BaseUrl + "/");
        await page.WaitForSelectorAsync("body[data-start='located']", new PageWaitForSelectorOptions { State = WaitForSelectorState.Attached });
        await phone.SettledAsync();
        // The first visit registers the worker, which takes over the page once it has stored the page's files.
        await page.WaitForFunctionAsync("() => navigator.serviceWorker && navigator.serviceWorker.controller !== null",
            null, new PageWaitForFunctionOptions { Timeout = 30_000 });

        // A visit under the worker: it keeps the answers. (The address now holds the view: the page opens it as a link.)
        await page.ReloadAsync();
        await page.WaitForSelectorAsync("body[data-start]", new PageWaitForSelectorOptions { State = WaitForSelectorState.Attached });
        await phone.SettledAsync();
        var online = await RowNamesAsync(page);
        Assert.NotEmpty(online);

        // Offline, and in London, opened without the view: the page asks for the nearest to London, so a Nanjing list
        // can only be what the worker kept.
        await page.Context.SetGeolocationAsync(new Geolocation { Latitude = 51.5101f, Longitude = -0.1340f });
        await page.Context.SetOfflineAsync(true);
        await page.GotoAsync(fixture.BaseUrl + "/");
        await page.WaitForSelectorAsync("body[data-start='located']", new PageWaitForSelectorOptions { State = WaitForSelectorState.Attached });
        await page.WaitForSelectorAsync("#nearest-list .facility-row");
        await phone.SettledAsync();
        Assert.Equal(online, await RowNamesAsync(page));
        await page.WaitForFunctionAsync("() => document.getElementById('note').textContent.includes('Offline')");
        Assert.Equal("Saved nearby list · offline", await page.InnerTextAsync("#nearest-title"));
        // The distances are the saved answer's, from where the list was asked in Nanjing, not from London.
        Assert.All(await page.Locator("#nearest-list .facility-row").EvaluateAllAsync<double[]>("rs => rs.map(r => Number(r.dataset.distanceM))"),
            d => Assert.InRange(d, 0, 2_000));
        await phone.ScreenshotAsync("offline-reload");
        await page.ClickAsync("#language");
        await page.WaitForFunctionAsync("() => document.documentElement.lang === 'zh-Hans'");
        Assert.Equal("已保存的附近列表 · 离线", await page.InnerTextAsync("#nearest-title"));
        await phone.ScreenshotAsync("offline-reload-zh");

        await page.Context.SetOfflineAsync(false);
        await page.WaitForFunctionAsync("() => !document.getElementById('note').textContent.includes('离线')");
        await page.WaitForFunctionAsync("() => !document.getElementById('nearest-title').textContent.includes('离线')");
        await phone.CloseAsync();
    }

    private static Task<string[]> RowNamesAsync(IPage page) =>
        page.Locator("#nearest-list .row-name").EvaluateAllAsync<string[]>("ns => ns.map(n => n.textContent)");
}
