using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Playwright;

namespace Facilities.Web.Tests;

/// <summary>
/// The loop the Open311 work closes, on phones: a resident reports a problem on a council's toilet, the council marks
/// it fixed with notes in the partner page, and the resident sees "Fixed by &lt;council&gt;" on the facility's details
/// and in their contributions, in English and in Chinese.
/// </summary>
public sealed partial class ContributorMapTests
{
    [Fact]
    public async Task A_partner_marks_a_report_fixed_in_the_partner_page_and_the_reporter_sees_fixed_by_the_partner_on_the_facility_and_in_their_contributions()
    {
        var spot = await QuietPlaceAsync(WesternPlaces);
        var council = $"Camden Council {Guid.NewGuid().ToString("N")[..6]}";
        var (partnerId, key) = await PartnerKeyAsync(council);
        using var partner = new HttpClient { BaseAddress = new Uri(fixture.BaseUrl) };
        partner.DefaultRequestHeaders.Add("X-Api-Key", key);
        await PartnerImportsAsync(partner, council, string.Create(CultureInfo.InvariantCulture,
            $"id,lon,lat,name\nC-1,{spot.Lon},{spot.Lat},Camden Town toilets\n"));
        using var near = JsonDocument.Parse(await fixture.Api.GetStringAsync(string.Create(CultureInfo.InvariantCulture,
            $"/api/v1/facilities/nearby?lat={spot.Lat}&lon={spot.Lon}&radius_m=50&limit=1")));
        var id = near.RootElement.GetProperty("features")[0].GetProperty("id").GetString()!;

        // The resident reports it dirty through the details' form.
        var email = $"reporter-{Guid.NewGuid():N}@facilities.test";
        using var registered = await RegisterAsync(email, "Reporter");
        var resident = await LocatedPhoneAsync(spot);
        var page = resident.Page;
        await SignInOnPageAsync(page, email, Password);
        // No reports yet: the contributions say so.
        await page.WaitForSelectorAsync("#my-reports", new PageWaitForSelectorOptions { State = WaitForSelectorState.Attached });
        Assert.Equal(0, await page.Locator("#my-reports li").CountAsync());
        Assert.Equal("No reports yet.", await page.InnerTextAsync("#my-reports + .empty"));
        await OpenDetailsFromListAsync(resident, id);
        Assert.True(await page.Locator("#detail-answers li").CountAsync() == 0, "no answer before the report");
        await page.ClickAsync("#report");
        await page.SelectOptionAsync("#report-reason", "dirty");
        await page.FillAsync("#report-comment", "No water in the basins");
        var sent = await page.RunAndWaitForResponseAsync(
            () => page.ClickAsync("#report-form button[type='submit']"),
            r => r.Request.Method == "POST" && r.Url.EndsWith($"/api/v1/facilities/{id}/reports", StringComparison.Ordinal));
        using var report = JsonDocument.Parse(await sent.TextAsync());
        var reportId = report.RootElement.GetProperty("id").GetInt64().ToString(CultureInfo.InvariantCulture);

        // The council, on a phone of its own, answers in the partner page (its script loads then).
        var office = await fixture.NewPhonePageAsync("en-GB");
        var desk = office.Page;
        var requested = new List<string>();
        desk.Request += (_, request) => requested.Add(new Uri(request.Url).AbsolutePath);
        await desk.GotoAsync(fixture.BaseUrl + string.Create(CultureInfo.InvariantCulture, $"/#17/{spot.Lat}/{spot.Lon}"));
        await desk.WaitForSelectorAsync("body[data-start='linked']", new PageWaitForSelectorOptions { State = WaitForSelectorState.Attached });
        await office.SettledAsync();
        await desk.ClickAsync("#contribute");
        await desk.ClickAsync("#to-partner");
        await desk.FillAsync("#contrib [data-field='key']", key);
        await desk.ClickAsync("#contrib button[type='submit']");
        await desk.ClickAsync("#show-reports");
        Assert.Contains("/partner-reports.js", requested);
        var row = desk.Locator($"#partner-reports li[data-report-id='{reportId}']");
        await row.WaitForAsync();
        Assert.Equal("unanswered", await row.GetAttributeAsync("data-status"));
        Assert.Contains("Dirty", await row.InnerTextAsync(), StringComparison.Ordinal);
        Assert.Contains("No water in the basins", await row.InnerTextAsync(), StringComparison.Ordinal);
        await row.Locator("select[name='status']").SelectOptionAsync("fixed");
        await row.Locator("textarea[name='notes']").FillAsync("Taps repaired");
        await row.Locator("button[type='submit']").ClickAsync();
        await desk.Locator($"#partner-reports li[data-report-id='{reportId}'][data-status='fixed']").WaitForAsync();
        Assert.Equal($"Fixed by {council} · Taps repaired", await row.Locator(".report-answer").InnerTextAsync());
        Assert.Equal("Answer sent.", await row.Locator(".form-message").InnerTextAsync());
        await row.ScrollIntoViewIfNeededAsync();
        await office.ScreenshotAsync("partner-marks-report-fixed");
        await AssertFitsThePhoneAsync(desk);
        // What the page sent is the partner API's answer, which Open311 shows as closed.
        using var open311 = JsonDocument.Parse(await fixture.Api.GetStringAsync(
            $"/open311/v2/requests/{reportId}.json?jurisdiction_id={partnerId}"));
        Assert.Equal("closed", open311.RootElement[0].GetProperty("status").GetString());
        Assert.Equal("Taps repaired", open311.RootElement[0].GetProperty("status_notes").GetString());
        Assert.Empty(office.Errors);
        await office.CloseAsync();

        // The resident opens the facility again (its link, as a reload keeps it): the answer is under the details.
        await page.ReloadAsync();
        await page.WaitForSelectorAsync("#detail:not([hidden])");
        var answer = page.Locator($"#detail-answers li[data-report-id='{reportId}']");
        await answer.WaitForAsync();
        Assert.Equal($"Dirty · Fixed by {council} · Taps repaired", await answer.InnerTextAsync());
        await answer.ScrollIntoViewIfNeededAsync();
        await resident.ScreenshotAsync("reporter-sees-fixed-by-partner-details");

        await page.ClickAsync("#language");
        await page.Locator("#detail-answers li").Filter(new LocatorFilterOptions { HasText = "修复" }).WaitForAsync();
        Assert.Equal($"不干净 · 已由 {council} 修复 · Taps repaired", await answer.InnerTextAsync());
        Assert.Equal("报告的答复", await page.InnerTextAsync("#detail-answers h3"));
        await resident.ScreenshotAsync("reporter-sees-fixed-by-partner-details-zh");

        // Their contributions list the report with the same answer, in Chinese and back in English.
        await page.ClickAsync("#contribute");
        var mine = page.Locator($"#my-reports li[data-report-id='{reportId}']");
        await mine.WaitForAsync();
        Assert.Equal("fixed", await mine.GetAttributeAsync("data-status"));
        Assert.Equal($"已由 {council} 修复 · Taps repaired", await mine.Locator(".report-answer").InnerTextAsync());
        await page.ClickAsync("#language");
        await page.Locator("#my-reports .report-answer").Filter(new LocatorFilterOptions { HasText = "Fixed by" }).WaitForAsync();
        Assert.Equal($"Fixed by {council} · Taps repaired", await page.Locator($"#my-reports li[data-report-id='{reportId}'] .report-answer").InnerTextAsync());
        await page.Locator("#my-reports").ScrollIntoViewIfNeededAsync();
        await resident.ScreenshotAsync("reporter-sees-fixed-by-partner-contributions");
        await AssertFitsThePhoneAsync(page);
        Assert.Empty(resident.Errors);
        await resident.CloseAsync();
    }

