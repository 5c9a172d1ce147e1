using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;

namespace Facilities.Web.Tests;

/// <summary>A facility's history on the page, and a temporary closure with the day it reopens proposed from it.</summary>
public sealed partial class ContributorMapTests
{
    [Fact]
    public async Task History_shows_who_when_what_and_why_and_a_temporary_closure_proposed_on_the_page_joins_it_once_approved()
    {
        var spot = await QuietPlaceAsync(WesternPlaces);
        using var admin = await SignInAsync(BrowserFixture.AdminEmail, BrowserFixture.AdminPassword);
        var id = await AdminAddsAsync(admin, (spot.Lat, spot.Lon), new { category = "toilet", name = "Museum toilet", opening_hours = "Mo-Fr 09:00-17:00" });
        var email = $"historian-{Guid.NewGuid():N}@facilities.test";
        using var registered = await RegisterAsync(email, "Historian");
        using var contributor = await SignInAsync(email, Password);
        using var update = await ProposeAsync(contributor, new
        {
            kind = "update",
            facility_id = id,
            base_version = 1,
            changes = new { opening_hours = "Mo-Sa 09:00-18:00" },
            comment = "New sign at the door",
        });
        await ApproveAsync(admin, update.RootElement.GetProperty("id").GetString()!);

        // Signed out, from the details: the history, newest first, with the hours before and after, who and why.
        var phone = await fixture.NewPhonePageAsync("en-GB", new Geolocation { Latitude = (float)spot.Lat, Longitude = (float)spot.Lon });
        var page = phone.Page;
        var requested = new List<string>();
        page.Request += (_, request) => requested.Add(new Uri(request.Url).AbsolutePath);
        await page.GotoAsync(fixture.BaseUrl + "/#/f/" + id);
        await page.WaitForSelectorAsync("#detail:not([hidden])");
        await phone.SettledAsync();
        Assert.DoesNotContain("/facility-history.js", requested);
        await page.ClickAsync("#history-open");
        await page.WaitForSelectorAsync("#history-list");
        Assert.Contains("/facility-history.js", requested);
        Assert.Equal("History: Museum toilet", await page.InnerTextAsync("#contrib-title"));
        Assert.Equal(["2", "1"], await page.Locator("#history-list > li").EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.version)"));
        var latest = page.Locator("#history-list li[data-version='2']");
        Assert.Equal("By Historian", await latest.Locator(".history-who").InnerTextAsync());
        Assert.Equal("New sign at the door", await latest.Locator(".history-why").InnerTextAsync());
        Assert.Equal("Mon–Fri 09:00–17:00", await latest.Locator("tr[data-attribute='opening_hours'] td.before").InnerTextAsync());
        Assert.Equal("Mon–Sat 09:00–18:00", await latest.Locator("tr[data-attribute='opening_hours'] td.after").InnerTextAsync());
        Assert.StartsWith("Decided by 1 vote(s)", await latest.Locator(".tally").InnerTextAsync(), StringComparison.Ordinal);
        var first = page.Locator("#history-list li[data-version='1']");
        Assert.Equal("Added to the map · By admin", await first.Locator(".history-who").InnerTextAsync());
        Assert.Equal("Museum toilet", await first.Locator("tr[data-attribute='name'] td.after").InnerTextAsync());
        await AssertFitsThePhoneAsync(page);
        await phone.ScreenshotAsync("facility-history");

        // Closed for works until a day in ten days' time: proposed from "Suggest an edit", after signing in there.
        await page.ClickAsync("#history-edit");
        await page.FillAsync("#contrib [data-field='email']", email);
        await page.FillAsync("#contrib [data-field='password']", Password);
        await page.ClickAsync("#contrib button[type='submit']");
        await page.WaitForSelectorAsync("#contrib form[data-version]");
        Assert.DoesNotContain("/facility-actions.js", requested);
        await page.ClickAsync("#closure-open");
        await page.WaitForSelectorAsync("#closure-now");
        Assert.Equal("Now: open", await page.InnerTextAsync("#closure-now"));
        Assert.True(await page.IsCheckedAsync("#contrib input[data-choice='temporarily_closed']"));
        await page.FillAsync("#contrib [data-field='comment']", "Notice on the door: closed for repairs");
        // No day chosen: the page asks for it before anything is sent.
        await page.ClickAsync("#contrib button[type='submit']");
        Assert.Equal("Choose the day it reopens.", await page.InnerTextAsync("#contrib [data-error-for='status_until']"));
        var reopens = DateTime.Today.AddDays(10).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        await page.FillAsync("#contrib [data-field='status_until']", reopens);
        await AssertFitsThePhoneAsync(page);
        await phone.ScreenshotAsync("facility-temporary-closure");
        await page.ClickAsync("#contrib button[type='submit']");
        await page.WaitForSelectorAsync("#sent-message");
        Assert.Equal("Sent: it waits for review by others.", await page.InnerTextAsync("#sent-message"));
        var proposalId = (await page.Locator("#my-proposals li[data-state='pending']").GetAttributeAsync("data-proposal-id"))!;
        using (var proposal = JsonDocument.Parse(await OwnProposalAsync(page, proposalId)))
        {
            var p = proposal.RootElement;
            Assert.Equal("close", p.GetProperty("kind").GetString());
            Assert.Equal(2, p.GetProperty("base_version").GetInt32());
            Assert.Equal("temporarily_closed", p.GetProperty("changes").GetProperty("status").GetString());
        }
        // The browser's midnight of that day, as the API stores it.
        var midnight = await page.EvaluateAsync<string>("day => new Date(day + 'T00:00:00').toISOString().slice(0, 19) + 'Z'", reopens);

        // Approved: the facility is closed until then, and the history shows the closure as its newest version.
        await ApproveAsync(admin, proposalId);
        using (var facility = JsonDocument.Parse(await fixture.Api.GetStringAsync($"/api/v1/facilities/{id}")))
        {
            var p = facility.RootElement.GetProperty("properties");
            Assert.Equal("temporarily_closed", p.GetProperty("status").GetString());
            Assert.Equal(DateTime.Parse(midnight, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal),
                p.GetProperty("status_until").GetDateTime().ToUniversalTime());
            Assert.False(p.GetProperty("open_now").GetBoolean());
        }
        await page.ClickAsync("#contrib-close");
        await page.ClickAsync("#history-open");
        await page.WaitForSelectorAsync("#history-list li[data-version='3']");
        var closure = page.Locator("#history-list > li").First;
        Assert.Equal("3", await closure.GetAttributeAsync("data-version"));
        Assert.Equal("By Historian", await closure.Locator(".history-who").InnerTextAsync());
        Assert.Equal("Open", await closure.Locator("tr[data-attribute='status'] td.before").InnerTextAsync());
        Assert.Equal("Temporarily closed", await closure.Locator("tr[data-attribute='status'] td.after").InnerTextAsync());
        Assert.Equal("Notice on the door: closed for repairs", await closure.Locator(".history-why").InnerTextAsync());
        await phone.ScreenshotAsync("facility-history-closure");
        await phone.CloseAsync();
    }

