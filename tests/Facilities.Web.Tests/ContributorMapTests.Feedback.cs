using System.Text.Json;
using Microsoft.Playwright;

namespace Facilities.Web.Tests;

/// <summary>What a contributor's tap did and what is still needed, in the page's words and the API's numbers: a quest's
/// "still here" on a facility nobody checked for years, and an out-of-order report.</summary>
public sealed partial class ContributorMapTests
{
    [Fact]
    public async Task Needs_checking_near_me_lists_a_facility_unchecked_for_years_first_and_one_tap_confirms_it()
    {
        var spot = await QuietPlaceAsync(WesternPlaces);
        using var admin = await SignInAsync(BrowserFixture.AdminEmail, BrowserFixture.AdminPassword);
        // Complete in every key attribute, so only its age puts it on the list; a sparse one 30 m north is listed after it.
        var stale = await AdminAddsAsync(admin, (spot.Lat, spot.Lon), new
        {
            category = "toilet",
            name = "Old park toilet",
            wheelchair = "yes",
            opening_hours = "24/7",
            fee = false,
            changing_table = true,
        });
        var sparse = await AdminAddsAsync(admin, (spot.Lat + 30 / 110_574.0, spot.Lon), new { category = "toilet", name = "Sparse kiosk toilet" });
        await using (var dataSource = fixture.CreateDataSource())
        await using (var age = dataSource.CreateCommand("update facilities set last_verified_at = now() - interval '800 days' where id = $1"))
        {
            age.Parameters.AddWithValue(Guid.Parse(stale));
            Assert.Equal(1, await age.ExecuteNonQueryAsync());
        }
        var email = $"checker-{Guid.NewGuid():N}@facilities.test";
        using var registered = await RegisterAsync(email, "Checker");

        var phone = await LocatedPhoneAsync(spot);
        var page = phone.Page;
        await SignInOnPageAsync(page, email, Password);
        await page.ClickAsync("#quests-nearby");
        await page.Locator($"#quest-list li[data-facility-id='{sparse}']").WaitForAsync();
        var order = await page.Locator("#quest-list > li").EvaluateAllAsync<string[]>("cards => cards.map(c => c.dataset.facilityId)");
        Assert.Equal([stale, sparse], order.Where(id => id == stale || id == sparse));
        Assert.Equal(stale, order[0]);
        var card = page.Locator($"#quest-list li[data-facility-id='{stale}']");
        Assert.Contains("Not checked for a year", await card.InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal(0, await card.Locator(".quest-question").CountAsync());

        // One tap: a confirmation, with the usual weight; the card says what the API says is still needed.
        var response = await page.RunAndWaitForResponseAsync(
            () => card.Locator("button[data-answer='still-here']").ClickAsync(),
            r => r.Request.Method == "POST" && r.Url.EndsWith($"/api/v1/facilities/{stale}/confirmations", StringComparison.Ordinal));
        using var confirmation = JsonDocument.Parse(await response.TextAsync());
        var needed = confirmation.RootElement.GetProperty("people_needed").GetInt32();
        Assert.False(confirmation.RootElement.GetProperty("verified").GetBoolean());
        Assert.True(needed > 0);
        await card.Locator(".action-message.done").WaitForAsync();
        Assert.Equal($"Thank you: it counts when {needed} more people confirm.", await card.Locator(".action-message").InnerTextAsync());
        await AssertFitsThePhoneAsync(page);
        await phone.ScreenshotAsync("quests-still-here");
        await using (var dataSource = fixture.CreateDataSource())
        await using (var count = dataSource.CreateCommand(
            "select count(*) from confirmations c join users u on u.id = c.user_id where c.facility_id = $1 and u.email = $2"))
        {
            count.Parameters.AddWithValue(Guid.Parse(stale));
            count.Parameters.AddWithValue(email);
            Assert.Equal(1L, await count.ExecuteScalarAsync());
        }
        await phone.CloseAsync();
    }

    [Fact]
    public async Task An_out_of_order_report_on_the_page_says_how_many_more_reports_mark_it_out_of_order()
    {
        var spot = await QuietPlaceAsync(WesternPlaces);
        using var admin = await SignInAsync(BrowserFixture.AdminEmail, BrowserFixture.AdminPassword);
        var id = await AdminAddsAsync(admin, (spot.Lat, spot.Lon), new { category = "toilet", name = "Station toilet" });
        var email = $"reporter-{Guid.NewGuid():N}@facilities.test";
        using var registered = await RegisterAsync(email, "Reporter");

        var phone = await LocatedPhoneAsync(spot);
        var page = phone.Page;
        await SignInOnPageAsync(page, email, Password);
        await OpenDetailsFromListAsync(phone, id);
        await page.ClickAsync("#report");
        await page.SelectOptionAsync("#report-reason", "out_of_order");
        await page.FillAsync("#report-comment", "Water off, sign on the door");
        var response = await page.RunAndWaitForResponseAsync(
            () => page.ClickAsync("#report-form button[type='submit']"),
            r => r.Request.Method == "POST" && r.Url.EndsWith($"/api/v1/facilities/{id}/reports", StringComparison.Ordinal));
        using var report = JsonDocument.Parse(await response.TextAsync());
        var needed = report.RootElement.GetProperty("people_needed").GetInt32();
        Assert.True(needed > 0);
        await page.WaitForSelectorAsync("#action-progress:not([hidden])");
        Assert.Equal($"It is marked out of order when {needed} more people report it.", await page.InnerTextAsync("#action-progress"));
        await phone.ScreenshotAsync("report-what-is-needed");

        // A second report by the same person counts once, and the page says so.
        await page.ClickAsync("#report");
        await page.SelectOptionAsync("#report-reason", "out_of_order");
        await page.ClickAsync("#report-form button[type='submit']");
        await page.WaitForFunctionAsync("() => document.getElementById('action-progress').textContent.startsWith('You had already')");
        Assert.Equal("You had already reported this: it counts once.", await page.InnerTextAsync("#action-progress"));
        using (var facility = JsonDocument.Parse(await fixture.Api.GetStringAsync($"/api/v1/facilities/{id}")))
        {
            Assert.Equal("open", facility.RootElement.GetProperty("properties").GetProperty("status").GetString());
        }
        await phone.CloseAsync();
    }
}
