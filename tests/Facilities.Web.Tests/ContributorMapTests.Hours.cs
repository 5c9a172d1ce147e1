using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Facilities.Web.Tests;

/// <summary>The structured hours editor: what it writes, how the API reads it back as a week, and free text checked live.</summary>
public sealed partial class ContributorMapTests
{
    [Fact]
    public async Task Hours_editor_writes_seasonal_hours_the_API_reads_previews_free_text_live_and_the_proposal_is_accepted()
    {
        var spot = await QuietPlaceAsync(WesternPlaces);
        var email = $"hours-{Guid.NewGuid():N}@facilities.test";
        using var registered = await RegisterAsync(email, "Hours");
        var phone = await LocatedPhoneAsync(spot);
        var page = phone.Page;
        var requested = new List<string>();
        page.Request += (_, request) => requested.Add(new Uri(request.Url).AbsolutePath);
        await SignInOnPageAsync(page, email, Password);
        await page.ClickAsync("#add-facility");
        await page.FillAsync("#contrib [data-field='changes.name']", "Seasonal park toilet");
        // The editor's script comes with the first use, not with the contributor's panel.
        Assert.DoesNotContain("/hours-editor.js", requested);
        await page.ClickAsync("#hours-editor-open");
        await page.WaitForSelectorAsync("#hours-editor");
        Assert.Contains("/hours-editor.js", requested);
        var hours = page.Locator("#contrib [data-field='changes.opening_hours']");
        Assert.Equal("Mo-Fr 09:00-17:00", await hours.InputValueAsync());

        // April to October, Monday to Saturday 08:00–20:00; Sundays and public holidays closed.
        var first = page.Locator("#hours-editor [data-rule='0']");
        await first.Locator("input[data-day='Sa']").CheckAsync();
        await first.Locator("select[data-part='season']").SelectOptionAsync("season");
        await first.Locator("[data-range='0'] input[data-part='from']").FillAsync("08:00");
        await first.Locator("[data-range='0'] input[data-part='to']").FillAsync("20:00");
        await page.ClickAsync("#hours-add-rule");
        var second = page.Locator("#hours-editor [data-rule='1']");
        await second.Locator("input[data-day='Su']").CheckAsync();
        await second.Locator("input[data-day='PH']").CheckAsync();
        await second.Locator("input[data-part='closed']").CheckAsync();
        const string Written = "Apr-Oct Mo-Sa 08:00-20:00; Su,PH off";
        Assert.Equal(Written, await hours.InputValueAsync());

        // The preview is the API's reading at the pin: a week in July is open on Saturday, one in January is not.
        await page.FillAsync("#hours-preview input[data-part='week-of']", "2026-07-06");
        await page.WaitForSelectorAsync("#hours-preview[data-state='readable'] tr[data-date='2026-07-06']");
        Assert.Equal(Written, await page.GetAttributeAsync("#hours-preview", "data-value"));
        Assert.Equal("08:00–20:00", await page.InnerTextAsync("#hours-preview tr[data-day='sa'] td"));
        Assert.Equal("closed", await page.InnerTextAsync("#hours-preview tr[data-day='su'] td"));
        await AssertFitsThePhoneAsync(page);
        await phone.ScreenshotAsync("hours-editor-july");
        await page.FillAsync("#hours-preview input[data-part='week-of']", "2026-01-05");
        await page.WaitForSelectorAsync("#hours-preview[data-state='readable'] tr[data-date='2026-01-05']");
        Assert.Equal("closed", await page.InnerTextAsync("#hours-preview tr[data-day='sa'] td"));
        using (var week = JsonDocument.Parse(await fixture.Api.GetStringAsync(string.Create(CultureInfo.InvariantCulture,
                   $"/api/v1/opening-hours/week?value={Uri.EscapeDataString(Written)}&lat={spot.Lat}&lon={spot.Lon}&from=2026-01-05"))))
        {
            Assert.Empty(week.RootElement.GetProperty("days")[5].GetProperty("spans").EnumerateArray());
        }

        // Free text is welcome, and read as it is typed: what the API cannot read says where it stops making sense.
        await hours.FillAsync("Mo-Fr 25:00-99:00");
        await page.WaitForSelectorAsync("#hours-preview[data-state='unreadable']");
        Assert.StartsWith("The map cannot read these hours: Not readable as opening hours: expected a time at",
            await page.InnerTextAsync("#hours-preview .action-message.error"), StringComparison.Ordinal);
        await phone.ScreenshotAsync("hours-editor-unreadable");
        await hours.FillAsync(Written);
        await page.WaitForSelectorAsync("#hours-preview[data-state='readable']");

        await page.FillAsync("#contrib [data-field='comment']", "Sign at the gate: summer season only");
        await page.ClickAsync("#contrib button[type='submit']");
        await page.WaitForSelectorAsync("#sent-message");
        var row = page.Locator("#my-proposals li[data-state='pending']");
        using var proposal = JsonDocument.Parse(await OwnProposalAsync(page, (await row.GetAttributeAsync("data-proposal-id"))!));
        Assert.Equal(Written, proposal.RootElement.GetProperty("changes").GetProperty("opening_hours").GetString());

        // The admin's approval puts the hours on the map: open on a July Saturday afternoon, closed on a January one.
        using var admin = await SignInAsync(BrowserFixture.AdminEmail, BrowserFixture.AdminPassword);
        using (var vote = await admin.PostAsJsonAsync($"/api/v1/proposals/{proposal.RootElement.GetProperty("id").GetString()}/votes", new { vote = "up" }))
        {
            Assert.Equal(HttpStatusCode.OK, vote.StatusCode);
        }
        using var accepted = JsonDocument.Parse(await admin.GetStringAsync($"/api/v1/proposals/{proposal.RootElement.GetProperty("id").GetString()}"));
        Assert.Equal("accepted", accepted.RootElement.GetProperty("state").GetString());
        var facilityId = accepted.RootElement.GetProperty("facility_id").GetString()!;
        foreach (var (at, open) in new[] { ("2026-07-11T15:00:00%2B08:00", true), ("2026-01-10T15:00:00%2B08:00", false) })
        {
            using var facility = JsonDocument.Parse(await fixture.Api.GetStringAsync($"/api/v1/facilities/{facilityId}?at={at}"));
            Assert.Equal(open, facility.RootElement.GetProperty("properties").GetProperty("open_now").GetBoolean());
        }
        await phone.CloseAsync();
    }
}
