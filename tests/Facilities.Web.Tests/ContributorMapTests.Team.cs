using System.Text.Json;

namespace Facilities.Web.Tests;

/// <summary>The team screen on a phone: an admin finds an account and changes it, each change read back from the API.</summary>
public sealed partial class ContributorMapTests
{
    [Fact]
    public async Task Admin_finds_a_user_on_the_team_screen_grants_moderator_sets_reputation_and_blocks()
    {
        // A long address and name: the card must wrap them on a 390 px phone.
        var tag = Guid.NewGuid().ToString("N");
        var email = $"volunteer.team.screen.{tag}@xuanwu-district-volunteers.facilities.test";
        using var registered = await RegisterAsync(email, "Wang Xiaoming of the Xuanwu volunteers");
        var userId = registered.RootElement.GetProperty("id").GetString()!;
        using var admin = await SignInAsync(BrowserFixture.AdminEmail, BrowserFixture.AdminPassword);

        var phone = await LocatedPhoneAsync(QuietPlaces[0]);
        var page = phone.Page;
        await SignInOnPageAsync(page, BrowserFixture.AdminEmail, BrowserFixture.AdminPassword);
        await page.ClickAsync("#team-open");
        await page.WaitForSelectorAsync("#contrib .contrib-body[aria-busy='false']");
        await page.FillAsync("#contrib [data-field='q']", tag);
        await page.ClickAsync("#contrib button[type='submit']");
        var card = page.Locator($"#team-list li[data-user-id='{userId}']");
        await card.WaitForAsync();
        Assert.Equal(1, await page.Locator("#team-list li.member").CountAsync());
        Assert.Contains(email, await card.Locator("h3").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal("Reputation 1 · contributor", await card.Locator(".member-facts").InnerTextAsync());
        await AssertFitsThePhoneAsync(page);
        await phone.ScreenshotAsync("team-found");

        await card.Locator("button[data-action='moderator']").ClickAsync();
        await page.Locator($"#team-list li[data-user-id='{userId}'] .action-message.done").WaitForAsync();
        Assert.Equal("Reputation 1 · moderator", await card.Locator(".member-facts").InnerTextAsync());
        Assert.Equal("Remove moderator", await card.Locator("button[data-action='moderator']").InnerTextAsync());
        Assert.Equal(["moderator"], (await MemberAsync(admin, email)).GetProperty("roles").EnumerateArray().Select(r => r.GetString()));

        await card.Locator("input[name='reputation']").FillAsync("250");
        await card.Locator("button[data-action='reputation']").ClickAsync();
        await page.WaitForFunctionAsync("id => document.querySelector(`#team-list li[data-user-id='${id}'] .member-facts`)?.textContent.startsWith('Reputation 250')", userId);
        Assert.Equal(250, (await MemberAsync(admin, email)).GetProperty("reputation").GetInt32());
        // The audited change is the card's latest activity.
        Assert.Contains("reputation 1 → 250", await card.Locator(".member-recent li").First.InnerTextAsync(), StringComparison.Ordinal);

        await card.Locator("button[data-action='block']").ClickAsync();
        await page.WaitForFunctionAsync("id => document.querySelector(`#team-list li[data-user-id='${id}'] .member-facts`)?.textContent.endsWith('blocked')", userId);
        Assert.Equal("Unblock", await card.Locator("button[data-action='block']").InnerTextAsync());
        Assert.True((await MemberAsync(admin, email)).GetProperty("blocked").GetBoolean());
        await AssertFitsThePhoneAsync(page);
        await phone.ScreenshotAsync("team-changed");
        await phone.CloseAsync();
    }

    /// <summary>The account as GET /api/v1/admin/users finds it by its e-mail address.</summary>
    private static async Task<JsonElement> MemberAsync(HttpClient admin, string email)
    {
        using var found = JsonDocument.Parse(await admin.GetStringAsync("/api/v1/admin/users?q=" + Uri.EscapeDataString(email)));
        return found.RootElement.GetProperty("users").EnumerateArray().Single().Clone();
    }
}
