using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;

namespace Facilities.Web.Tests;

/// <summary>Operator claims on the page: a signed-in account claims a facility from its details, a moderator approves
/// it, and the operator then sees "You manage this facility" and changes the hours, which the details show at once; the
/// account view lists the claim with its state, and moderators decide claims on the review page.</summary>
public sealed partial class ContributorMapTests
{
    private static readonly (double Lat, double Lon)[] ClaimPlaces = [(31.70, 118.50), (31.68, 118.54), (31.66, 118.48), (31.64, 118.52)];

    [Fact]
    public async Task An_operator_claims_a_facility_a_moderator_approves_and_its_new_hours_show_in_the_details_at_once()
    {
        var spot = await QuietPlaceAsync(ClaimPlaces);
        using var admin = await SignInAsync(BrowserFixture.AdminEmail, BrowserFixture.AdminPassword);
        var id = await AdminAddsAsync(admin, (spot.Lat, spot.Lon), new { category = "toilet", name = "Teahouse toilet", opening_hours = "Mo-Fr 08:00-18:00" });
        var email = $"operator-{Guid.NewGuid():N}@facilities.test";
        using var registered = await RegisterAsync(email, "Teahouse Lin");

        // The operator (reputation 1: its edits would wait for votes) claims the facility from its details.
        var phone = await LocatedPhoneAsync(spot);
        var page = phone.Page;
        await SignInOnPageAsync(page, email, Password);
        await OpenDetailsFromListAsync(phone, id);
        var offer = page.Locator("#claim-open");
        await offer.WaitForAsync();
        Assert.Equal("Claim this facility", await offer.InnerTextAsync());
        await offer.ScrollIntoViewIfNeededAsync();
        await phone.ScreenshotAsync("claim-offered-in-the-details");
        await offer.ClickAsync();
        await page.WaitForSelectorAsync("#contrib [data-field='evidence']");
        Assert.Equal("Claim: Teahouse toilet", await page.InnerTextAsync("#contrib-title"));
        // Too short to be evidence: the API's words, next to the field.
        await page.FillAsync("#contrib [data-field='evidence']", "mine");
        await page.FillAsync("#contrib [data-field='contact']", "lin@teahouse.example");
        await page.ClickAsync("#contrib button[type='submit']");
        await page.WaitForSelectorAsync("#contrib [data-error-for='evidence']:not(:empty)");
        Assert.Equal("Say who you are and why you run this facility, in 10 to 2000 characters.",
            await page.InnerTextAsync("#contrib [data-error-for='evidence']"));
        await page.FillAsync("#contrib [data-field='evidence']", "Lin's Teahouse, 12 Riverside Road: the toilet is at the back of our shop.");
        Assert.True(await page.IsCheckedAsync("#contrib input[name='attributes'][value='opening_hours']"));
        await AssertFitsThePhoneAsync(page);
        await phone.ScreenshotAsync("claim-form");
        var sent = await page.RunAndWaitForResponseAsync(() => page.ClickAsync("#contrib button[type='submit']"),
            r => r.Request.Method == "POST" && r.Url.EndsWith($"/api/v1/facilities/{id}/claims", StringComparison.Ordinal));
        Assert.Equal((int)HttpStatusCode.Created, sent.Status);
        await page.WaitForSelectorAsync("#sent-message");
        Assert.Equal("Sent: a moderator checks your claim.", await page.InnerTextAsync("#sent-message"));
        var listed = page.Locator("#my-claims li[data-state='pending']");
        Assert.Contains("Teahouse toilet", await listed.InnerTextAsync(), StringComparison.Ordinal);
        Assert.Contains("Waiting for a moderator", await listed.InnerTextAsync(), StringComparison.Ordinal);
        await listed.ScrollIntoViewIfNeededAsync();
        await phone.ScreenshotAsync("claim-listed-pending");

        // A moderator approves it.
        using (var queue = JsonDocument.Parse(await admin.GetStringAsync("/api/v1/claims?status=pending")))
        {
            var claim = queue.RootElement.GetProperty("claims").EnumerateArray().Single(c => c.GetProperty("facility_id").GetString() == id);
            using var approved = await admin.PostAsJsonAsync($"/api/v1/claims/{claim.GetProperty("id").GetString()}/approve", new { note = "Called the teahouse" });
            Assert.Equal(HttpStatusCode.OK, approved.StatusCode);
        }

        // The details now say who manages it, and the operator changes the hours directly.
        await page.ClickAsync($"#my-claims li[data-state='pending'] button");
        await page.WaitForSelectorAsync("#claim-managed");
        Assert.Equal("You manage this facility: Opening hours.", await page.InnerTextAsync("#claim-managed"));
        await page.Locator("#detail-claim").ScrollIntoViewIfNeededAsync();
        await phone.ScreenshotAsync("claim-you-manage");
        await page.ClickAsync("#operate-open");
        var hours = page.Locator("#contrib [data-field='changes.opening_hours']");
        await hours.WaitForAsync();
        Assert.Equal("You manage: Teahouse toilet", await page.InnerTextAsync("#contrib-title"));
        // Only what it manages is offered.
        Assert.Equal(0, await page.Locator("#contrib [data-field='changes.name']").CountAsync());
        await hours.FillAsync("Mo-Su 07:00-21:00");
        await AssertFitsThePhoneAsync(page);
        await phone.ScreenshotAsync("claim-operator-edits-hours");
        var edit = await page.RunAndWaitForResponseAsync(() => page.ClickAsync("#contrib button[type='submit']"),
            r => r.Request.Method == "POST" && r.Url.EndsWith("/api/v1/proposals", StringComparison.Ordinal));
        using (var proposal = JsonDocument.Parse(await edit.TextAsync()))
        {
            Assert.Equal("accepted", proposal.RootElement.GetProperty("state").GetString());
        }
        await page.WaitForSelectorAsync("#action-message.done");
        Assert.Equal("Saved: everyone sees it now.", await page.InnerTextAsync("#action-message"));
        await page.WaitForFunctionAsync("() => (document.querySelector(\"#detail-attributes [data-attribute='opening_hours'] .value\") || {}).textContent?.includes('07:00')");
        using (var facility = JsonDocument.Parse(await fixture.Api.GetStringAsync($"/api/v1/facilities/{id}")))
        {
            Assert.Equal("Mo-Su 07:00-21:00", facility.RootElement.GetProperty("properties").GetProperty("opening_hours").GetString());
        }
        await page.Locator("#detail-attributes [data-attribute='opening_hours']").ScrollIntoViewIfNeededAsync();
        await phone.ScreenshotAsync("claim-hours-shown-at-once");

        // A resident reports a problem; the account view lists the claim as approved, with the reports on the facility.
        var residentEmail = $"resident-{Guid.NewGuid():N}@facilities.test";
        using (await RegisterAsync(residentEmail, "Resident Zhou"))
        using (var resident = await SignInAsync(residentEmail, Password))
        using (var reported = await resident.PostAsJsonAsync($"/api/v1/facilities/{id}/reports", new { reason = "dirty", comment = "No soap at the sink" }))
        {
            Assert.Equal(HttpStatusCode.Created, reported.StatusCode);
        }
        await page.ClickAsync("#contribute");
        var approvedRow = page.Locator("#my-claims li[data-state='approved']");
        await approvedRow.WaitForAsync();
        Assert.Contains("Approved: you manage it", await approvedRow.InnerTextAsync(), StringComparison.Ordinal);
        await approvedRow.Locator("button[data-claim-reports]").ClickAsync();
        var report = approvedRow.Locator(".claim-reports li");
        await report.WaitForAsync();
        Assert.EndsWith("No soap at the sink", await report.InnerTextAsync(), StringComparison.Ordinal);
        await report.ScrollIntoViewIfNeededAsync();
        await AssertFitsThePhoneAsync(page);
        await phone.ScreenshotAsync("claim-reports-for-the-operator");
        await phone.CloseAsync();
    }

