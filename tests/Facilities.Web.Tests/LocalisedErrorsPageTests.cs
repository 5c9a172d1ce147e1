using Microsoft.Playwright;

namespace Facilities.Web.Tests;

/// <summary>
/// The page sends its language as Accept-Language, so what the API refuses is said in the language the resident
/// reads the page in, whichever language the browser prefers.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class LocalisedErrorsPageTests(BrowserFixture fixture)
{
    private const string ChineseEmailError = "必须是电子邮件地址，例如 name@example.org：只用 ASCII 字符，不含空格、引号或尖括号，域名中要有点。";

    [Fact]
    public async Task A_zh_CN_sign_up_with_a_bad_e_mail_address_shows_the_APIs_refusal_in_Chinese_and_in_English_once_switched()
    {
        var phone = await fixture.NewPhonePageAsync("zh-CN");
        var page = phone.Page;
        var languages = new List<string?>();
        page.Request += (_, request) =>
        {
            if (request.Url.Contains("/api/v1/auth/register", StringComparison.Ordinal))
            {
                languages.Add(request.Headers.GetValueOrDefault("accept-language"));
            }
        };
        await page.GotoAsync(fixture.BaseUrl + "/");
        await page.WaitForSelectorAsync("body[data-start='demo-city']", new PageWaitForSelectorOptions { State = WaitForSelectorState.Attached });
        await phone.SettledAsync();

        await page.ClickAsync("#contribute");
        await page.ClickAsync("#contrib .link-button");
        await page.FillAsync("#contrib [data-field='email']", "not an address");
        await page.FillAsync("#contrib [data-field='password']", "correct horse battery");
        await page.ClickAsync("#contrib button[type='submit']");
        var emailError = page.Locator("#contrib [data-error-for='email']");
        await emailError.And(page.Locator(":not(:empty)")).WaitForAsync();
        Assert.Equal(ChineseEmailError, await emailError.InnerTextAsync());
        Assert.Equal("true", await page.GetAttributeAsync("#contrib [data-field='email']", "aria-invalid"));
        await phone.ScreenshotAsync("sign-up-error-zh");

        // The same browser, the page switched to English: the refusal follows the page, not the browser.
        await page.ClickAsync("#language");
        await page.ClickAsync("#contrib button[type='submit']");
        await page.WaitForFunctionAsync("() => document.querySelector(\"#contrib [data-error-for='email']\").textContent.startsWith('Must be an e-mail address')");
        Assert.Equal(["zh-Hans", "en"], languages);
        await phone.CloseAsync();
    }
}
