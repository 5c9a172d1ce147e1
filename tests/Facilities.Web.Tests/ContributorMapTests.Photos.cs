using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using SkiaSharp;

namespace Facilities.Web.Tests;

/// <summary>Photos on the page: a contributor below the at-once privilege adds one from the details and it waits; a
/// moderator approves it in the review page; a resident then sees it in the details with its credit. A report reaches
/// the moderators' list, and hiding the photo takes it out of the details.</summary>
public sealed partial class ContributorMapTests
{
    /// <summary>Places west of the demo data for the photo journeys, each with a facility of its own.</summary>
    private static readonly string[] ModeratorRoles = ["moderator"];

    private static readonly (double Lat, double Lon)[] PhotoPlaces = [(31.86, 118.58), (31.84, 118.64), (31.82, 118.60), (31.80, 118.56)];

    [Fact]
    public async Task A_contributors_photo_waits_a_moderator_approves_it_on_the_review_page_and_a_resident_sees_it_with_its_credit()
    {
        var spot = await QuietPlaceAsync(PhotoPlaces);
        using var admin = await SignInAsync(BrowserFixture.AdminEmail, BrowserFixture.AdminPassword);
        var id = await AdminAddsAsync(admin, (spot.Lat, spot.Lon), new { category = "toilet", name = "Riverside toilet" });
        var email = $"photographer-{Guid.NewGuid():N}@facilities.test";
        using var registered = await RegisterAsync(email, "Mei Lin");
        var moderatorEmail = await ModeratorAsync(admin);

        // The contributor (reputation 1, below the privilege that applies updates at once) adds a photo from the details.
        var phone = await LocatedPhoneAsync(spot);
        var page = phone.Page;
        var requested = new List<string>();
        page.Request += (_, request) => requested.Add(new Uri(request.Url).AbsolutePath);
        await SignInOnPageAsync(page, email, Password);
        await OpenDetailsFromListAsync(phone, id);
        await page.ClickAsync("#photo-add");
        Assert.Contains("/photos.js", requested);
        await page.WaitForFunctionAsync("() => document.getElementById('photo-license').textContent.includes('Mei Lin')");
        Assert.Equal("Published under CC BY-SA 4.0 as “Photo: Mei Lin”: anyone may share and adapt it, crediting you and sharing alike. " +
                     "Leave people’s faces and number plates out.", await page.InnerTextAsync("#photo-license"));
        // On a phone, "take a photo" opens the camera; "choose" the gallery. Both take images only.
        Assert.Equal("environment", await page.GetAttributeAsync("#photo-camera", "capture"));
        Assert.Equal("image/*", await page.GetAttributeAsync("#photo-camera", "accept"));
        Assert.Equal("image/*", await page.GetAttributeAsync("#photo-file", "accept"));
        Assert.Null(await page.GetAttributeAsync("#photo-file", "capture"));
        // A file that only says it is a JPEG: the API's refusal, in its words, under the form.
        await page.SetInputFilesAsync("#photo-file", new FilePayload { Name = "notes.jpg", MimeType = "image/jpeg", Buffer = "not a photo at all"u8.ToArray() });
        var refused = await page.RunAndWaitForResponseAsync(() => page.ClickAsync("#photo-form button[type='submit']"),
            r => r.Request.Method == "POST" && r.Url.EndsWith($"/api/v1/facilities/{id}/photos", StringComparison.Ordinal));
        Assert.Equal((int)HttpStatusCode.UnsupportedMediaType, refused.Status);
        using (var problem = JsonDocument.Parse(await refused.TextAsync()))
        {
            await page.WaitForSelectorAsync("#photo-file-error:not(:empty)");
            Assert.Equal(problem.RootElement.GetProperty("detail").GetString(), await page.InnerTextAsync("#photo-file-error"));
        }
        await page.SetInputFilesAsync("#photo-file", new FilePayload { Name = "riverside.jpg", MimeType = "image/jpeg", Buffer = Jpeg(1200, 900) });
        Assert.StartsWith("Chosen: riverside.jpg", await page.InnerTextAsync("#photo-chosen"), StringComparison.Ordinal);
        await AssertFitsThePhoneAsync(page);
        await phone.ScreenshotAsync("photo-add-form");
        var response = await page.RunAndWaitForResponseAsync(() => page.ClickAsync("#photo-form button[type='submit']"),
            r => r.Request.Method == "POST" && r.Url.EndsWith($"/api/v1/facilities/{id}/photos", StringComparison.Ordinal));
        Assert.Equal((int)HttpStatusCode.Created, response.Status);
        using var uploaded = JsonDocument.Parse(await response.TextAsync());
        Assert.Equal("pending", uploaded.RootElement.GetProperty("state").GetString());
        var photoId = uploaded.RootElement.GetProperty("id").GetString()!;
        await page.WaitForSelectorAsync("#photo-message.done");
        Assert.Equal("Sent: it is waiting for review before others see it.", await page.InnerTextAsync("#photo-message"));
        // Its author sees it in the details, marked as waiting, its image fetched with the token.
        var mine = page.Locator($"#photo-list li[data-photo-id='{photoId}'][data-state='pending']");
        await mine.WaitForAsync();
        Assert.Contains("Waiting for review", await mine.InnerTextAsync(), StringComparison.Ordinal);
        await page.WaitForFunctionAsync("id => document.querySelector(`#photo-list li[data-photo-id='${id}'] img`).naturalWidth > 0", photoId);
        await phone.ScreenshotAsync("photo-waiting-for-review");
        // Nobody else sees it yet.
        Assert.Empty(await FacilityPhotosAsync(id));
        await phone.CloseAsync();

        // A moderator finds it on the review page and approves it.
        var moderatorPhone = await LocatedPhoneAsync(spot);
        var review = moderatorPhone.Page;
        await SignInOnPageAsync(review, moderatorEmail, Password);
        await review.ClickAsync("#review-nearby");
        var card = review.Locator($"#photo-queue li[data-photo-id='{photoId}']");
        await card.WaitForAsync();
        Assert.Contains("Photo: Mei Lin · CC BY-SA 4.0", await card.InnerTextAsync(), StringComparison.Ordinal);
        Assert.Contains("Riverside toilet", await card.InnerTextAsync(), StringComparison.Ordinal);
        await review.WaitForFunctionAsync("id => document.querySelector(`#photo-queue li[data-photo-id='${id}'] img`).naturalWidth > 0", photoId);
        await card.ScrollIntoViewIfNeededAsync();
        await AssertFitsThePhoneAsync(review);
        await moderatorPhone.ScreenshotAsync("photo-review-queue");
        await card.Locator("button[data-decision='approve']").ClickAsync();
        await review.WaitForSelectorAsync($"#photo-queue li[data-photo-id='{photoId}'][data-state='approved']");
        Assert.Equal("Approved: everyone sees it.", await card.Locator(".action-message").InnerTextAsync());
        await moderatorPhone.CloseAsync();

        // A resident, signed out, sees it in the details with its credit, and the display size on a tap.
        var resident = await LocatedPhoneAsync(spot);
        var details = resident.Page;
        await details.ClickAsync($"#nearest-list .facility-row[data-id='{id}']");
        var shown = details.Locator($"#detail-photos li[data-photo-id='{photoId}']");
        await shown.WaitForAsync();
        Assert.Equal("Photo: Mei Lin · CC BY-SA 4.0", await shown.Locator(".photo-credit").InnerTextAsync());
        Assert.Equal("https://creativecommons.org/licenses/by-sa/4.0/", await shown.Locator(".photo-credit a").GetAttributeAsync("href"));
        Assert.Equal("lazy", await shown.Locator("img").GetAttributeAsync("loading"));
        // "Add a photo" is offered signed out too: it asks to sign in first (ContributorMapTests.PhotoSignIn).
        Assert.True(await details.Locator("#photo-add").IsVisibleAsync());
        await shown.ScrollIntoViewIfNeededAsync();
        await details.WaitForFunctionAsync("id => document.querySelector(`#detail-photos li[data-photo-id='${id}'] img`).naturalWidth > 0", photoId);
        var thumb = await details.EvaluateAsync<int[]>($"() => {{ const i = document.querySelector(`#detail-photos li[data-photo-id='{photoId}'] img`); return [i.naturalWidth, i.naturalHeight]; }}");
        Assert.Equal([320, 240], thumb);
        await resident.ScreenshotAsync("photo-in-the-details");
        await shown.Locator("button.photo-thumb").ClickAsync();
        await details.WaitForSelectorAsync("#photo-viewer[open]");
        await details.WaitForFunctionAsync("() => document.querySelector('#photo-viewer img').naturalWidth > 0");
        var large = await details.EvaluateAsync<int[]>("() => { const i = document.querySelector('#photo-viewer img'); return [i.naturalWidth, i.naturalHeight]; }");
        Assert.Equal([1200, 900], large);
        Assert.Equal("Photo: Mei Lin · CC BY-SA 4.0", await details.InnerTextAsync("#photo-viewer .photo-credit"));
        await resident.ScreenshotAsync("photo-display-size");
        // Escape closes the photo, and only the photo.
        await details.Keyboard.PressAsync("Escape");
        await details.WaitForSelectorAsync("#photo-viewer", new PageWaitForSelectorOptions { State = WaitForSelectorState.Detached });
        Assert.True(await details.Locator("#detail").IsVisibleAsync());

        // In Chinese, the same credit in Chinese words.
        await details.ClickAsync("#language");
        await details.WaitForFunctionAsync("() => document.getElementById('detail-photos-title').textContent === '照片'");
        Assert.Equal("照片：Mei Lin · CC BY-SA 4.0", await shown.Locator(".photo-credit").InnerTextAsync());
        await resident.ScreenshotAsync("photo-in-the-details-zh");
        var credited = Assert.Single(await FacilityPhotosAsync(id));
        Assert.Equal("Mei Lin", credited.GetProperty("attribution").GetString());
        await resident.CloseAsync();
    }