    [Fact]
    public async Task A_moderator_approves_a_claim_on_the_review_page_in_chinese()
    {
        var spot = await QuietPlaceAsync(ClaimPlaces);
        using var admin = await SignInAsync(BrowserFixture.AdminEmail, BrowserFixture.AdminPassword);
        var id = await AdminAddsAsync(admin, (spot.Lat, spot.Lon), new { category = "toilet", name = "图书馆厕所" });
        var email = $"library-{Guid.NewGuid():N}@facilities.test";
        using var registered = await RegisterAsync(email, "市图书馆");
        using var claimant = await SignInAsync(email, Password);
        string claimId;
        using (var claimed = await claimant.PostAsJsonAsync($"/api/v1/facilities/{id}/claims",
                   new { evidence = "我们是市图书馆，此厕所在图书馆一楼。", contact = "+86 25 8888 0000", attributes = LibraryAttributes }))
        {
            Assert.Equal(HttpStatusCode.Created, claimed.StatusCode);
            using var body = JsonDocument.Parse(await claimed.Content.ReadAsStringAsync());
            claimId = body.RootElement.GetProperty("id").GetString()!;
        }
        var moderatorEmail = await ModeratorAsync(admin);

        var phone = await LocatedPhoneAsync(spot, "zh-CN");
        var page = phone.Page;
        await SignInOnPageAsync(page, moderatorEmail, Password);
        await page.ClickAsync("#review-nearby");
        var card = page.Locator($"#claim-queue li[data-claim-id='{claimId}']");
        await card.WaitForAsync();
        var text = await card.InnerTextAsync();
        Assert.Contains("图书馆厕所", text, StringComparison.Ordinal);
        Assert.Contains("申请管理：开放时间、无障碍通行", text, StringComparison.Ordinal);
        Assert.Contains("+86 25 8888 0000", text, StringComparison.Ordinal);
        // Rejecting needs a reason.
        await card.Locator("button[data-decision='reject']").ClickAsync();
        Assert.Equal("请说明理由。", await card.Locator(".action-message").InnerTextAsync());
        await card.Locator("input[name='reason']").ScrollIntoViewIfNeededAsync();
        await AssertFitsThePhoneAsync(page);
        await phone.ScreenshotAsync("claim-review-queue-zh");
        await card.Locator("button[data-decision='approve']").ClickAsync();
        await page.WaitForSelectorAsync($"#claim-queue li[data-claim-id='{claimId}'][data-state='approved']");
        Assert.Equal("已批准：现在由该管理方管理。", await card.Locator(".action-message").InnerTextAsync());
        using (var mine = JsonDocument.Parse(await claimant.GetStringAsync("/api/v1/me/claims")))
        {
            Assert.Equal("approved", mine.RootElement.GetProperty("claims")[0].GetProperty("state").GetString());
        }

        // It turns out false: the moderator revokes it from the approved claims, with a reason, in two taps.
        await page.ClickAsync("#review-refresh");
        var held = page.Locator($"#claims-approved li[data-claim-id='{claimId}']");
        await held.WaitForAsync();
        var revoke = held.Locator("button[data-decision='revoke']");
        await revoke.ClickAsync();
        await revoke.ClickAsync();
        Assert.Equal("请说明理由。", await held.Locator(".action-message").InnerTextAsync());
        await held.Locator("input[name='reason']").FillAsync("图书馆说不是他们提交的。");
        await revoke.ClickAsync();
        Assert.Equal("从现在起该管理方不再管理此设施。再点一次以撤销。", await held.Locator(".action-message").InnerTextAsync());
        await held.ScrollIntoViewIfNeededAsync();
        await AssertFitsThePhoneAsync(page);
        await phone.ScreenshotAsync("claim-moderator-revokes-zh");
        await revoke.ClickAsync();
        await page.WaitForSelectorAsync($"#claims-approved li[data-claim-id='{claimId}'][data-state='revoked']");
        Assert.Equal("已撤销：该管理方不再管理此设施。", await held.Locator(".action-message").InnerTextAsync());
        using (var mine = JsonDocument.Parse(await claimant.GetStringAsync("/api/v1/me/claims")))
        {
            var claim = mine.RootElement.GetProperty("claims")[0];
            Assert.Equal("revoked", claim.GetProperty("state").GetString());
            Assert.Equal("图书馆说不是他们提交的。", claim.GetProperty("decision_note").GetString());
        }
        await phone.CloseAsync();
    }

