using System.Net;
using System.Net.Sockets;
using Facilities.Testing;
using Microsoft.Playwright;

namespace Facilities.Web.Tests;

/// <summary>
/// The API with the demo data on a real port, and Debian's Chromium driven by Playwright. The base map is configured
/// to a tile server that cannot exist, and every tile request fails at once, as on these machines (and on a phone
/// offline): the page must work without it.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    public const string TileUrl = "https://tiles.example.invalid/{z}/{x}/{y}.png";
    public const string TileAttribution = "Test tiles &copy; nobody";
    public const string AdminEmail = "admin@facilities.test";
    public const string AdminPassword = "correct horse battery";

    private TestDatabase _database = null!;
    private FacilitiesApp _app = null!;
    private IPlaywright _playwright = null!;

    public IBrowser Browser { get; private set; } = null!;
    public string BaseUrl { get; private set; } = "";
    public HttpClient Api { get; private set; } = null!;

    /// <summary>The API's database, for the few journeys that need a state no request makes (a facility unchecked for years).</summary>
    public Npgsql.NpgsqlDataSource CreateDataSource() => _database.CreateDataSource();

    public static string ArtifactsDirectory =>
        Environment.GetEnvironmentVariable("FACILITIES_TEST_ARTIFACTS") is { Length: > 0 } dir ? dir : Path.Combine(RepositoryPaths.Root, "artifacts");

    public async Task InitializeAsync()
    {
        // Configuration through the environment, which the hosted API reads like any deployment would.
        Environment.SetEnvironmentVariable("Facilities__Map__TileUrl", TileUrl);
        Environment.SetEnvironmentVariable("Facilities__Map__TileAttribution", TileAttribution);
        // The first admin, who makes established reviewers the way an operator does: by setting their reputation.
        Environment.SetEnvironmentVariable("FACILITIES_ADMIN_EMAIL", AdminEmail);
        Environment.SetEnvironmentVariable("FACILITIES_ADMIN_PASSWORD", AdminPassword);
        // Every journey signs up and signs in from the same loopback address, so the suite as a whole outgrows the hour's
        // register/login budget one address gets (60); the API tests raise it the same way.
        Environment.SetEnvironmentVariable("RateLimits__AuthPerIp", "1000");

        _database = await TestDatabase.CreateAsync();
        var port = FreePort();
        _app = new FacilitiesApp(_database, Path.Combine(RepositoryPaths.Root, "data-seed"));
        _app.UseKestrel(port);
        _app.StartServer();
        BaseUrl = $"http://127.0.0.1:{port}";
        Api = new HttpClient(new HttpClientHandler { AutomaticDecompression = DecompressionMethods.None }) { BaseAddress = new Uri(BaseUrl) };

        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            // Debian's browser, never a downloaded one; these machines have no network beyond loopback.
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        });
    }

    /// <summary>
    /// A phone (390×844, touch) in a locale; with a position, location is granted, otherwise refused. Service workers
    /// are blocked unless asked for: one that has taken over the page answers requests page.route never sees.
    /// </summary>
    public async Task<PhonePage> NewPhonePageAsync(string locale, Geolocation? position = null, bool serviceWorkers = false)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = 390, Height = 844 },
            IsMobile = true,
            HasTouch = true,
            Locale = locale,
            Geolocation = position,
            Permissions = position is null ? [] : ["geolocation"],
            ServiceWorkers = serviceWorkers ? ServiceWorkerPolicy.Allow : ServiceWorkerPolicy.Block,
        });
        var page = await context.NewPageAsync();
        var phone = new PhonePage(page);
        page.Dialog += (_, dialog) => phone.Dialogs.Add(dialog.Message);
        page.PageError += (_, error) => phone.Errors.Add(error);
        await page.RouteAsync("**/*.png", route =>
        {
            if (route.Request.Url.StartsWith(BaseUrl, StringComparison.Ordinal))
            {
                return route.ContinueAsync();
            }
            phone.FailedTiles.Add(route.Request.Url);
            return route.AbortAsync();
        });
        return phone;
    }

    public async Task DisposeAsync()
    {
        await Browser.DisposeAsync();
        _playwright.Dispose();
        Api.Dispose();
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

/// <summary>A page on a phone and what happened on it that no step should cause: dialogs, script errors.</summary>
public sealed class PhonePage(IPage page)
{
    public IPage Page { get; } = page;
    public List<string> Dialogs { get; } = [];
    public List<string> Errors { get; } = [];
    public List<string> FailedTiles { get; } = [];

    /// <summary>Waits until the map, the nearest list and the detail panel have no request pending.</summary>
    public async Task SettledAsync()
    {
        await Page.WaitForSelectorAsync("#map[aria-busy='false']", new PageWaitForSelectorOptions { State = WaitForSelectorState.Attached });
        await Page.WaitForSelectorAsync("#nearest-list[aria-busy='false']", new PageWaitForSelectorOptions { State = WaitForSelectorState.Attached });
        await Page.WaitForSelectorAsync("#detail[aria-busy='false']", new PageWaitForSelectorOptions { State = WaitForSelectorState.Attached });
    }

    public async Task ScreenshotAsync(string name)
    {
        Directory.CreateDirectory(BrowserFixture.ArtifactsDirectory);
        await Page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.ArtifactsDirectory, name + ".png") });
    }

    public async Task CloseAsync()
    {
        Assert.Empty(Errors);
        Assert.Empty(Dialogs);
        await Page.Context.CloseAsync();
    }
}
