using Microsoft.Playwright;

namespace Facilities.Web.Tests;

/// <summary>Photos for someone signed out: "Add a photo" and "Report this photo" are there, open the sign-in saying why,
/// and after signing in the same facility's photo form (or the same photo's report form) is open.</summary>
public sealed partial class ContributorMapTests
{
    /// <summary>Places of their own, south-west of the demo data, each for a facility with a photo.</summary>
    private static readonly (double Lat, double Lon)[] PhotoSignInPlaces = [(31.78, 118.52), (31.76, 118.60)];

    [Fact]
    public async Task Signed_out_add_a_photo_opens_the_sign_in_saying_why_and_signing_in_opens_the_photo_form_of_the_same_facility()
    {
        var spot = await QuietPlaceAsync(PhotoSignInPlaces);
        using var admin = await SignInAsync(BrowserFixture.AdminEmail, BrowserFixture.AdminPassword);
        // One facility without photos (where the page used to offer nothing signed out) and one 110 m north with a photo.
        var id = await AdminAddsAsync(admin, (spot.Lat, spot.Lon), new { category = "toilet", name = "Harbour toilet" });
        var pictured = await AdminAddsAsync(admin, (spot.Lat + 0.001, spot.Lon), new { category = "toilet", name = "Harbour gate toilet" });
        var photoId = await UploadAsync(admin, pictured, Jpeg(800, 600));
        var email = $"photo-signin-{Guid.NewGuid():N}@facilities.test";
        using var registered = await RegisterAsync(email, "Wen Jing");

        var phone = await LocatedPhoneAsync(spot);
        var page = phone.Page;
        await page.ClickAsync($"#nearest-list .facility-row[data-id='{id}']");
        var add = page.Locator("#photo-add");
        await add.WaitForAsync();
        Assert.Equal(0, await page.Locator("#photo-list li").CountAsync());
        Assert.Equal("Add a photo", await add.InnerTextAsync());
        Assert.True(await add.IsEnabledAsync());
        await add.ClickAsync();
        await page.WaitForSelectorAsync("#sign-in-why");
        Assert.Equal("Sign in", await page.InnerTextAsync("#contrib-title"));
        Assert.Equal("Sign in to add a photo", await page.InnerTextAsync("#sign-in-why"));
        await AssertFitsThePhoneAsync(page);
        await phone.ScreenshotAsync("photo-sign-in-to-add");
        // The line follows the page's language, with the form.
        await page.ClickAsync("#language");
        await page.WaitForFunctionAsync("() => document.getElementById('sign-in-why').textContent === '登录后即可添加照片'");
        await phone.ScreenshotAsync("photo-sign-in-to-add-zh");
        await page.ClickAsync("#language");
        await page.WaitForFunctionAsync("() => document.getElementById('sign-in-why').textContent === 'Sign in to add a photo'");

        await page.FillAsync("#contrib [data-field='email']", email);
        await page.FillAsync("#contrib [data-field='password']", Password);
        await page.ClickAsync("#contrib button[type='submit']");
        // Back in the same facility's details, its photo form open, the credit read for the account just signed in.
        await page.WaitForSelectorAsync("#photo-form");
        Assert.Equal(id, await page.GetAttributeAsync("#detail-photos", "data-facility-id"));
        Assert.True(await page.Locator("#contrib").IsHiddenAsync());
        Assert.Equal("true", await add.GetAttributeAsync("aria-expanded"));
        await page.WaitForFunctionAsync("() => document.getElementById('photo-license').textContent.includes('Wen Jing')");
        Assert.True(await page.Locator("#photo-file").IsVisibleAsync() || await page.Locator("#photo-camera").IsVisibleAsync());
        await page.Locator("#photo-form").ScrollIntoViewIfNeededAsync();
        await phone.ScreenshotAsync("photo-form-after-sign-in");
        await phone.CloseAsync();

        // "Report this photo", signed out: the same way, back to that photo's report form.
        var reader = await LocatedPhoneAsync(spot);
        var details = reader.Page;
        await details.ClickAsync($"#nearest-list .facility-row[data-id='{pictured}']");
        var shown = details.Locator($"#detail-photos li[data-photo-id='{photoId}']");
        await shown.WaitForAsync();
        await shown.Locator("button.photo-thumb").ClickAsync();
        await details.WaitForSelectorAsync("#photo-viewer[open]");
        Assert.Equal("Report this photo", await details.InnerTextAsync("#photo-report"));
        await details.ClickAsync("#photo-report");
        await details.WaitForSelectorAsync("#sign-in-why");
        Assert.Equal("Sign in to report a photo", await details.InnerTextAsync("#sign-in-why"));
        Assert.Equal(0, await details.Locator("#photo-viewer").CountAsync());
        await reader.ScreenshotAsync("photo-sign-in-to-report");
        await details.FillAsync("#contrib [data-field='email']", email);
        await details.FillAsync("#contrib [data-field='password']", Password);
        await details.ClickAsync("#contrib button[type='submit']");
        await details.WaitForSelectorAsync($"#photo-viewer[open][data-photo-id='{photoId}'] #photo-report-form");
        Assert.Equal("true", await details.GetAttributeAsync("#photo-report", "aria-expanded"));
        Assert.Equal(pictured, await details.GetAttributeAsync("#detail-photos", "data-facility-id"));
        await reader.ScreenshotAsync("photo-report-form-after-sign-in");
        await reader.CloseAsync();
    }
}