    /// <summary>A partner the admin creates through the API: its id and its key.</summary>
    private async Task<(string Id, string Key)> PartnerKeyAsync(string name)
    {
        using var admin = await SignInAsync(BrowserFixture.AdminEmail, BrowserFixture.AdminPassword);
        using var created = await admin.PostAsJsonAsync("/api/v1/admin/partners", new { name });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        using var body = JsonDocument.Parse(await created.Content.ReadAsStringAsync());
        return (body.RootElement.GetProperty("id").GetString()!, body.RootElement.GetProperty("api_key").GetString()!);
    }

    /// <summary>A toilets dataset of the partner's with the CSV imported into it, waited for until it succeeds.</summary>
    private static async Task PartnerImportsAsync(HttpClient partner, string name, string csv)
    {
        using var dataset = await partner.PostAsJsonAsync("/api/v1/partner/datasets", new
        {
            name,
            license = "CC-BY-4.0",
            attribution = name,
            category = "toilet",
            mapping = new { id = "id", lon = "lon", lat = "lat", name = "name" },
        });
        var text = await dataset.Content.ReadAsStringAsync();
        Assert.True(dataset.StatusCode == HttpStatusCode.Created, text);
        using var made = JsonDocument.Parse(text);
        using var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(Encoding.UTF8.GetBytes(csv));
        file.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        form.Add(file, "file", "toilets.csv");
        using var accepted = await partner.PostAsync($"/api/v1/partner/datasets/{made.RootElement.GetProperty("id").GetGuid()}/imports", form);
        Assert.True(accepted.StatusCode == HttpStatusCode.Accepted, await accepted.Content.ReadAsStringAsync());
        for (var i = 0; i < 600; i++)
        {
            using var job = JsonDocument.Parse(await partner.GetStringAsync(accepted.Headers.Location));
            if (job.RootElement.GetProperty("state").GetString() is "succeeded" or "failed")
            {
                Assert.Equal("succeeded", job.RootElement.GetProperty("state").GetString());
                return;
            }
            await Task.Delay(100);
        }
        throw new TimeoutException("The import did not finish.");
    }
}
