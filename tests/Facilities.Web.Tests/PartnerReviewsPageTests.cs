using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Playwright;

namespace Facilities.Web.Tests;

/// <summary>A partner settles an ambiguous match of its own record in the partner page: the item shows the record and
/// its candidates on a small map with distance, name similarity and score, and "same as" merges the record.</summary>
[Collection(BrowserCollection.Name)]
public sealed class PartnerReviewsPageTests(BrowserFixture fixture)
{
    private const double Lat = 46.2;
    private const double Lon = 6.9;

    [Fact]
    public async Task Partner_opens_its_matches_to_settle_sees_the_candidates_on_a_mini_map_and_says_same_as()
    {
        var key = await PartnerKeyAsync(fixture, "Lakeshore council");
        using var partner = new HttpClient { BaseAddress = new Uri(fixture.BaseUrl) };
        partner.DefaultRequestHeaders.Add("X-Api-Key", key);
        // Two toilets of the council's buildings file, 15 m apart, then its parks file with one toilet between them.
        var buildings = await DatasetAsync(partner, "Lakeshore buildings");
        var parks = await DatasetAsync(partner, "Lakeshore parks");
        var east = Lon + 0.0002;
        await ImportAsync(partner, buildings, string.Create(CultureInfo.InvariantCulture,
            $"id,lon,lat,name\nB-1,{Lon},{Lat},Lakeshore toilets\nB-2,{east},{Lat},Lakeshore toilets\n"));
        var report = await ImportAsync(partner, parks, string.Create(CultureInfo.InvariantCulture,
            $"id,lon,lat,name\nP-7,{Lon + 0.0001},{Lat},Lakeshore toilets\n"));
        Assert.Equal(1, report.GetProperty("report").GetProperty("needing_review").GetInt32());

        var phone = await fixture.NewPhonePageAsync("en-GB");
        var page = phone.Page;
        await page.GotoAsync(fixture.BaseUrl + string.Create(CultureInfo.InvariantCulture, $"/#17/{Lat}/{Lon}"));
        await page.WaitForSelectorAsync("body[data-start='linked']", new PageWaitForSelectorOptions { State = WaitForSelectorState.Attached });
        await phone.SettledAsync();
        await page.ClickAsync("#contribute");
        await page.ClickAsync("#to-partner");
        await page.FillAsync("#contrib [data-field='key']", key);
        await page.ClickAsync("#contrib button[type='submit']");
        await page.ClickAsync("#show-reviews");
        var item = page.Locator("#partner-reviews .partner-review");
        await item.WaitForAsync();
        Assert.Equal(1, await item.CountAsync());
        StringAssert(await item.Locator("h3").InnerTextAsync(), "Your record P-7 · Lakeshore parks");
        var candidates = item.Locator(".review-candidates li");
        Assert.Equal(2, await candidates.CountAsync());
        var first = await candidates.First.InnerTextAsync();
        StringAssert(first, "1. Lakeshore toilets");
        StringAssert(first, "name similarity 1.00");
        StringAssert(first, "score");
        // The mini-map: the record and both candidates as markers.
        await item.Locator(".review-map .leaflet-marker-icon").Nth(2).WaitForAsync();
        Assert.Equal(3, await item.Locator(".review-map .leaflet-marker-icon").CountAsync());
        await item.ScrollIntoViewIfNeededAsync();
        await phone.ScreenshotAsync("partner-review-queue");

        await item.Locator("button.same-as").First.ClickAsync();
        await item.WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Detached });
        StringAssert(await page.InnerTextAsync("#partner-reviews .action-message"), "Record P-7 merged into the facility you chose.");
        using var open = JsonDocument.Parse(await partner.GetStringAsync("/api/v1/partner/reviews"));
        Assert.Empty(open.RootElement.GetProperty("items").EnumerateArray());
        using var resolved = JsonDocument.Parse(await partner.GetStringAsync("/api/v1/partner/reviews?state=resolved"));
        Assert.Equal("same_as", resolved.RootElement.GetProperty("items")[0].GetProperty("resolution").GetProperty("decision").GetString());
        Assert.Empty(phone.Errors);
        await phone.CloseAsync();
    }

    private static void StringAssert(string actual, string expected) => Assert.Contains(expected, actual, StringComparison.Ordinal);

    /// <summary>A new partner's API key, made by the admin.</summary>
    internal static async Task<string> PartnerKeyAsync(BrowserFixture fixture, string name)
    {
        using var login = await fixture.Api.PostAsJsonAsync("/api/v1/auth/login",
            new { email = BrowserFixture.AdminEmail, password = BrowserFixture.AdminPassword });
        using var token = JsonDocument.Parse(await login.Content.ReadAsStringAsync());
        using var admin = new HttpClient { BaseAddress = new Uri(fixture.BaseUrl) };
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token.RootElement.GetProperty("access_token").GetString());
        using var created = await admin.PostAsJsonAsync("/api/v1/admin/partners", new { name });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        using var body = JsonDocument.Parse(await created.Content.ReadAsStringAsync());
        return body.RootElement.GetProperty("api_key").GetString()!;
    }

    internal static async Task<Guid> DatasetAsync(HttpClient partner, string name)
    {
        using var response = await partner.PostAsJsonAsync("/api/v1/partner/datasets", new
        {
            name,
            license = "CC-BY-4.0",
            attribution = name,
            mapping = new { id = "id", lon = "lon", lat = "lat", name = "name" },
        });
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, text);
        using var body = JsonDocument.Parse(text);
        return body.RootElement.GetProperty("id").GetGuid();
    }

    internal static async Task<JsonElement> ImportAsync(HttpClient partner, Guid dataset, string csv)
    {
        using var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(Encoding.UTF8.GetBytes(csv));
        file.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        form.Add(file, "file", "file.csv");
        using var accepted = await partner.PostAsync($"/api/v1/partner/datasets/{dataset}/imports", form);
        Assert.True(accepted.StatusCode == HttpStatusCode.Accepted, await accepted.Content.ReadAsStringAsync());
        for (var i = 0; i < 600; i++)
        {
            using var job = JsonDocument.Parse(await partner.GetStringAsync(accepted.Headers.Location));
            if (job.RootElement.GetProperty("state").GetString() is "succeeded" or "failed")
            {
                Assert.Equal("succeeded", job.RootElement.GetProperty("state").GetString());
                return job.RootElement.Clone();
            }
            await Task.Delay(100);
        }
        throw new TimeoutException("The import did not finish.");
    }
}
