using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;

namespace Facilities.Web.Tests;

/// <summary>The partners screen on a phone: an admin creates a partner and sees its key once, rotates it and revokes it,
/// and each key works at the partner API exactly as long as the screen says.</summary>
public sealed partial class ContributorMapTests
{
    [Fact]
    public async Task Admin_creates_a_partner_sees_its_key_once_rotates_it_and_revokes_it_and_the_revoked_key_gets_401()
    {
        var tag = Guid.NewGuid().ToString("N")[..8];
        // A long name: the card must wrap it on a 390 px phone.
        var name = $"Xuanwu District Sanitation and Public Conveniences Bureau {tag}";
        using var admin = await SignInAsync(BrowserFixture.AdminEmail, BrowserFixture.AdminPassword);

        var (phone, requested) = await AdminOnPhoneAsync();
        var page = phone.Page;
        // The screen's script loads only when an admin opens it.
        Assert.DoesNotContain("/admin-partners.js", requested);
        await page.ClickAsync("#partners-open");
        await page.WaitForSelectorAsync("#partner-list[aria-busy='false']");
        Assert.Contains("/admin-partners.js", requested);
        Assert.Equal("Partners", await page.InnerTextAsync("#contrib-title"));

        // An empty name is the API's refusal, next to the field.
        await page.ClickAsync("#partner-create");
        var nameError = page.Locator("#contrib [data-error-for='name']");
        await nameError.And(page.Locator(":not(:empty)")).WaitForAsync();
        Assert.Equal("A name of 1 to 200 characters is required.", await nameError.InnerTextAsync());

        await page.FillAsync("#contrib [data-field='name']", name);
        await page.ClickAsync("#partner-create");
        await page.WaitForSelectorAsync("#partner-new-key");
        var key = await page.InputValueAsync("#partner-new-key");
        Assert.False(string.IsNullOrWhiteSpace(key));
        var card = page.Locator("#partner-list li.partner-card", new PageLocatorOptions { Has = page.Locator("#partner-key-once") });
        Assert.Equal(name, await card.Locator("h3").InnerTextAsync());
        var partnerId = (await card.GetAttributeAsync("data-partner-id"))!;
        Assert.Equal("Has a working key", await card.Locator(".partner-state").InnerTextAsync());
        Assert.Equal(1, await card.Locator(".partner-keys li.working").CountAsync());

        // The copy button puts exactly the key on the clipboard.
        await AssertCopiesTheKeyAsync(page, "partner", key);
        await AssertFitsThePhoneAsync(page);
        await phone.ScreenshotAsync("admin-partner-created");

        // The key works: the partner defines a dataset with it.
        Assert.Equal(HttpStatusCode.OK, await PartnerStatusAsync(key));
        using (var partner = PartnerClient(key))
        using (var dataset = await partner.PostAsJsonAsync("/api/v1/partner/datasets",
                   new { name = "Xuanwu public toilets", license = "CC-BY-4.0", attribution = name, mapping = new { id = "id", lon = "lon", lat = "lat" } }))
        {
            Assert.True(dataset.StatusCode == HttpStatusCode.Created, await dataset.Content.ReadAsStringAsync());
        }

        // Shown once: opened again, the screen lists the partner with its dataset and no key anywhere, as the API does.
        await page.ClickAsync("#contrib-close");
        await page.ClickAsync("#contribute");
        await page.ClickAsync("#partners-open");
        await page.WaitForSelectorAsync("#partner-list[aria-busy='false']");
        card = page.Locator($"#partner-list li[data-partner-id='{partnerId}']");
        Assert.Equal("Xuanwu public toilets · official · 0 records", await card.Locator(".partner-datasets li").InnerTextAsync());
        Assert.Equal(0, await page.Locator("#partner-new-key").CountAsync());
        Assert.DoesNotContain(key, await page.ContentAsync(), StringComparison.Ordinal);
        Assert.DoesNotContain(key, await admin.GetStringAsync("/api/v1/admin/partners"), StringComparison.Ordinal);

        // Rotate: the first tap says what it does, the second makes a new key, shown once; the old key stops at once.
        await card.Locator("button[data-action='rotate']").ClickAsync();
        Assert.Contains("Tap again to rotate", await card.Locator(".action-message").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, await PartnerStatusAsync(key));
        await card.Locator("button[data-action='rotate']").ClickAsync();
        await card.Locator("#partner-new-key").WaitForAsync();
        var rotated = await card.Locator("#partner-new-key").InputValueAsync();
        Assert.NotEqual(key, rotated);
        Assert.Equal(HttpStatusCode.Unauthorized, await PartnerStatusAsync(key));
        Assert.Equal(HttpStatusCode.OK, await PartnerStatusAsync(rotated));
        Assert.Equal(1, await card.Locator(".partner-keys li.working").CountAsync());
        Assert.Equal(1, await card.Locator(".partner-keys li.revoked").CountAsync());

        // Revoke, after the second tap: the partner is locked out, and its last key gets a 401 problem.
        await card.Locator("button[data-action='revoke']").ClickAsync();
        Assert.Equal(HttpStatusCode.OK, await PartnerStatusAsync(rotated));
        await card.Locator("button[data-action='revoke']").ClickAsync();
        await page.Locator($"#partner-list li[data-partner-id='{partnerId}'][data-active='false']").WaitForAsync();
        Assert.Equal("No working key: locked out", await card.Locator(".partner-state").InnerTextAsync());
        Assert.Equal($"Every key of {name} is revoked.", await card.Locator(".action-message.done").InnerTextAsync());
        Assert.Equal(2, await card.Locator(".partner-keys li.revoked").CountAsync());
        Assert.Equal(0, await card.Locator("button[data-action='revoke']").CountAsync());
        using (var partner = PartnerClient(rotated))
        using (var refused = await partner.GetAsync("/api/v1/partner/datasets"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
            using var problem = JsonDocument.Parse(await refused.Content.ReadAsStringAsync());
            Assert.False(string.IsNullOrEmpty(problem.RootElement.GetProperty("detail").GetString()));
        }
        await card.ScrollIntoViewIfNeededAsync();
        await AssertFitsThePhoneAsync(page);
        await phone.ScreenshotAsync("admin-partner-revoked");
        await phone.CloseAsync();
    }

    /// <summary>The admin signed in on a phone whose page may use the clipboard, and the paths the page requests from then on.</summary>
    private async Task<(PhonePage Phone, List<string> Requested)> AdminOnPhoneAsync()
    {
        var phone = await LocatedPhoneAsync(QuietPlaces[0]);
        await phone.Page.Context.GrantPermissionsAsync(["clipboard-read", "clipboard-write"], new BrowserContextGrantPermissionsOptions { Origin = fixture.BaseUrl });
        var requested = new List<string>();
        phone.Page.Request += (_, request) => requested.Add(new Uri(request.Url).AbsolutePath);
        await SignInOnPageAsync(phone.Page, BrowserFixture.AdminEmail, BrowserFixture.AdminPassword);
        return (phone, requested);
    }

    /// <summary>The copy button of a key shown once (ids prefixed <paramref name="prefix"/>) puts exactly the key on the clipboard.</summary>
    private static async Task AssertCopiesTheKeyAsync(IPage page, string prefix, string key)
    {
        await page.ClickAsync($"#{prefix}-copy-key");
        await page.Locator($"#{prefix}-key-once .action-message.done").WaitForAsync();
        Assert.Equal(key, await page.EvaluateAsync<string>("() => navigator.clipboard.readText()"));
    }

    private HttpClient PartnerClient(string key)
    {
        var client = new HttpClient { BaseAddress = new Uri(fixture.BaseUrl) };
        client.DefaultRequestHeaders.Add("X-Api-Key", key);
        return client;
    }

    private async Task<HttpStatusCode> PartnerStatusAsync(string key)
    {
        using var partner = PartnerClient(key);
        using var response = await partner.GetAsync("/api/v1/partner/datasets");
        return response.StatusCode;
    }
}
