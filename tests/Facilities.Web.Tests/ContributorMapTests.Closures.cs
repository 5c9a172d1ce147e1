using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace Facilities.Web.Tests;

/// <summary>Closed or open (facility-actions.js): a temporary closure reopened on the page, a facility taken off the map
/// as gone for good; and the hours editor in Chinese.</summary>
public sealed partial class ContributorMapTests
{
    [Fact]
    public async Task A_contributor_says_a_temporarily_closed_facility_is_open_again_and_once_approved_it_is_open_on_the_page()
    {
        var spot = await QuietPlaceAsync(WesternPlaces);
        using var admin = await SignInAsync(BrowserFixture.AdminEmail, BrowserFixture.AdminPassword);
        var id = await AdminAddsAsync(admin, (spot.Lat, spot.Lon), new { category = "toilet", name = "Library toilet", opening_hours = "24/7" });
        var until = DateTime.UtcNow.Date.AddDays(20);
        using (var closure = await ProposeAsync(admin, new
        {
            kind = "close",
            facility_id = id,
            base_version = 1,
            status_until = until.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
            comment = "Closed for refurbishment",
        }))
        {
            Assert.Equal("accepted", closure.RootElement.GetProperty("state").GetString());
        }
        var email = $"reopener-{Guid.NewGuid():N}@facilities.test";
        using var registered = await RegisterAsync(email, "Reopener");

        var phone = await LocatedPhoneAsync(spot);
        var page = phone.Page;
        await SignInOnPageAsync(page, email, Password);
        await OpenDetailsFromListAsync(phone, id);
        Assert.StartsWith("Temporarily closed until ", await page.InnerTextAsync("#detail-open"), StringComparison.Ordinal);

        // "Suggest an edit" offers "Open again?" for a closed facility; the choice starts at "open again".
        await page.ClickAsync("#edit");
        await page.WaitForSelectorAsync("#closure-open");
        Assert.Equal("Open again?", await page.InnerTextAsync("#closure-open"));
        await page.ClickAsync("#closure-open");
        await page.WaitForSelectorAsync("#closure-now");
        Assert.Equal("Closed or open: Library toilet", await page.InnerTextAsync("#contrib-title"));
        Assert.StartsWith("Now: temporarily closed until ", await page.InnerTextAsync("#closure-now"), StringComparison.Ordinal);
        Assert.Equal(["open", "temporarily_closed", "removed"],
            await page.Locator("#contrib input[name='closure']").EvaluateAllAsync<string[]>("inputs => inputs.map(i => i.value)"));
        Assert.True(await page.IsCheckedAsync("#contrib input[data-choice='open']"));
        Assert.True(await page.Locator("#contrib [data-field='status_until']").IsHiddenAsync());
        await page.FillAsync("#contrib [data-field='comment']", "The works are finished, the door is open");
        await AssertFitsThePhoneAsync(page);
        await phone.ScreenshotAsync("facility-reopen");
        await page.ClickAsync("#contrib button[type='submit']");
        await page.WaitForSelectorAsync("#sent-message");
        Assert.Equal("Sent: it waits for review by others.", await page.InnerTextAsync("#sent-message"));
        var proposalId = (await page.Locator("#my-proposals li[data-state='pending']").GetAttributeAsync("data-proposal-id"))!;
        using (var proposal = JsonDocument.Parse(await OwnProposalAsync(page, proposalId)))
        {
            var p = proposal.RootElement;
            Assert.Equal("reopen", p.GetProperty("kind").GetString());
            Assert.Equal(2, p.GetProperty("base_version").GetInt32());
            Assert.Equal("open", p.GetProperty("changes").GetProperty("status").GetString());
            Assert.Equal(JsonValueKind.Null, p.GetProperty("changes").GetProperty("status_until").ValueKind);
        }

        // Approved: open again, with no end date, and the page says so; the history shows the reopening.
        await ApproveAsync(admin, proposalId);
        using (var facility = JsonDocument.Parse(await fixture.Api.GetStringAsync($"/api/v1/facilities/{id}")))
        {
            var p = facility.RootElement.GetProperty("properties");
            Assert.Equal("open", p.GetProperty("status").GetString());
            Assert.Equal(JsonValueKind.Null, p.GetProperty("status_until").ValueKind);
            Assert.True(p.GetProperty("open_now").GetBoolean());
        }
        await page.GotoAsync(fixture.BaseUrl + "/#/f/" + id);
        await page.ReloadAsync();
        await page.WaitForSelectorAsync("#detail:not([hidden])");
        await phone.SettledAsync();
        await page.WaitForSelectorAsync("#detail-open.open");
        Assert.DoesNotContain("closed", await page.InnerTextAsync("#detail-open"), StringComparison.OrdinalIgnoreCase);
        await page.ClickAsync("#history-open");
        await page.WaitForSelectorAsync("#history-list li[data-version='3']");
        var reopening = page.Locator("#history-list > li").First;
        Assert.Equal("3", await reopening.GetAttributeAsync("data-version"));
        Assert.Equal("By Reopener", await reopening.Locator(".history-who").InnerTextAsync());
        Assert.Equal("Temporarily closed", await reopening.Locator("tr[data-attribute='status'] td.before").InnerTextAsync());
        Assert.Equal("Open", await reopening.Locator("tr[data-attribute='status'] td.after").InnerTextAsync());
        Assert.Equal("Closed until", await reopening.Locator("tr[data-attribute='status_until'] th").InnerTextAsync());
        Assert.Equal("—", await reopening.Locator("tr[data-attribute='status_until'] td.after").InnerTextAsync());
        Assert.Equal("The works are finished, the door is open", await reopening.Locator(".history-why").InnerTextAsync());
        await phone.ScreenshotAsync("facility-reopened-history");
        await phone.CloseAsync();
    }

