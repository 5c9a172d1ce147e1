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
    [InlineData("en-US", "Drinking water")]
    [InlineData("zh-CN", "饮水点")]
    public async Task Map_opens_on_the_demo_city_with_clusters_and_zooming_in_shows_single_facilities(string locale, string expectedText)
    {
        var page = await fixture.NewPhonePageAsync(locale);
        await page.GotoAsync(fixture.BaseUrl + "/");
        await page.WaitForSelectorAsync("body[data-loaded='true']");

        var clusters = await page.Locator(".cluster").CountAsync();
        Assert.True(clusters > 0, "the demo city should show clusters at the opening zoom");
        Assert.Contains(expectedText, await page.Locator("#category").InnerTextAsync(), StringComparison.Ordinal);
        Directory.CreateDirectory(BrowserFixture.ArtifactsDirectory);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.ArtifactsDirectory, $"map-{locale}-clusters.png") });

        // Close in on the facility nearest the city centre: single facilities appear as interactive markers.
        await ZoomOntoNearestFacilityAsync(page, 18);
        Assert.True(await page.Locator("path.leaflet-interactive").CountAsync() > 0, "zoomed in, single facilities should be drawn");

        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.ArtifactsDirectory, $"map-{locale}-street.png") });
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Clicking_a_facility_shows_its_details_and_sources()
    {
        var page = await fixture.NewPhonePageAsync("en-GB");
        await page.GotoAsync(fixture.BaseUrl + "/");
        await page.WaitForSelectorAsync("body[data-loaded='true']");
        await ZoomOntoNearestFacilityAsync(page, 18);
        var marker = page.Locator("path.leaflet-interactive").First;
        await marker.ClickAsync(new LocatorClickOptions { Force = true });
        var popup = page.Locator(".facility-popup");
        await popup.WaitForAsync();
        Assert.Contains("Open now", await popup.InnerTextAsync(), StringComparison.Ordinal);
        Assert.True(await popup.Locator(".badge").CountAsync() > 0, "the popup should show where the data came from");
        await page.Locator(".leaflet-popup.leaflet-zoom-animated").WaitForAsync();
        await page.WaitForTimeoutAsync(400); // let the popup finish fading in for the screenshot
        Directory.CreateDirectory(BrowserFixture.ArtifactsDirectory);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.ArtifactsDirectory, "facility-popup.png") });
        await page.Context.CloseAsync();
    }

    private static async Task ZoomOntoNearestFacilityAsync(IPage page, int zoom)
    {
        await page.EvaluateAsync(@"async zoom => {
            const r = await fetch('/api/v1/facilities/nearby?lat=32.0603&lon=118.7969&radius_m=5000&limit=1');
            const c = (await r.json()).features[0].geometry.coordinates;
            document.body.dataset.loaded = '';
            window.facilitiesMap.setView([c[1], c[0]], zoom);
        }", zoom);
        await page.WaitForSelectorAsync("body[data-loaded='true']");
    }
}