    [Fact]
    public async Task A_moderator_drags_a_facility_to_its_real_place_and_the_move_applies()
    {
        var spot = await QuietPlaceAsync(WesternPlaces);
        using var admin = await SignInAsync(BrowserFixture.AdminEmail, BrowserFixture.AdminPassword);
        var id = await AdminAddsAsync(admin, (spot.Lat, spot.Lon), new { category = "toilet", name = "Misplaced toilet" });
        var phone = await LocatedPhoneAsync(spot);
        var page = phone.Page;
        await SignInOnPageAsync(page, BrowserFixture.AdminEmail, BrowserFixture.AdminPassword);
        await OpenDetailsFromListAsync(phone, id);
        await page.ClickAsync("#edit");
        await page.ClickAsync("#move-open");
        await page.WaitForSelectorAsync("#move-at");
        Assert.Equal("Moves 0 m", await page.InnerTextAsync("#move-at"));

        // 80 px east at zoom 18 is about 40 m.
        var pin = (await page.Locator(".move-pin").BoundingBoxAsync())!;
        var (x, y) = (pin.X + pin.Width / 2, pin.Y + pin.Height / 2);
        await page.Mouse.MoveAsync(x, y);
        await page.Mouse.DownAsync();
        await page.Mouse.MoveAsync(x + 40, y, new MouseMoveOptions { Steps = 5 });
        await page.Mouse.MoveAsync(x + 80, y, new MouseMoveOptions { Steps = 5 });
        await page.Mouse.UpAsync();
        var lon = double.Parse((await page.GetAttributeAsync("#move-at", "data-lon"))!, CultureInfo.InvariantCulture);
        Assert.NotEqual("Moves 0 m", await page.InnerTextAsync("#move-at"));
        await page.FillAsync("#contrib [data-field='comment']", "The toilet is by the east gate");
        await AssertFitsThePhoneAsync(page);
        await phone.ScreenshotAsync("facility-move");
        await page.ClickAsync("#contrib button[type='submit']");
        await page.WaitForSelectorAsync("#sent-message");
        Assert.Equal("Done: your change is on the map.", await page.InnerTextAsync("#sent-message"));
        Assert.Equal(0, await page.Locator(".move-pin").CountAsync());
        using var facility = JsonDocument.Parse(await fixture.Api.GetStringAsync($"/api/v1/facilities/{id}"));
        var coordinates = facility.RootElement.GetProperty("geometry").GetProperty("coordinates");
        Assert.Equal(lon, coordinates[0].GetDouble(), 6);
        Assert.InRange(DistanceM(spot.Lat, spot.Lon, coordinates[1].GetDouble(), coordinates[0].GetDouble()), 20, 80);
        await phone.CloseAsync();
    }

    private static async Task ApproveAsync(HttpClient admin, string proposalId)
    {
        using var vote = await admin.PostAsJsonAsync($"/api/v1/proposals/{proposalId}/votes", new { vote = "up" });
        var text = await vote.Content.ReadAsStringAsync();
        Assert.True(vote.StatusCode == HttpStatusCode.OK, text);
        using var result = JsonDocument.Parse(text);
        Assert.Equal("accepted", result.RootElement.GetProperty("state").GetString());
    }
}