    [Fact]
    public async Task A_moderator_marks_a_facility_gone_for_good_on_the_page_and_it_leaves_the_map()
    {
        var spot = await QuietPlaceAsync(WesternPlaces);
        using var admin = await SignInAsync(BrowserFixture.AdminEmail, BrowserFixture.AdminPassword);
        var id = await AdminAddsAsync(admin, (spot.Lat, spot.Lon), new { category = "toilet", name = "Demolished toilet" });
        var phone = await LocatedPhoneAsync(spot);
        var page = phone.Page;
        await SignInOnPageAsync(page, BrowserFixture.AdminEmail, BrowserFixture.AdminPassword);
        await OpenDetailsFromListAsync(phone, id);
        await page.ClickAsync("#edit");
        await page.WaitForSelectorAsync("#closure-open");
        Assert.Equal("Closed?", await page.InnerTextAsync("#closure-open"));
        await page.ClickAsync("#closure-open");
        await page.WaitForSelectorAsync("#closure-now");
        Assert.Equal("Now: open", await page.InnerTextAsync("#closure-now"));
        // An open facility can be closed for a while or be gone; "open again" is not offered.
        Assert.Equal(["temporarily_closed", "removed"],
            await page.Locator("#contrib input[name='closure']").EvaluateAllAsync<string[]>("inputs => inputs.map(i => i.value)"));
        Assert.True(await page.Locator("#contrib [data-field='status_until']").IsVisibleAsync());
        await page.CheckAsync("#contrib input[data-choice='removed']");
        // Gone for good has no day it reopens.
        Assert.True(await page.Locator("#contrib [data-field='status_until']").IsHiddenAsync());
        await page.FillAsync("#contrib [data-field='comment']", "Demolished for the new station");
        await AssertFitsThePhoneAsync(page);
        await phone.ScreenshotAsync("facility-removal");
        await page.ClickAsync("#contrib button[type='submit']");
        await page.WaitForSelectorAsync("#sent-message");
        Assert.Equal("Done: your change is on the map.", await page.InnerTextAsync("#sent-message"));

        using (var facility = JsonDocument.Parse(await fixture.Api.GetStringAsync($"/api/v1/facilities/{id}")))
        {
            var p = facility.RootElement.GetProperty("properties");
            Assert.Equal("removed", p.GetProperty("status").GetString());
            Assert.Equal(JsonValueKind.Null, p.GetProperty("status_until").ValueKind);
            Assert.Equal(2, p.GetProperty("version").GetInt32());
        }
        using (var near = JsonDocument.Parse(await fixture.Api.GetStringAsync(string.Create(CultureInfo.InvariantCulture,
                   $"/api/v1/facilities/nearby?lat={spot.Lat}&lon={spot.Lon}&radius_m=300"))))
        {
            Assert.DoesNotContain(near.RootElement.GetProperty("features").EnumerateArray(), f => f.GetProperty("id").GetString() == id);
        }
        // Back from its details, the list near the contributor, asked again, no longer has it.
        await page.ClickAsync("#contrib-close");
        await page.ClickAsync("#detail-back");
        await page.WaitForSelectorAsync("#detail", new PageWaitForSelectorOptions { State = WaitForSelectorState.Hidden });
        await page.WaitForFunctionAsync("id => !document.querySelector(`#nearest-list .facility-row[data-id='${id}']`)", id);
        await phone.SettledAsync();
        await phone.ScreenshotAsync("facility-removed-map");
        await phone.CloseAsync();
    }

