using System.Net;
using System.Net.Sockets;
using Facilities.Testing;
using Microsoft.Playwright;

namespace Facilities.Web.Tests;

/// <summary>The API with the demo data on a real port, and Debian's Chromium driven by Playwright.</summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    private TestDatabase _database = null!;
    private FacilitiesApp _app = null!;
    private IPlaywright _playwright = null!;

    public IBrowser Browser { get; private set; } = null!;
    public string BaseUrl { get; private set; } = "";

    public static string ArtifactsDirectory =>
        Environment.GetEnvironmentVariable("FACILITIES_TEST_ARTIFACTS") is { Length: > 0 } dir ? dir : Path.Combine(RepositoryPaths.Root, "artifacts");

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync();
        var port = FreePort();
        _app = new FacilitiesApp(_database, Path.Combine(RepositoryPaths.Root, "data-seed"));
        _app.UseKestrel(port);
        _app.StartServer();
        BaseUrl = $"http://127.0.0.1:{port}";

        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            // Debian's browser, never a downloaded one; these machines have no network beyond loopback.
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        });
    }

    public async Task<IPage> NewPhonePageAsync(string locale)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = 390, Height = 844 },
            IsMobile = true,
            HasTouch = true,
            Locale = locale,
        });
        var page = await context.NewPageAsync();
        // No tile server is reachable here: fail tile requests at once, as a phone offline would.
        await page.RouteAsync("**/*.png", route => route.Request.Url.StartsWith(BaseUrl, StringComparison.Ordinal)
            ? route.ContinueAsync()
            : route.AbortAsync());
        return page;
    }

    public async Task DisposeAsync()
    {
        await Browser.DisposeAsync();
        _playwright.Dispose();
        await _app.DisposeAsync();
        await _database.DisposeAsync();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

public sealed class MapPageTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    [Theory]
    [InlineData("en-GB", "All facilities")]
    [InlineData("zh-CN", "公共厕所")]
    public async Task Map_opens_on_the_demo_city_with_clusters_and_zooming_in_shows_single_facilities(string locale, string expectedText)
    {
        var page = await fixture.NewPhonePageAsync(locale);
        await page.GotoAsync(fixture.BaseUrl + "/");
        await page.WaitForSelectorAsync("body[data-loaded='true']");

        var clusters = await page.Locator(".cluster").CountAsync();
        Assert.True(clusters > 0, "the demo city should show clusters at the opening zoom");
        Assert.Contains(expectedText, await page.Locator("#category").InnerTextAsync(), StringComparison.Ordinal);

        // Close in on the busiest cluster: single facilities appear as interactive markers.
        await page.EvaluateAsync("() => { document.body.dataset.loaded = ''; window.facilitiesMap.setView([32.0603, 118.7969], 18); }");
        await page.WaitForSelectorAsync("body[data-loaded='true']");
        await page.WaitForFunctionAsync("() => document.querySelectorAll('path.leaflet-interactive').length > 0 || document.querySelectorAll('.cluster').length > 0");

        Directory.CreateDirectory(BrowserFixture.ArtifactsDirectory);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.ArtifactsDirectory, $"map-{locale}.png") });
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Clicking_a_facility_shows_its_details_and_sources()
    {
        var page = await fixture.NewPhonePageAsync("en-GB");
        await page.GotoAsync(fixture.BaseUrl + "/");
        await page.WaitForSelectorAsync("body[data-loaded='true']");
        await page.EvaluateAsync("() => { document.body.dataset.loaded = ''; window.facilitiesMap.setView([32.0603, 118.7969], 17); }");
        await page.WaitForSelectorAsync("body[data-loaded='true']");
        var marker = page.Locator("path.leaflet-interactive").First;
        await marker.ClickAsync(new LocatorClickOptions { Force = true });
        var popup = page.Locator(".facility-popup");
        await popup.WaitForAsync();
        Assert.Contains("Open now", await popup.InnerTextAsync(), StringComparison.Ordinal);
        Assert.True(await popup.Locator(".badge").CountAsync() > 0, "the popup should show where the data came from");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.ArtifactsDirectory, "facility-popup.png") });
        await page.Context.CloseAsync();
    }
}