    [Fact]
    public async Task A_report_on_a_photo_reaches_the_moderators_list_and_hiding_the_photo_takes_it_out_of_the_details()
    {
        var spot = await QuietPlaceAsync(PhotoPlaces);
        using var admin = await SignInAsync(BrowserFixture.AdminEmail, BrowserFixture.AdminPassword);
        var id = await AdminAddsAsync(admin, (spot.Lat, spot.Lon), new { category = "toilet", name = "Market toilet" });
        // The admin's photo is published at once.
        var photoId = await UploadAsync(admin, id, Jpeg(800, 600));
        var email = $"photo-reporter-{Guid.NewGuid():N}@facilities.test";
        using var registered = await RegisterAsync(email, "Reporter");
        var moderatorEmail = await ModeratorAsync(admin);

        var phone = await LocatedPhoneAsync(spot);
        var page = phone.Page;
        await SignInOnPageAsync(page, email, Password);
        await OpenDetailsFromListAsync(phone, id);
        var shown = page.Locator($"#detail-photos li[data-photo-id='{photoId}']");
        await shown.WaitForAsync();
        await shown.Locator("button.photo-thumb").ClickAsync();
        await page.WaitForSelectorAsync("#photo-viewer[open]");
        await page.ClickAsync("#photo-report");
        // A report without a reason is not sent.
        await page.ClickAsync("#photo-report-form button[type='submit']");
        Assert.Equal("Choose what is wrong.", await page.InnerTextAsync("#photo-report-reason-error"));
        Assert.Equal(["", "not_this_place", "offensive", "personal_data"],
            await page.Locator("#photo-report-reason option").EvaluateAllAsync<string[]>("options => options.map(o => o.value)"));
        await page.SelectOptionAsync("#photo-report-reason", "personal_data");
        await page.FillAsync("#photo-report-comment", "A face in the window");
        await phone.ScreenshotAsync("photo-report-form");
        var response = await page.RunAndWaitForResponseAsync(() => page.ClickAsync("#photo-report-form button[type='submit']"),
            r => r.Request.Method == "POST" && r.Url.EndsWith($"/api/v1/photos/{photoId}/reports", StringComparison.Ordinal));
        Assert.Equal((int)HttpStatusCode.Created, response.Status);
        await page.WaitForSelectorAsync("#photo-report-message.done");
        Assert.Equal("Thank you: moderators will look at it.", await page.InnerTextAsync("#photo-report-message"));
        await phone.CloseAsync();

        // The moderator finds it among the reported photos, with the report counted, and hides it.
        var moderatorPhone = await LocatedPhoneAsync(spot, "zh-CN");
        var review = moderatorPhone.Page;
        await SignInOnPageAsync(review, moderatorEmail, Password);
        await review.ClickAsync("#review-nearby");
        var card = review.Locator($"#photo-reports li[data-photo-id='{photoId}']");
        await card.WaitForAsync();
        Assert.Equal(0, await review.Locator($"#photo-queue li[data-photo-id='{photoId}']").CountAsync());
        Assert.Equal("举报：1 次", await card.Locator(".photo-reports-count").InnerTextAsync());
        Assert.Equal("含个人信息（人脸、车牌） · “A face in the window”", await card.Locator(".photo-report-said").InnerTextAsync());
        Assert.Equal(["keep", "hide"], await card.Locator("button[data-decision]").EvaluateAllAsync<string[]>("bs => bs.map(b => b.dataset.decision)"));
        await card.ScrollIntoViewIfNeededAsync();
        await AssertFitsThePhoneAsync(review);
        await moderatorPhone.ScreenshotAsync("photo-reported-queue-zh");
        await card.Locator("button[data-decision='hide']").ClickAsync();
        await review.WaitForSelectorAsync($"#photo-reports li[data-photo-id='{photoId}'][data-state='hidden']");
        await moderatorPhone.CloseAsync();

        // Gone from the facility: from its answer, and from the details a resident opens.
        Assert.Empty(await FacilityPhotosAsync(id));
        var resident = await LocatedPhoneAsync(spot);
        await resident.Page.ClickAsync($"#nearest-list .facility-row[data-id='{id}']");
        await resident.Page.WaitForSelectorAsync("#detail:not([hidden])");
        await resident.SettledAsync();
        Assert.Equal(0, await resident.Page.Locator("#detail-photos li").CountAsync());
        using (var file = await fixture.Api.GetAsync($"/api/v1/photos/{photoId}/thumb"))
        {
            Assert.Equal(HttpStatusCode.NotFound, file.StatusCode);
        }
        await resident.CloseAsync();
    }