    [Fact]
    public async Task Hours_editor_in_Chinese_speaks_Chinese_and_writes_hours_the_API_reads_and_accepts()
    {
        var spot = await QuietPlaceAsync(WesternPlaces);
        var email = $"hours-zh-{Guid.NewGuid():N}@facilities.test";
        using var registered = await RegisterAsync(email, "小周");
        var phone = await LocatedPhoneAsync(spot, "zh-CN");
        var page = phone.Page;
        await SignInOnPageAsync(page, email, Password);
        await page.ClickAsync("#add-facility");
        await page.FillAsync("#contrib [data-field='changes.name']", "菜市场公厕");
        Assert.Equal("按天填写开放时间", await page.InnerTextAsync("#hours-editor-open"));
        await page.ClickAsync("#hours-editor-open");
        await page.WaitForSelectorAsync("#hours-editor");

        // Every word of the editor is Chinese: its legend, days, seasons, months, times and buttons.
        Assert.Equal("按天填写开放时间", await page.InnerTextAsync("#hours-editor > legend"));
        var first = page.Locator("#hours-editor [data-rule='0']");
        Assert.Equal(["周一", "周二", "周三", "周四", "周五", "周六", "周日", "节假日"],
            await first.Locator(".hours-days label").EvaluateAllAsync<string[]>("labels => labels.map(l => l.textContent.trim())"));
        await first.Locator("select[data-part='season']").SelectOptionAsync("season");
        Assert.Equal("四月", await first.Locator("select[data-part='season-from'] option:checked").InnerTextAsync());
        Assert.Equal("开门", await first.Locator("[data-range='0'] input[data-part='from']").GetAttributeAsync("aria-label"));
        await first.Locator("select[data-part='season']").SelectOptionAsync("");
        var words = await page.EvaluateAsync<string>(@"() => {
            const e = document.getElementById('hours-editor');
            return [e.innerText, ...[...e.querySelectorAll('[aria-label]')].map(x => x.getAttribute('aria-label')),
                    ...[...e.querySelectorAll('option')].map(o => o.textContent)].join(' ');
        }");
        Assert.DoesNotMatch(new Regex("[A-Za-z]"), words);

        // Monday to Friday 07:00–22:00; weekends and public holidays 08:00–20:00.
        await first.Locator("[data-range='0'] input[data-part='from']").FillAsync("07:00");
        await first.Locator("[data-range='0'] input[data-part='to']").FillAsync("22:00");
        await page.ClickAsync("#hours-add-rule");
        var second = page.Locator("#hours-editor [data-rule='1']");
        await second.Locator("input[data-day='Sa']").CheckAsync();
        await second.Locator("input[data-day='Su']").CheckAsync();
        await second.Locator("input[data-day='PH']").CheckAsync();
        await second.Locator("[data-range='0'] input[data-part='from']").FillAsync("08:00");
        await second.Locator("[data-range='0'] input[data-part='to']").FillAsync("20:00");
        const string Written = "Mo-Fr 07:00-22:00; Sa,Su,PH 08:00-20:00";
        var hours = page.Locator("#contrib [data-field='changes.opening_hours']");
        Assert.Equal(Written, await hours.InputValueAsync());

        // The preview, in Chinese, is the API's reading: a week in July, Saturday 08:00–20:00, Monday 07:00–22:00.
        await page.FillAsync("#hours-preview input[data-part='week-of']", "2026-07-06");
        await page.WaitForSelectorAsync("#hours-preview[data-state='readable'] tr[data-date='2026-07-06']");
        Assert.Equal(Written, await page.GetAttributeAsync("#hours-preview", "data-value"));
        Assert.Equal("08:00–20:00", await page.InnerTextAsync("#hours-preview tr[data-day='sa'] td"));
        Assert.Equal("07:00–22:00", await page.InnerTextAsync("#hours-preview tr[data-day='mo'] td"));
        Assert.StartsWith("周六", await page.InnerTextAsync("#hours-preview tr[data-day='sa'] th"), StringComparison.Ordinal);
        Assert.StartsWith("地图对这些开放时间的理解", await page.InnerTextAsync("#hours-preview .hint"), StringComparison.Ordinal);
        await AssertFitsThePhoneAsync(page);
        await phone.ScreenshotAsync("hours-editor-zh");
        using (var week = JsonDocument.Parse(await fixture.Api.GetStringAsync(string.Create(CultureInfo.InvariantCulture,
                   $"/api/v1/opening-hours/week?value={Uri.EscapeDataString(Written)}&lat={spot.Lat}&lon={spot.Lon}&from=2026-07-06"))))
        {
            var saturday = week.RootElement.GetProperty("days")[5].GetProperty("spans")[0];
            Assert.Equal(("08:00", "20:00"), (saturday.GetProperty("from").GetString(), saturday.GetProperty("to").GetString()));
        }

        // Unreadable text typed in the field is said in Chinese too.
        await hours.FillAsync("Mo-Fr 25:00-99:00");
        await page.WaitForSelectorAsync("#hours-preview[data-state='unreadable']");
        Assert.StartsWith("地图无法读懂这些开放时间：", await page.InnerTextAsync("#hours-preview .action-message.error"), StringComparison.Ordinal);
        await hours.FillAsync(Written);
        await page.WaitForSelectorAsync("#hours-preview[data-state='readable']");

        await page.FillAsync("#contrib [data-field='comment']", "门口贴着开放时间");
        await page.ClickAsync("#contrib button[type='submit']");
        await page.WaitForSelectorAsync("#sent-message");
        Assert.Equal("已提交，等待其他人审核。", await page.InnerTextAsync("#sent-message"));
        var row = page.Locator("#my-proposals li[data-state='pending']");
        var proposalId = (await row.GetAttributeAsync("data-proposal-id"))!;
        using (var proposal = JsonDocument.Parse(await OwnProposalAsync(page, proposalId)))
        {
            Assert.Equal(Written, proposal.RootElement.GetProperty("changes").GetProperty("opening_hours").GetString());
        }

        // Accepted, the facility is open on a Saturday evening in Nanjing and closed on a Monday night.
        using var admin = await SignInAsync(BrowserFixture.AdminEmail, BrowserFixture.AdminPassword);
        await ApproveAsync(admin, proposalId);
        using var accepted = JsonDocument.Parse(await admin.GetStringAsync($"/api/v1/proposals/{proposalId}"));
        var facilityId = accepted.RootElement.GetProperty("facility_id").GetString()!;
        foreach (var (at, open) in new[] { ("2026-07-11T19:00:00%2B08:00", true), ("2026-07-06T23:00:00%2B08:00", false) })
        {
            using var facility = JsonDocument.Parse(await fixture.Api.GetStringAsync($"/api/v1/facilities/{facilityId}?at={at}"));
            Assert.Equal(Written, facility.RootElement.GetProperty("properties").GetProperty("opening_hours").GetString());
            Assert.Equal(open, facility.RootElement.GetProperty("properties").GetProperty("open_now").GetBoolean());
        }
        await phone.CloseAsync();
    }
}