    [Fact]
    public async Task An_approved_operator_stops_managing_and_the_details_no_longer_offer_the_direct_edit()
    {
        var spot = await QuietPlaceAsync(ClaimPlaces);
        using var admin = await SignInAsync(BrowserFixture.AdminEmail, BrowserFixture.AdminPassword);
        var id = await AdminAddsAsync(admin, (spot.Lat, spot.Lon), new { category = "toilet", name = "Bakery toilet", opening_hours = "Mo-Sa 07:00-19:00" });
        var email = $"bakery-{Guid.NewGuid():N}@facilities.test";
        using var registered = await RegisterAsync(email, "Bakery Wu");
        using var operatorApi = await SignInAsync(email, Password);
        string claimId;
        using (var claimed = await operatorApi.PostAsJsonAsync($"/api/v1/facilities/{id}/claims",
                   new { evidence = "Wu's Bakery, 3 Market Street: the toilet is behind our counter.", contact = "wu@bakery.example", attributes = HoursOnly }))
        {
            Assert.Equal(HttpStatusCode.Created, claimed.StatusCode);
            using var body = JsonDocument.Parse(await claimed.Content.ReadAsStringAsync());
            claimId = body.RootElement.GetProperty("id").GetString()!;
        }
        using (var approved = await admin.PostAsJsonAsync($"/api/v1/claims/{claimId}/approve", new { }))
        {
            Assert.Equal(HttpStatusCode.OK, approved.StatusCode);
        }

        var phone = await LocatedPhoneAsync(spot);
        var page = phone.Page;
        await SignInOnPageAsync(page, email, Password);
        await OpenDetailsFromListAsync(phone, id);
        await page.WaitForSelectorAsync("#operate-open");
        await page.ClickAsync("#contribute");
        var row = page.Locator($"#my-claims li[data-claim-id='{claimId}']");
        await row.WaitForAsync();
        Assert.Equal("approved", await row.GetAttributeAsync("data-state"));
        var stop = row.Locator($"button[data-claim-end='{claimId}']");
        Assert.Equal("Stop managing", await stop.InnerTextAsync());
        // The first tap only warns; nothing is sent yet.
        await stop.ClickAsync();
        Assert.Equal("Your changes to it will wait for review again, like anyone's. Tap again to stop managing it.",
            await row.Locator(".action-message").InnerTextAsync());
        using (var mine = JsonDocument.Parse(await operatorApi.GetStringAsync("/api/v1/me/claims")))
        {
            Assert.Equal("approved", mine.RootElement.GetProperty("claims")[0].GetProperty("state").GetString());
        }
        await row.ScrollIntoViewIfNeededAsync();
        await AssertFitsThePhoneAsync(page);
        await phone.ScreenshotAsync("claim-stop-managing-armed");
        var revoked = await page.RunAndWaitForResponseAsync(() => stop.ClickAsync(),
            r => r.Request.Method == "POST" && r.Url.EndsWith($"/api/v1/claims/{claimId}/revoke", StringComparison.Ordinal));
        Assert.Equal((int)HttpStatusCode.OK, revoked.Status);
        await page.WaitForSelectorAsync($"#my-claims li[data-claim-id='{claimId}'][data-state='revoked']");
        Assert.Contains("Ended", await row.Locator(".claim-state").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal("Ended: you no longer manage it.", await row.Locator(".action-message").InnerTextAsync());
        Assert.Equal(0, await row.Locator("[data-claim-end], [data-claim-reports]").CountAsync());
        await phone.ScreenshotAsync("claim-stopped");
        using (var mine = JsonDocument.Parse(await operatorApi.GetStringAsync("/api/v1/me/claims")))
        {
            var claim = mine.RootElement.GetProperty("claims")[0];
            Assert.Equal("revoked", claim.GetProperty("state").GetString());
            Assert.Equal("The operator stopped managing this facility.", claim.GetProperty("decision_note").GetString());
        }

        // The details offer a claim again, and no direct edit.
        await row.Locator("button").First.ClickAsync();
        await page.WaitForSelectorAsync("#claim-open");
        Assert.Equal(0, await page.Locator("#operate-open, #claim-managed").CountAsync());
        await page.Locator("#detail-claim").ScrollIntoViewIfNeededAsync();
        await phone.ScreenshotAsync("claim-details-after-stop");
        await phone.CloseAsync();
    }

    private static readonly (double Lat, double Lon)[] SharePlaces = [(31.62, 118.46), (31.60, 118.50), (31.58, 118.54), (31.56, 118.46)];

    [Theory]
    [InlineData("en-GB", "I run this place and open it to the public", "Sent: the facility waits for review, and your claim with it.",
        "A facility you shared, waiting for review", "The new facility: Waiting for review", "Waiting for a moderator")]
    [InlineData("zh-CN", "我管理此处并向公众开放（共享公厕）", "已提交：设施正在等待审核，你的认领也随之等待审核。",
        "你共享的设施，正在等待审核", "新设施：待审核", "等待管理员审核")]
    public async Task An_operator_shares_a_toilet_from_the_add_form_and_its_claim_is_listed_with_the_create_then_on_the_facility(
        string locale, string option, string sentText, string noFacilityYet, string createWaiting, string claimWaiting)
    {
        var spot = await QuietPlaceAsync(SharePlaces);
        using var admin = await SignInAsync(BrowserFixture.AdminEmail, BrowserFixture.AdminPassword);
        var email = $"share-{Guid.NewGuid():N}@facilities.test";
        using var registered = await RegisterAsync(email, "Riverside Noodles");
        var name = $"Noodle shop toilet {Guid.NewGuid().ToString("N")[..6]}";

        var phone = await LocatedPhoneAsync(spot, locale);
        var page = phone.Page;
        await SignInOnPageAsync(page, email, Password);
        await page.ClickAsync("#add-facility");
        await page.WaitForSelectorAsync("#duplicates[aria-busy='false']");
        await page.FillAsync("#contrib [data-field='changes.name']", name);
        // The claim's fields come only with the option.
        Assert.Equal(0, await page.Locator("#contrib [data-field='evidence']:visible").CountAsync());
        var share = page.Locator("#add-share");
        Assert.Equal(option, (await page.Locator("label:has(#add-share)").InnerTextAsync()).Trim());
        await share.CheckAsync();
        await page.WaitForSelectorAsync("#contrib [data-field='evidence']:visible");
        await page.FillAsync("#contrib [data-field='evidence']", "Riverside Noodles, 8 Quay Street: the toilet at the back is ours, open to all.");
        await page.FillAsync("#contrib [data-field='contact']", "+86 25 8765 4321");
        // A create needs its comment, shared or not: the API's words land under the field.
        await page.ClickAsync("#contrib button[type='submit']");
        await page.WaitForSelectorAsync("#contrib [data-error-for='comment']:not(:empty)");
        await page.FillAsync("#contrib [data-field='comment']", "We opened our toilet to everyone this week");
        await share.ScrollIntoViewIfNeededAsync();
        await AssertFitsThePhoneAsync(page);
        await phone.ScreenshotAsync($"share-a-toilet-form-{locale}");
        var sent = await page.RunAndWaitForResponseAsync(() => page.ClickAsync("#contrib button[type='submit']"),
            r => r.Request.Method == "POST" && r.Url.EndsWith("/api/v1/shared-facilities", StringComparison.Ordinal));
        Assert.True(sent.Status == (int)HttpStatusCode.Created, await sent.TextAsync());
        string proposalId, claimId;
        using (var body = JsonDocument.Parse(await sent.TextAsync()))
        {
            Assert.Equal("pending", body.RootElement.GetProperty("proposal").GetProperty("state").GetString());
            Assert.Equal("public", body.RootElement.GetProperty("proposal").GetProperty("changes").GetProperty("access").GetString());
            Assert.Equal(name, body.RootElement.GetProperty("proposal").GetProperty("changes").GetProperty("name").GetString());
            proposalId = body.RootElement.GetProperty("proposal").GetProperty("id").GetString()!;
            claimId = body.RootElement.GetProperty("claim").GetProperty("id").GetString()!;
        }
        await page.WaitForSelectorAsync("#sent-message");
        Assert.Equal(sentText, await page.InnerTextAsync("#sent-message"));
        var row = page.Locator($"#my-claims li[data-claim-id='{claimId}']");
        await row.WaitForAsync();
        Assert.Equal("pending", await row.GetAttributeAsync("data-state"));
        Assert.Equal(noFacilityYet, await row.Locator("strong").InnerTextAsync());
        Assert.Equal(createWaiting, await row.Locator(".claim-proposal").InnerTextAsync());
        await row.ScrollIntoViewIfNeededAsync();
        await phone.ScreenshotAsync($"share-a-toilet-listed-{locale}");

        // A moderator accepts the create: the claim is on the facility now, waiting for the moderator's check of the operator.
        using (var vote = await admin.PostAsJsonAsync($"/api/v1/proposals/{proposalId}/votes", new { vote = "up" }))
        {
            var text = await vote.Content.ReadAsStringAsync();
            Assert.True(vote.IsSuccessStatusCode, text);
            using var tally = JsonDocument.Parse(text);
            Assert.Equal("accepted", tally.RootElement.GetProperty("state").GetString());
        }
        await page.ClickAsync("#contrib-close");
        await page.ClickAsync("#contribute");
        await page.WaitForSelectorAsync($"#my-claims li[data-claim-id='{claimId}'] strong:text-is('{name}')");
        Assert.Equal("pending", await row.GetAttributeAsync("data-state"));
        Assert.StartsWith(claimWaiting, await row.Locator(".claim-state").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal(0, await row.Locator(".claim-proposal").CountAsync());
        await row.ScrollIntoViewIfNeededAsync();
        await AssertFitsThePhoneAsync(page);
        await phone.ScreenshotAsync($"share-a-toilet-on-the-facility-{locale}");
        using (var queue = JsonDocument.Parse(await admin.GetStringAsync("/api/v1/claims?status=pending")))
        {
            var queued = queue.RootElement.GetProperty("claims").EnumerateArray().Single(c => c.GetProperty("id").GetString() == claimId);
            Assert.Equal(name, queued.GetProperty("facility_name").GetString());
            Assert.Equal("+86 25 8765 4321", queued.GetProperty("contact").GetString());
        }
        await phone.CloseAsync();
    }

    private static readonly string[] HoursOnly = ["opening_hours"];

    private static readonly string[] LibraryAttributes = ["opening_hours", "wheelchair"];
}
