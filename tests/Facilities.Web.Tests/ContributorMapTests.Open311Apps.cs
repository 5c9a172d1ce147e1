using System.Net;
using System.Text.Json;
using Microsoft.Playwright;

namespace Facilities.Web.Tests;

/// <summary>The Open311 apps screen on a phone: an admin creates a third-party app and sees its api_key once, the app
/// files a report over Open311 with it, and once the admin revokes it the same filing is refused.</summary>
public sealed partial class ContributorMapTests
{
    /// <summary>A place of its own, south-west of the demo data, for the facility the app reports on.</summary>
    private static readonly (double Lat, double Lon)[] Open311AppPlaces = [(31.74, 118.56), (31.72, 118.64)];

    [Fact]
    public async Task Admin_creates_an_Open311_app_sees_its_key_once_the_app_files_a_report_with_it_and_after_revoking_the_same_filing_gets_403()
    {
        var spot = await QuietPlaceAsync(Open311AppPlaces);
        using var admin = await SignInAsync(BrowserFixture.AdminEmail, BrowserFixture.AdminPassword);
        var facility = await AdminAddsAsync(admin, (spot.Lat, spot.Lon), new { category = "toilet", name = "Ferry pier toilet" });
        // A long name: the card must wrap it on a 390 px phone.
        var name = $"Fix-my-street reporting app of the Yangtze riverside districts {Guid.NewGuid().ToString("N")[..8]}";

        var (phone, requested) = await AdminOnPhoneAsync();
        var page = phone.Page;
        await page.ClickAsync("#partners-open");
        await page.WaitForSelectorAsync("#partner-list[aria-busy='false']");
        // The screen's script loads only when it is opened, from the partners screen.
        Assert.DoesNotContain("/admin-open311-apps.js", requested);
        await page.ClickAsync("#open311-apps-open");
        await page.WaitForSelectorAsync("#open311-app-list[aria-busy='false']");
        Assert.Contains("/admin-open311-apps.js", requested);
        Assert.Equal("Open311 apps", await page.InnerTextAsync("#contrib-title"));

        // An empty name is the API's refusal, next to the field.
        await page.ClickAsync("#open311-app-create");
        var nameError = page.Locator("#open311-app-form [data-error-for='name']");
        await nameError.And(page.Locator(":not(:empty)")).WaitForAsync();
        Assert.Equal(await ApiErrorAsAdminAsync(admin, "/api/v1/admin/open311-apps", "name"), await nameError.InnerTextAsync());

        await page.FillAsync("#open311-app-form [data-field='name']", name);
        await page.ClickAsync("#open311-app-create");
        await page.WaitForSelectorAsync("#open311-new-key");
        var key = await page.InputValueAsync("#open311-new-key");
        Assert.False(string.IsNullOrWhiteSpace(key));
        var card = page.Locator("#open311-app-list li.open311-app", new PageLocatorOptions { Has = page.Locator("#open311-key-once") });
        Assert.Equal(name, await card.Locator("h3").InnerTextAsync());
        var appId = (await card.GetAttributeAsync("data-app-id"))!;
        Assert.Equal($"The api_key of {name}. Copy it now and give it to the app’s makers: you will not see it again.",
            await card.Locator("#open311-key-once p").First.InnerTextAsync());
        Assert.Equal("Its key works", await card.Locator(".partner-state").InnerTextAsync());
        Assert.Equal("Reports filed: 0", await card.Locator(".open311-app-reports").InnerTextAsync());
        Assert.StartsWith("Key ", await card.Locator(".open311-app-key").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Contains(" · made ", await card.Locator(".open311-app-key").InnerTextAsync(), StringComparison.Ordinal);

        // The copy button puts exactly the key on the clipboard.
        await AssertCopiesTheKeyAsync(page, "open311", key);
        await AssertFitsThePhoneAsync(page);
        await phone.ScreenshotAsync("admin-open311-app-created");
        // Switching the language redraws the screen: the key stays in sight, now in Chinese words, and back.
        await page.ClickAsync("#language");
        await page.WaitForFunctionAsync("() => document.getElementById('contrib-title').textContent === 'Open311 应用'");
        await page.WaitForSelectorAsync("#open311-key-once");
        Assert.Equal(key, await page.InputValueAsync("#open311-new-key"));
        Assert.Equal($"{name} 的 api_key。请现在复制并交给应用的开发者：之后将无法再次查看。", await page.InnerTextAsync("#open311-key-once > p:first-child"));
        Assert.Equal(appId, await page.Locator("#open311-app-list li", new PageLocatorOptions { Has = page.Locator("#open311-key-once") }).GetAttributeAsync("data-app-id"));
        await phone.ScreenshotAsync("admin-open311-app-created-zh");
        await page.ClickAsync("#language");
        await page.WaitForFunctionAsync("() => document.getElementById('contrib-title').textContent === 'Open311 apps'");
        await page.WaitForSelectorAsync("#open311-key-once");
        Assert.Equal(key, await page.InputValueAsync("#open311-new-key"));

        // The app files a resident's report with the key, as a third-party app does: a form POST to Open311.
        using (var filed = await FileOpen311RequestAsync(key, facility))
        {
            var text = await filed.Content.ReadAsStringAsync();
            Assert.True(filed.StatusCode == HttpStatusCode.OK, text);
            using var answer = JsonDocument.Parse(text);
            Assert.True(answer.RootElement[0].GetProperty("service_request_id").GetInt64() > 0);
        }

        // Shown once: the list as the API answers it has the app, its report counted, and no key anywhere.
        using (var listed = JsonDocument.Parse(await admin.GetStringAsync("/api/v1/admin/open311-apps")))
        {
            var app = listed.RootElement.EnumerateArray().Single(a => a.GetProperty("id").GetString() == appId);
            Assert.Equal(1, app.GetProperty("reports").GetInt64());
            Assert.DoesNotContain(key, listed.RootElement.GetRawText(), StringComparison.Ordinal);
        }

        // Revoke: the first tap says what it does, the second revokes; the key works until then.
        await card.Locator("button[data-action='revoke']").ClickAsync();
        Assert.Contains("Tap again to revoke", await card.Locator(":scope > .action-message").InnerTextAsync(), StringComparison.Ordinal);
        await card.Locator("button[data-action='revoke']").ClickAsync();
        card = page.Locator($"#open311-app-list li[data-app-id='{appId}']");
        await page.Locator($"#open311-app-list li[data-app-id='{appId}'][data-active='false']").WaitForAsync();
        Assert.StartsWith("Revoked ", await card.Locator(".partner-state").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal("Reports filed: 1", await card.Locator(".open311-app-reports").InnerTextAsync());
        Assert.Equal($"The key of {name} is revoked.", await card.Locator(":scope > .action-message.done").InnerTextAsync());
        Assert.Equal(0, await card.Locator("button[data-action='revoke']").CountAsync());
        Assert.Equal(0, await page.Locator("#open311-new-key").CountAsync());
        Assert.DoesNotContain(key, await page.ContentAsync(), StringComparison.Ordinal);
        await card.ScrollIntoViewIfNeededAsync();
        await AssertFitsThePhoneAsync(page);
        await phone.ScreenshotAsync("admin-open311-app-revoked");

        // The same filing is now refused, with the spec's 403 as a problem.
        using (var refused = await FileOpen311RequestAsync(key, facility))
        {
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
            using var problem = JsonDocument.Parse(await refused.Content.ReadAsStringAsync());
            Assert.False(string.IsNullOrEmpty(problem.RootElement.GetProperty("detail").GetString()));
        }

        // In Chinese the screen stays the apps screen, in Chinese words.
        await page.ClickAsync("#language");
        await page.WaitForFunctionAsync("() => document.getElementById('contrib-title').textContent === 'Open311 应用'");
        await page.Locator($"#open311-app-list[aria-busy='false'] li[data-app-id='{appId}']").WaitForAsync();
        Assert.StartsWith("已于 ", await card.Locator(".partner-state").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal("已提交报告：1 份", await card.Locator(".open311-app-reports").InnerTextAsync());
        await card.ScrollIntoViewIfNeededAsync();
        await AssertFitsThePhoneAsync(page);
        await phone.ScreenshotAsync("admin-open311-app-revoked-zh");
        // And back to the partners screen.
        await page.ClickAsync("#open311-apps-back");
        await page.WaitForSelectorAsync("#partner-list[aria-busy='false']");
        Assert.Equal("合作方", await page.InnerTextAsync("#contrib-title"));
        await phone.CloseAsync();
    }

    /// <summary>What a third-party app sends: a form with its api_key, a service code and the facility.</summary>
    private async Task<HttpResponseMessage> FileOpen311RequestAsync(string key, string facility)
    {
        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["api_key"] = key,
            ["service_code"] = "dirty",
            ["attribute[facility_id]"] = facility,
            ["description"] = "The floor is flooded",
            ["email"] = "resident@example.org",
        });
        return await fixture.Api.PostAsync("/open311/v2/requests.json", form);
    }

    /// <summary>What the API itself says about one field of a refused admin request with an empty body.</summary>
    private static async Task<string> ApiErrorAsAdminAsync(HttpClient admin, string path, string field)
    {
        using var response = await admin.PostAsync(path, new StringContent("{}", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return string.Join(' ', problem.RootElement.GetProperty("errors").GetProperty(field).EnumerateArray().Select(e => e.GetString()));
    }
}