    /// <summary>A new account the admin makes moderator, as an operator does: its e-mail.</summary>
    private async Task<string> ModeratorAsync(HttpClient admin)
    {
        var email = $"moderator-{Guid.NewGuid():N}@facilities.test";
        using var moderator = await RegisterAsync(email, "Moderator Wu");
        using var set = await admin.PutAsJsonAsync($"/api/v1/admin/users/{moderator.RootElement.GetProperty("id").GetString()}/roles",
            new { roles = ModeratorRoles });
        Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        return email;
    }

    private async Task<JsonElement[]> FacilityPhotosAsync(string id)
    {
        using var facility = JsonDocument.Parse(await fixture.Api.GetStringAsync($"/api/v1/facilities/{id}"));
        return [.. facility.RootElement.GetProperty("properties").GetProperty("photos").EnumerateArray().Select(p => p.Clone())];
    }

    private static async Task<string> UploadAsync(HttpClient author, string facility, byte[] jpeg)
    {
        var part = new ByteArrayContent(jpeg);
        part.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
        using var form = new MultipartFormDataContent { { part, "file", "market.jpg" } };
        using var response = await author.PostAsync($"/api/v1/facilities/{facility}/photos", form);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, text);
        using var photo = JsonDocument.Parse(text);
        Assert.Equal("approved", photo.RootElement.GetProperty("state").GetString());
        return photo.RootElement.GetProperty("id").GetString()!;
    }

    /// <summary>A JPEG as a camera would send it, in size: sky over a green field, a door in the middle.</summary>
    private static byte[] Jpeg(int width, int height)
    {
        using var bitmap = new SKBitmap(width, height);
        using (var canvas = new SKCanvas(bitmap))
        {
            canvas.Clear(new SKColor(0x87, 0xCE, 0xEB));
            using var field = new SKPaint { Color = new SKColor(0x2E, 0x7D, 0x32) };
            canvas.DrawRect(0, height * 0.6f, width, height * 0.4f, field);
            using var door = new SKPaint { Color = new SKColor(0x6D, 0x4C, 0x41) };
            canvas.DrawRect(width * 0.42f, height * 0.3f, width * 0.16f, height * 0.5f, door);
        }
        using var data = bitmap.Encode(SKEncodedImageFormat.Jpeg, 85);
        return data.ToArray();
    }
}
