using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;

namespace Facilities.Web.Tests;

/// <summary>
/// Contributors on a phone, against the real API: signing up in the page, adding a facility by dragging a pin with the
/// possible duplicates shown first, seeing it wait; an established reviewer approving it in the review queue, in
/// Chinese, and the map showing it; editing attributes with the API's refusals shown next to their fields.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed partial class ContributorMapTests(BrowserFixture fixture)
{
    private const string Password = "a long enough password";

    /// <summary>Places in Nanjing's parks where the demo data has nothing within 300 m: room for a new facility.</summary>
    private static readonly (double Lat, double Lon)[] QuietPlaces = [(32.066, 118.845), (32.03, 118.83), (32.1, 118.77)];

    /// <summary>More such places, west of the demo data, for the journeys that each put facilities at a place of their own
    /// (QuietPlaces[1] is the partner journey's).</summary>
    private static readonly (double Lat, double Lon)[] WesternPlaces = [(32.0, 118.62), (31.98, 118.66), (32.02, 118.58), (31.95, 118.62), (32.05, 118.63), (31.92, 118.58), (32.08, 118.57), (31.90, 118.66),
        (31.88, 118.62), (32.10, 118.60), (31.97, 118.55), (32.04, 118.54)];

    [Fact]
    public async Task Contributor_signs_up_adds_a_facility_that_waits_and_an_established_reviewer_approves_it_onto_the_map()
    {
        var spot = await QuietPlaceAsync();
        // A toilet 30 m west of the spot, added by the admin (applied at once): the duplicate the pin must reveal.
        using var admin = await SignInAsync(BrowserFixture.AdminEmail, BrowserFixture.AdminPassword);
        var westLon = spot.Lon - 30 / (111_320 * Math.Cos(spot.Lat * Math.PI / 180));
        var duplicateId = await AdminAddsAsync(admin, (spot.Lat, westLon), new { category = "toilet", name = "Park gate toilet" });
        // The reviewer: an account the admin trusts with reputation 2,000 (vote weight log10 = 3.3, over the margin of 3).
        var reviewerEmail = $"reviewer-{Guid.NewGuid():N}@facilities.test";
        using var reviewer = await RegisterAsync(reviewerEmail, "Reviewer");
        using (var set = await admin.PutAsJsonAsync($"/api/v1/admin/users/{reviewer.RootElement.GetProperty("id").GetString()}/reputation",
                   new { reputation = 2000 }))
        {
            Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        }

        var phone = await fixture.NewPhonePageAsync("en-GB", new Geolocation { Latitude = (float)spot.Lat, Longitude = (float)spot.Lon });
        var page = phone.Page;
        var requested = new List<string>();
        page.Request += (_, request) => requested.Add(new Uri(request.Url).AbsolutePath);
        await page.GotoAsync(fixture.BaseUrl + "/");
        await page.WaitForSelectorAsync("body[data-start='located']", new PageWaitForSelectorOptions { State = WaitForSelectorState.Attached });
        await phone.SettledAsync();
        // A resident's page loads none of the contributor's files; the first tap on "Contribute" does.
        Assert.DoesNotContain(requested, path => path is "/contrib.js" or "/contrib.css" or "/contrib-i18n.js" or "/auth.js" or "/partner.js");

        // Sign up in the page; a password the API refuses shows the API's words next to the password field.
        await page.ClickAsync("#contribute");
        await page.ClickAsync("#contrib .link-button");
        Assert.Equal("Create an account", await page.InnerTextAsync("#contrib-title"));
        Assert.Contains("/contrib.js", requested);
        Assert.DoesNotContain("/partner.js", requested);
        var email = $"contributor-{Guid.NewGuid():N}@facilities.test";
        await page.FillAsync("#contrib [data-field='name']", "Lin");
        await page.FillAsync("#contrib [data-field='email']", email);
        await page.FillAsync("#contrib [data-field='password']", "short");
        await page.ClickAsync("#contrib button[type='submit']");
        var passwordError = page.Locator("#contrib [data-error-for='password']");
        await passwordError.And(page.Locator(":not(:empty)")).WaitForAsync();
        Assert.Equal(await ApiErrorAsync("/api/v1/auth/register", new { email = "x" + email, password = "short" }, "password"),
            await passwordError.InnerTextAsync());
        Assert.Equal("true", await page.GetAttributeAsync("#contrib [data-field='password']", "aria-invalid"));
        Assert.Equal("", await page.InnerTextAsync("#contrib [data-error-for='email']"));
        await AssertFitsThePhoneAsync(page);
        await phone.ScreenshotAsync("contributor-sign-up-error");
        await page.FillAsync("#contrib [data-field='password']", Password);
        await page.ClickAsync("#contrib button[type='submit']");
        await page.WaitForSelectorAsync("#reputation");
        Assert.Equal("Reputation 1", await page.InnerTextAsync("#reputation"));
        Assert.Contains("Your votes are recorded; they count from reputation 15.", await page.InnerTextAsync("#privileges"), StringComparison.Ordinal);
        using (var stored = JsonDocument.Parse(await page.EvaluateAsync<string>("() => localStorage.getItem('facilities.auth')")))
        {
            Assert.False(string.IsNullOrEmpty(stored.RootElement.GetProperty("access_token").GetString()));
            Assert.False(string.IsNullOrEmpty(stored.RootElement.GetProperty("refresh_token").GetString()));
        }

        // Add a toilet: the pin starts at the map centre, 30 m from the admin's toilet, which is listed as a possible duplicate.
        await page.ClickAsync("#add-facility");
        await page.WaitForSelectorAsync("#duplicates[aria-busy='false']");
        Assert.Equal(1, await page.Locator($"#duplicates li[data-id='{duplicateId}']").CountAsync());
        Assert.Contains("Park gate toilet", await page.InnerTextAsync("#duplicates"), StringComparison.Ordinal);

        // Dragging the pin 120 px east (about 60 m at zoom 18) leaves the duplicate behind, as the API sees it too.
        var before = await page.GetAttributeAsync("#duplicates", "data-lon");
        var startLat = double.Parse((await page.GetAttributeAsync("#duplicates", "data-lat"))!, CultureInfo.InvariantCulture);
        var startLon = double.Parse(before!, CultureInfo.InvariantCulture);
        var pin = await page.Locator(".new-pin").BoundingBoxAsync();
        Assert.NotNull(pin);
        var (x, y) = (pin.X + pin.Width / 2, pin.Y + pin.Height / 2);
        await page.Mouse.MoveAsync(x, y);
        await page.Mouse.DownAsync();
        await page.Mouse.MoveAsync(x + 60, y, new MouseMoveOptions { Steps = 5 });
        await page.Mouse.MoveAsync(x + 120, y, new MouseMoveOptions { Steps = 5 });
        await page.Mouse.UpAsync();
        await page.WaitForFunctionAsync("before => { const d = document.getElementById('duplicates'); return d.dataset.lon !== before && d.getAttribute('aria-busy') === 'false'; }", before);
        var lat = double.Parse((await page.GetAttributeAsync("#duplicates", "data-lat"))!, CultureInfo.InvariantCulture);
        var lon = double.Parse((await page.GetAttributeAsync("#duplicates", "data-lon"))!, CultureInfo.InvariantCulture);
        Assert.InRange(DistanceM(startLat, startLon, lat, lon), 45, 80);
        Assert.Equal(startLat, lat, 4);
        using (var near = JsonDocument.Parse(await fixture.Api.GetStringAsync(string.Create(CultureInfo.InvariantCulture,
                   $"/api/v1/facilities/nearby?lat={lat}&lon={lon}&radius_m=50&category=toilet"))))
        {
            Assert.Empty(near.RootElement.GetProperty("features").EnumerateArray());
        }
        Assert.Equal(0, await page.Locator("#duplicates li").CountAsync());
        Assert.Equal("No Toilet within 50 m: not a duplicate.", await page.InnerTextAsync("#duplicates"));

        await page.FillAsync("#contrib [data-field='changes.name']", "Lakeside toilet");
        await page.SelectOptionAsync("#contrib [data-field='changes.wheelchair']", "yes");
        await page.FillAsync("#contrib [data-field='comment']", "Opened in the park this week");
        // Switching the language redraws the panel in Chinese and keeps what was typed; and back.
        await page.ClickAsync("#language");
        Assert.Equal("添加设施", await page.InnerTextAsync("#contrib-title"));
        Assert.Equal("Lakeside toilet", await page.InputValueAsync("#contrib [data-field='changes.name']"));
        Assert.Equal("yes", await page.InputValueAsync("#contrib [data-field='changes.wheelchair']"));
        await page.ClickAsync("#language");
        Assert.Equal("Opened in the park this week", await page.InputValueAsync("#contrib [data-field='comment']"));
        await page.ClickAsync("#contrib button[type='submit']");

        // It waits for review: listed among the contributor's pending proposals, not yet on the public map.
        await page.WaitForSelectorAsync("#sent-message");
        Assert.Equal("Sent: it waits for review by others.", await page.InnerTextAsync("#sent-message"));
        await page.WaitForSelectorAsync("#my-proposals li[data-state='pending']");
        var row = page.Locator("#my-proposals li[data-state='pending']");
        Assert.Equal(1, await row.CountAsync());
        Assert.Contains("New facility: Lakeside toilet", await row.InnerTextAsync(), StringComparison.Ordinal);
        Assert.Contains("Waiting for review", await row.InnerTextAsync(), StringComparison.Ordinal);
        var proposalId = (await row.GetAttributeAsync("data-proposal-id"))!;
        using (var proposal = JsonDocument.Parse(await admin.GetStringAsync($"/api/v1/proposals/{proposalId}")))
        {
            var p = proposal.RootElement;
            Assert.Equal("pending", p.GetProperty("state").GetString());
            Assert.Equal(lat, p.GetProperty("location").GetProperty("lat").GetDouble(), 6);
            Assert.Equal(lon, p.GetProperty("location").GetProperty("lon").GetDouble(), 6);
            Assert.Equal("yes", p.GetProperty("changes").GetProperty("wheelchair").GetString());
        }
        await AssertFitsThePhoneAsync(page);
        await phone.ScreenshotAsync("contributor-added-pending");

        // The established reviewer signs in on another phone, in Chinese, and finds it in the review queue of the map's view.
        var other = await LocatedPhoneAsync(spot, "zh-CN");
        var review = other.Page;
        await review.ClickAsync("#contribute");
        Assert.Equal("登录", await review.InnerTextAsync("#contrib-title"));
        await review.FillAsync("#contrib [data-field='email']", reviewerEmail);
        await review.FillAsync("#contrib [data-field='password']", Password);
        await review.ClickAsync("#contrib button[type='submit']");
        await review.WaitForSelectorAsync("#reputation");
        Assert.Equal("信誉 2,000", await review.InnerTextAsync("#reputation"));
        await review.ClickAsync("#review-nearby");
        var card = review.Locator($"#review-list li[data-proposal-id='{proposalId}']");
        await card.WaitForAsync();
        Assert.Contains("新设施：Lakeside toilet", await card.Locator("h3").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal("—", await card.Locator("tr[data-attribute='name'] td.before").InnerTextAsync());
        Assert.Equal("Lakeside toilet", await card.Locator("tr[data-attribute='name'] td.after").InnerTextAsync());
        Assert.Equal("无障碍", await card.Locator("tr[data-attribute='wheelchair'] td.after").InnerTextAsync());

        // Shown on the map close in, then approved: one vote of weight 3.3 accepts it, and the map shows it at once.
        var viewBefore = await review.EvaluateAsync<string>("() => location.hash");
        await card.Locator(".actions .link-button:not(.vote)").ClickAsync();
        // The map marks itself busy on moveend, before it writes the new view into the address: settled only counts
        // once the move has ended (read at once, the count could still be the old view's).
        await review.WaitForFunctionAsync("before => location.hash !== before", viewBefore);
        await other.SettledAsync();
        var countBefore = await review.EvaluateAsync<int>("() => Number(document.getElementById('map').dataset.count)");
        await card.Locator("button[data-vote='up']").ClickAsync();
        await review.WaitForSelectorAsync($"#review-list li[data-proposal-id='{proposalId}'][data-state='accepted']");
        Assert.Contains("已采纳", await card.Locator(".action-message").InnerTextAsync(), StringComparison.Ordinal);
        using var accepted = JsonDocument.Parse(await admin.GetStringAsync($"/api/v1/proposals/{proposalId}"));
        Assert.Equal("accepted", accepted.RootElement.GetProperty("state").GetString());
        var facilityId = accepted.RootElement.GetProperty("facility_id").GetString()!;
        await review.WaitForSelectorAsync($"#map .facility-marker[data-id='{facilityId}']");
        await other.SettledAsync();
        Assert.Equal(countBefore + 1, await review.EvaluateAsync<int>("() => Number(document.getElementById('map').dataset.count)"));
        using (var facility = JsonDocument.Parse(await fixture.Api.GetStringAsync($"/api/v1/facilities/{facilityId}")))
        {
            Assert.Equal("Lakeside toilet", facility.RootElement.GetProperty("properties").GetProperty("name").GetString());
        }
        await AssertFitsThePhoneAsync(review);
        await other.ScreenshotAsync("contributor-approved-on-the-map");
        await other.CloseAsync();
        await phone.CloseAsync();
    }

    [Fact]
    public async Task Contributor_edits_a_facility_after_the_token_expired_and_sees_the_APIs_refusals_next_to_their_fields()
    {
        // Signed in an hour ago: the access token has expired (here: is no good), the refresh token still works.
        using var registered = await RegisterAsync($"editor-{Guid.NewGuid():N}@facilities.test", "Editor");
        var auth = JsonSerializer.Serialize(new
        {
            access_token = "expired",
            refresh_token = registered.RootElement.GetProperty("refresh_token").GetString(),
            expires_in = 3600,
            expires_at = DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeMilliseconds(),
        });
        var phone = await fixture.NewPhonePageAsync("en-GB", new Geolocation { Latitude = 32.045f, Longitude = 118.79f });
        var page = phone.Page;
        await page.GotoAsync(fixture.BaseUrl + "/");
        await page.EvaluateAsync("auth => localStorage.setItem('facilities.auth', auth)", auth);
        await page.WaitForSelectorAsync("body[data-start='located']", new PageWaitForSelectorOptions { State = WaitForSelectorState.Attached });
        await phone.SettledAsync();

        var first = page.Locator("#nearest-list .facility-row").First;
        var id = (await first.GetAttributeAsync("data-id"))!;
        await first.ClickAsync();
        await page.WaitForSelectorAsync("#detail:not([hidden])");
        await phone.SettledAsync();
        await page.ClickAsync("#edit");
        await page.WaitForSelectorAsync("#contrib form[data-version]");
        using var facility = JsonDocument.Parse(await fixture.Api.GetStringAsync($"/api/v1/facilities/{id}"));
        var properties = facility.RootElement.GetProperty("properties");
        Assert.Equal(properties.GetProperty("version").GetInt32().ToString(CultureInfo.InvariantCulture),
            await page.GetAttributeAsync("#contrib form", "data-version"));
        Assert.Equal(properties.GetProperty("wheelchair").GetString(), await page.InputValueAsync("#contrib [data-field='changes.wheelchair']"));

        // No comment: the API's validation names the field, and its message appears next to it.
        await page.FillAsync("#contrib [data-field='changes.opening_hours']", new string('x', 300));
        await page.ClickAsync("#contrib button[type='submit']");
        var commentError = page.Locator("#contrib [data-error-for='comment']");
        await commentError.And(page.Locator(":not(:empty)")).WaitForAsync();
        Assert.Equal("A comment saying why (what you saw, when) is required.", await commentError.InnerTextAsync());
        Assert.Equal("true", await page.GetAttributeAsync("#contrib [data-field='comment']", "aria-invalid"));
        Assert.Equal("comment", await page.EvaluateAsync<string>("() => document.activeElement.dataset.field"));

        // With a comment, the opening hours are too long for the API: the message moves next to that field.
        await page.FillAsync("#contrib [data-field='comment']", "Sign at the door");
        await page.ClickAsync("#contrib button[type='submit']");
        var hoursError = page.Locator("#contrib [data-error-for='changes.opening_hours']");
        await hoursError.And(page.Locator(":not(:empty)")).WaitForAsync();
        Assert.Equal("Must be at most 255 characters.", await hoursError.InnerTextAsync());
        Assert.Equal("true", await page.GetAttributeAsync("#contrib [data-field='changes.opening_hours']", "aria-invalid"));
        Assert.Equal("", await commentError.InnerTextAsync());
        Assert.Null(await page.GetAttributeAsync("#contrib [data-field='comment']", "aria-invalid"));
        await AssertFitsThePhoneAsync(page);
        await phone.ScreenshotAsync("contributor-edit-errors");

        await page.FillAsync("#contrib [data-field='changes.opening_hours']", "Mo-Su 07:00-22:00");
        await page.ClickAsync("#contrib button[type='submit']");
        await page.WaitForSelectorAsync("#sent-message");
        var row = page.Locator("#my-proposals li[data-state='pending']");
        Assert.Equal(1, await row.CountAsync());
        using var proposal = JsonDocument.Parse(await OwnProposalAsync(page, (await row.GetAttributeAsync("data-proposal-id"))!));
        var p = proposal.RootElement;
        Assert.Equal("update", p.GetProperty("kind").GetString());
        Assert.Equal(id, p.GetProperty("facility_id").GetString());
        Assert.Equal(properties.GetProperty("version").GetInt32(), p.GetProperty("base_version").GetInt32());
        // Only what changed is proposed.
        Assert.Equal(["opening_hours"], p.GetProperty("changes").EnumerateObject().Select(c => c.Name));
        Assert.Equal("Mo-Su 07:00-22:00", p.GetProperty("changes").GetProperty("opening_hours").GetString());

        // The expired access token was renewed with the refresh token, and the new one stored.
        using var stored = JsonDocument.Parse(await page.EvaluateAsync<string>("() => localStorage.getItem('facilities.auth')"));
        Assert.NotEqual("expired", stored.RootElement.GetProperty("access_token").GetString());
        Assert.True(stored.RootElement.GetProperty("expires_at").GetInt64() > DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        await phone.ScreenshotAsync("contributor-edit-pending");
        await phone.CloseAsync();
    }

    [Fact]
    public async Task Partner_uploads_a_CSV_maps_its_columns_runs_a_dry_run_reads_the_report_imports_and_sees_the_facilities()
    {
        using var admin = await SignInAsync(BrowserFixture.AdminEmail, BrowserFixture.AdminPassword);
        using var created = await admin.PostAsJsonAsync("/api/v1/admin/partners", new { name = "Xuanwu District" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        using var partnerJson = JsonDocument.Parse(await created.Content.ReadAsStringAsync());
        var apiKey = partnerJson.RootElement.GetProperty("api_key").GetString()!;
        // Two usable rows at a quiet place (the second one 60 m east) and one whose longitude is not a number.
        var place = QuietPlaces[1];
        var csv = string.Create(CultureInfo.InvariantCulture,
            $"ref;Longitude;Latitude;name;wheelchair\nXW-1;{place.Lon};{place.Lat};District toilet one;yes\nXW-2;{place.Lon + 0.0006};{place.Lat};District toilet two;no\nXW-3;abc;{place.Lat};Broken row;yes\n");

        var phone = await fixture.NewPhonePageAsync("en-GB");
        var page = phone.Page;
        await page.GotoAsync(fixture.BaseUrl + string.Create(CultureInfo.InvariantCulture, $"/#17/{place.Lat}/{place.Lon}"));
        await page.WaitForSelectorAsync("body[data-start='linked']", new PageWaitForSelectorOptions { State = WaitForSelectorState.Attached });
        await phone.SettledAsync();
        Assert.Equal("0", await page.GetAttributeAsync("#map", "data-count"));
        await page.ClickAsync("#contribute");
        await page.ClickAsync("#to-partner");
        await page.FillAsync("#contrib [data-field='key']", "not-a-key");
        await page.ClickAsync("#contrib button[type='submit']");
        await page.WaitForSelectorAsync("#contrib .form-message.error");
        Assert.Equal("This API key is not valid.", await page.InnerTextAsync("#contrib .form-message"));
        await page.FillAsync("#contrib [data-field='key']", apiKey);
        await page.ClickAsync("#contrib button[type='submit']");

        // The file's header offers the columns; the usual names are guessed.
        await page.SetInputFilesAsync("#contrib [data-field='file']", new FilePayload
        {
            Name = "xuanwu-toilets.csv",
            MimeType = "text/csv",
            Buffer = System.Text.Encoding.UTF8.GetBytes(csv),
        });
        await page.WaitForSelectorAsync("#contrib [data-field='mapping.lon']");
        Assert.Equal(["(none)", "ref", "Longitude", "Latitude", "name", "wheelchair"],
            await page.Locator("#contrib [data-field='mapping.name'] option").AllInnerTextsAsync());
        Assert.Equal("Longitude", await page.InputValueAsync("#contrib [data-field='mapping.lon']"));
        Assert.Equal("Latitude", await page.InputValueAsync("#contrib [data-field='mapping.lat']"));
        Assert.Equal("ref", await page.InputValueAsync("#contrib [data-field='mapping.id']"));
        Assert.Equal("wheelchair", await page.InputValueAsync("#contrib [data-field='mapping.wheelchair']"));

        // Without an attribution the API refuses the dataset, and says so next to the field.
        await page.ClickAsync("#dry-run");
        var attributionError = page.Locator("#contrib [data-error-for='attribution']");
        await attributionError.And(page.Locator(":not(:empty)")).WaitForAsync();
        await page.FillAsync("#contrib [data-field='attribution']", "© Xuanwu District, CC BY 4.0");
        // No licence is preselected: the partner chooses the one the data is published under.
        await page.SelectOptionAsync("#contrib [data-field='license']", "CC-BY-4.0");
        await page.ClickAsync("#dry-run");
        await page.WaitForSelectorAsync("#import-report[data-state='succeeded'][data-dry-run='true']");
        Assert.Equal("2", await page.InnerTextAsync("#import-report [data-count='created'] dd"));
        Assert.Equal("1", await page.InnerTextAsync("#import-report [data-count='rejected_count'] dd"));
        Assert.Equal("3", await page.InnerTextAsync("#import-report [data-count='rows_read'] dd"));
        Assert.Equal("0", await page.InnerTextAsync("#import-report [data-count='returned_at_source'] dd"));
        Assert.Contains("are not numbers", await page.InnerTextAsync("#import-report .rejected-rows"), StringComparison.Ordinal);
        using (var near = JsonDocument.Parse(await fixture.Api.GetStringAsync(string.Create(CultureInfo.InvariantCulture,
                   $"/api/v1/facilities/nearby?lat={place.Lat}&lon={place.Lon}&radius_m=300"))))
        {
            Assert.Empty(near.RootElement.GetProperty("features").EnumerateArray());
        }
        await phone.ScreenshotAsync("partner-dry-run-report");

        // The import for real: the report again, and the two facilities on the map.
        await page.ClickAsync("#run-import");
        await page.WaitForSelectorAsync("#import-report[data-state='succeeded'][data-dry-run='false']");
        Assert.Equal("2", await page.InnerTextAsync("#import-report [data-count='created'] dd"));
        await phone.SettledAsync();
        await page.WaitForFunctionAsync("() => document.getElementById('map').dataset.count === '2'");
        // Both in sight, above the panel.
        var mapBox = (await page.Locator("#map").BoundingBoxAsync())!;
        foreach (var marker in await page.Locator("#map .facility-marker").AllAsync())
        {
            var box = (await marker.BoundingBoxAsync())!;
            Assert.InRange(box.Y + box.Height / 2, mapBox.Y, mapBox.Y + mapBox.Height);
        }
        using (var near = JsonDocument.Parse(await fixture.Api.GetStringAsync(string.Create(CultureInfo.InvariantCulture,
                   $"/api/v1/facilities/nearby?lat={place.Lat}&lon={place.Lon}&radius_m=300"))))
        {
            var names = near.RootElement.GetProperty("features").EnumerateArray().Select(f => f.GetProperty("properties").GetProperty("name").GetString());
            Assert.Equal(["District toilet one", "District toilet two"], names);
        }

        // Next month's file into the same dataset: XW-2 is gone from it. Its columns are the dataset's, so they are not
        // asked again; the dry run says a closure would be put to the vote, and the import puts it there.
        await page.SelectOptionAsync("#contrib [data-field='target']", new SelectOptionValue { Index = 1 });
        Assert.False(await page.IsVisibleAsync("#contrib [data-field='attribution']"));
        Assert.False(await page.IsVisibleAsync("#contrib [data-field='mapping.lon']"));
        Assert.Contains("xuanwu-toilets", await page.InnerTextAsync("#contrib .version-hint"), StringComparison.Ordinal);
        await page.SetInputFilesAsync("#contrib [data-field='file']", new FilePayload
        {
            Name = "xuanwu-toilets-next.csv",
            MimeType = "text/csv",
            Buffer = System.Text.Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture,
                $"ref;Longitude;Latitude;name;wheelchair\nXW-1;{place.Lon};{place.Lat};District toilet one;yes\n")),
        });
        await page.ClickAsync("#dry-run");
        await page.WaitForSelectorAsync("#import-report[data-state='succeeded'][data-dry-run='true']");
        Assert.Equal("1", await page.InnerTextAsync("#import-report [data-count='removed_at_source'] dd"));
        Assert.Equal("1", await page.InnerTextAsync("#import-report [data-count='closures_opened'] dd"));
        Assert.Equal("0", await page.InnerTextAsync("#import-report [data-count='created'] dd"));
        Assert.Contains("XW-2", await page.InnerTextAsync("#import-report .closure-list"), StringComparison.Ordinal);
        await page.ClickAsync("#run-import");
        await page.WaitForSelectorAsync("#import-report[data-state='succeeded'][data-dry-run='false']");
        Assert.Equal("1", await page.InnerTextAsync("#import-report [data-count='closures_opened'] dd"));
        await phone.ScreenshotAsync("partner-new-version-report");
        // Still one dataset: the new version went into it.
        using (var datasets = new HttpRequestMessage(HttpMethod.Get, "/api/v1/partner/datasets"))
        {
            datasets.Headers.Add("X-Api-Key", apiKey);
            using var answer = await fixture.Api.SendAsync(datasets);
            using var list = JsonDocument.Parse(await answer.Content.ReadAsStringAsync());
            Assert.Equal(1, list.RootElement.GetArrayLength());
        }
        // Not closed by the import: the vote decides; the facility stays on the map meanwhile.
        using (var near = JsonDocument.Parse(await fixture.Api.GetStringAsync(string.Create(CultureInfo.InvariantCulture,
                   $"/api/v1/facilities/nearby?lat={place.Lat}&lon={place.Lon}&radius_m=300"))))
        {
            Assert.Equal(2, near.RootElement.GetProperty("features").GetArrayLength());
        }
        await page.ClickAsync("#show-feedback");
        await page.WaitForSelectorAsync("#feedback .empty");
        await AssertFitsThePhoneAsync(page);
        await phone.ScreenshotAsync("partner-imported-on-the-map");
        await phone.CloseAsync();
    }

    [Fact]
    public async Task Partner_dry_runs_camdens_csv_as_published_with_the_grid_guessed_and_reads_every_record()
    {
        using var admin = await SignInAsync(BrowserFixture.AdminEmail, BrowserFixture.AdminPassword);
        using var created = await admin.PostAsJsonAsync("/api/v1/admin/partners", new { name = "London Borough of Camden" });
        using var partnerJson = JsonDocument.Parse(await created.Content.ReadAsStringAsync());
        var apiKey = partnerJson.RootElement.GetProperty("api_key").GetString()!;
        var camden = Path.Combine(Facilities.Testing.RepositoryPaths.TestData, "london-toilets", "camden_public_toilets.csv");

        var phone = await fixture.NewPhonePageAsync("en-GB");
        var page = phone.Page;
        await page.GotoAsync(fixture.BaseUrl + "/#15/51.53/-0.13");
        await page.WaitForSelectorAsync("body[data-start='linked']", new PageWaitForSelectorOptions { State = WaitForSelectorState.Attached });
        await page.ClickAsync("#contribute");
        await page.ClickAsync("#to-partner");
        await page.FillAsync("#contrib [data-field='key']", apiKey);
        await page.ClickAsync("#contrib button[type='submit']");
        await page.SetInputFilesAsync("#contrib [data-field='file']", camden);
        await page.WaitForSelectorAsync("#contrib [data-field='mapping.lon']");

        // One coordinate pair, the council's own grid, and the CRS its values say; the id and hours by their header words.
        Assert.Equal("Easting", await page.InputValueAsync("#contrib [data-field='mapping.lon']"));
        Assert.Equal("Northing", await page.InputValueAsync("#contrib [data-field='mapping.lat']"));
        Assert.Equal(0, await page.Locator("#contrib [data-field='mapping.x'], #contrib [data-field='mapping.y']").CountAsync());
        Assert.Equal("EPSG:27700", await page.InputValueAsync("#contrib [data-field='crs']"));
        Assert.Equal("Socrata ID", await page.InputValueAsync("#contrib [data-field='mapping.id']"));
        Assert.Equal("Opening Hours", await page.InputValueAsync("#contrib [data-field='mapping.opening_hours']"));
        Assert.Equal("Name", await page.InputValueAsync("#contrib [data-field='mapping.name']"));
        Assert.Equal("", await page.InputValueAsync("#contrib [data-field='license']"));
        Assert.Equal(["Choose…", "Open Government Licence v3.0 (UK) (OGL-UK-3.0)", "CC BY 4.0 (CC-BY-4.0)", "ODbL 1.0 (ODbL-1.0)", "CC0 1.0 (CC0-1.0)",
            "KOGL Type 1 (Korea) (LicenseRef-KOGL-Type1)"], await page.Locator("#contrib [data-field='license'] option").AllInnerTextsAsync());
        // The first rows as they would go in, before any dry run.
        Assert.Equal(5, await page.Locator("#mapping-preview tr td:first-child").CountAsync());
        Assert.Equal("15", await page.InnerTextAsync("#mapping-preview tr:nth-child(2) td:first-child"));
        await page.Locator("#mapping-preview").ScrollIntoViewIfNeededAsync();
        await phone.ScreenshotAsync("partner-camden-mapping-preview");

        await page.FillAsync("#contrib [data-field='attribution']", "Contains public sector information licensed under the Open Government Licence v3.0 (Camden)");
        await page.SelectOptionAsync("#contrib [data-field='license']", "OGL-UK-3.0");
        await page.ClickAsync("#dry-run");
        await page.WaitForSelectorAsync("#import-report[data-state='succeeded'][data-dry-run='true']");
        Assert.Equal("47", await page.InnerTextAsync("#import-report [data-count='rows_read'] dd"));
        Assert.Equal("47", await page.InnerTextAsync("#import-report [data-count='created'] dd"));
        Assert.Equal("0", await page.InnerTextAsync("#import-report [data-count='rejected_count'] dd"));
        // Camden's prose hours are left out, and the page says which and why.
        Assert.Contains("opening_hours", await page.InnerTextAsync("#import-report .ignored-values"), StringComparison.Ordinal);
        await page.WaitForSelectorAsync("#import-records tr[data-outcome='created']");
        Assert.Equal(47, await page.Locator("#import-records tr[data-outcome]").CountAsync());
        Assert.Contains("Daylight hours", await page.InnerTextAsync("#import-records"), StringComparison.Ordinal);
        await page.Locator("#import-report .ignored-values").ScrollIntoViewIfNeededAsync();
        await phone.ScreenshotAsync("partner-camden-dry-run-report");
        await page.SelectOptionAsync("#records-outcome", "rejected");
        await page.WaitForFunctionAsync("() => document.querySelectorAll('#import-records tr[data-outcome]').length === 0");
        await page.SelectOptionAsync("#records-outcome", "created");
        await page.WaitForSelectorAsync("#import-records tr[data-outcome='created']");
        Assert.Equal(47, await page.Locator("#import-records tr[data-outcome='created']").CountAsync());
        await page.Locator("#import-records").ScrollIntoViewIfNeededAsync();
        await phone.ScreenshotAsync("partner-camden-records");

        // The dry run made nothing: no dataset waits for a real import.
        using (var datasets = new HttpRequestMessage(HttpMethod.Get, "/api/v1/partner/datasets"))
        {
            datasets.Headers.Add("X-Api-Key", apiKey);
            using var answer = await fixture.Api.SendAsync(datasets);
            using var list = JsonDocument.Parse(await answer.Content.ReadAsStringAsync());
            Assert.Equal(0, list.RootElement.GetArrayLength());
        }
        await AssertFitsThePhoneAsync(page);
        await phone.CloseAsync();
    }

    [Fact]
    public async Task The_first_admin_reviews_with_the_duplicate_a_mini_map_and_hours_as_weeks_and_one_approval_decides()
    {
        var spot = await QuietPlaceAsync(WesternPlaces);
        using var admin = await SignInAsync(BrowserFixture.AdminEmail, BrowserFixture.AdminPassword);
        var westLon = spot.Lon - 19 / (111_320 * Math.Cos(spot.Lat * Math.PI / 180));
        var existingId = await AdminAddsAsync(admin, (spot.Lat, westLon), new { category = "toilet", name = "丰富路公厕", opening_hours = "Mo-Fr 08:00-18:00" });
        var authorEmail = $"author-{Guid.NewGuid():N}@facilities.test";
        using var registered = await RegisterAsync(authorEmail, "Author");
        using var author = await SignInAsync(authorEmail, Password);
        using var create = await ProposeAsync(author, new
        {
            kind = "create",
            location = new { lat = spot.Lat, lon = spot.Lon },
            changes = new { category = "toilet", name = "Fengfu Road toilet" },
            comment = "Found it",
        });
        var createId = create.RootElement.GetProperty("id").GetString()!;
        using var update = await ProposeAsync(author, new
        {
            kind = "update",
            facility_id = existingId,
            changes = new { opening_hours = "Mo-Fr 08:00-18:00; Sa 10:00-14:00" },
            comment = "Open on Saturdays now",
        });
        var updateId = update.RootElement.GetProperty("id").GetString()!;

        var phone = await LocatedPhoneAsync(spot, "en-GB");
        var page = phone.Page;
        await SignInOnPageAsync(page, BrowserFixture.AdminEmail, BrowserFixture.AdminPassword);
        await page.ClickAsync("#review-nearby");

        // The create: the duplicate the author was warned about, and a mini-map with the facilities around.
        var card = page.Locator($"#review-list li[data-proposal-id='{createId}']");
        await card.WaitForAsync();
        var duplicate = card.Locator($".duplicate-list li[data-facility-id='{existingId}']");
        Assert.StartsWith("丰富路公厕 · 1", await duplicate.InnerTextAsync(), StringComparison.Ordinal);
        await card.Locator(".mini-map[data-nearby]").WaitForAsync();
        Assert.NotEqual("0", await card.Locator(".mini-map").GetAttributeAsync("data-nearby"));

        // The update: its hours as two weeks, Saturday changed, Monday not.
        var edit = page.Locator($"#review-list li[data-proposal-id='{updateId}']");
        await edit.Locator(".hours-diff table.week").WaitForAsync();
        Assert.Equal("08:00–18:00", await edit.Locator("tr[data-day='mo'] td.after").InnerTextAsync());
        Assert.Equal("closed", await edit.Locator("tr[data-day='sa'] td.before").InnerTextAsync());
        Assert.Equal("10:00–14:00", await edit.Locator("tr[data-day='sa'] td.after.changed").InnerTextAsync());
        Assert.Equal(0, await edit.Locator("tr[data-day='mo'] td.changed").CountAsync());
        await card.ScrollIntoViewIfNeededAsync();
        await AssertFitsThePhoneAsync(page);
        await phone.ScreenshotAsync("review-duplicate-mini-map");
        await edit.ScrollIntoViewIfNeededAsync();
        await phone.ScreenshotAsync("review-hours-as-weeks");

        // The admin's one approval decides it, and the page says so.
        await card.Locator("button[data-vote='up']").ClickAsync();
        await page.WaitForSelectorAsync($"#review-list li[data-proposal-id='{createId}'][data-state='accepted']");
        Assert.Equal("Your vote decided it: Accepted.", await card.Locator(".action-message").InnerTextAsync());
        await phone.CloseAsync();
    }

    [Fact]
    public async Task Signed_out_still_here_offers_sign_in_that_returns_to_the_facility_and_says_what_is_still_needed()
    {
        var spot = await QuietPlaceAsync(WesternPlaces);
        using var admin = await SignInAsync(BrowserFixture.AdminEmail, BrowserFixture.AdminPassword);
        var id = await AdminAddsAsync(admin, (spot.Lat, spot.Lon), new { category = "toilet", name = "Riverside toilet" });
        var email = $"resident-{Guid.NewGuid():N}@facilities.test";
        using var registered = await RegisterAsync(email, "Resident");

        var phone = await fixture.NewPhonePageAsync("en-GB", new Geolocation { Latitude = (float)spot.Lat, Longitude = (float)spot.Lon });
        var page = phone.Page;
        await page.GotoAsync(fixture.BaseUrl + "/#/f/" + id);
        await page.WaitForSelectorAsync("#detail:not([hidden])");
        await phone.SettledAsync();
        // "Report a problem" asks the same, with the same button; "still here" then asks again.
        await page.ClickAsync("#report");
        Assert.Equal("Sign in to report a problem.", await page.InnerTextAsync("#action-message"));
        Assert.Equal(1, await page.Locator("#sign-in-here").CountAsync());
        Assert.True(await page.Locator("#report-form").IsHiddenAsync());
        await page.ClickAsync("#still-here");
        Assert.Equal("Sign in to confirm that this facility is still here.", await page.InnerTextAsync("#action-message"));
        Assert.Equal(1, await page.Locator("#sign-in-here").CountAsync());
        await page.ClickAsync("#sign-in-here");
        await page.WaitForSelectorAsync("#contrib-title");
        Assert.Equal("Sign in", await page.InnerTextAsync("#contrib-title"));
        await page.FillAsync("#contrib [data-field='email']", email);
        await page.FillAsync("#contrib [data-field='password']", Password);
        await page.ClickAsync("#contrib button[type='submit']");
        // Back on the same facility, signed in.
        await page.WaitForFunctionAsync("id => location.hash.endsWith('/f/' + id)", id);
        await page.WaitForSelectorAsync("#detail:not([hidden])");
        await phone.SettledAsync();
        Assert.Equal(0, await page.Locator("#sign-in-here").CountAsync());

        await page.ClickAsync("#still-here");
        await page.WaitForSelectorAsync("#action-message.done");
        await page.WaitForSelectorAsync("#action-progress:not([hidden])");
        Assert.Equal("Thank you: your confirmation was recorded.", await page.InnerTextAsync("#action-message"));
        Assert.Equal("Your confirmation counts from reputation 15; it counts when 3 more people confirm.", await page.InnerTextAsync("#action-progress"));
        await phone.ScreenshotAsync("still-here-what-is-needed");
        await page.ClickAsync("#still-here");
        await page.WaitForFunctionAsync("() => document.getElementById('action-progress').textContent.startsWith('You had already')");
        Assert.Equal("You had already confirmed it: it counts once.", await page.InnerTextAsync("#action-progress"));
        await phone.CloseAsync();
    }

    [Fact]
    public async Task Needs_checking_near_me_lists_a_facility_missing_details_and_one_tap_answers_it_as_a_proposal()
    {
        var spot = await QuietPlaceAsync(WesternPlaces);
        using var admin = await SignInAsync(BrowserFixture.AdminEmail, BrowserFixture.AdminPassword);
        var id = await AdminAddsAsync(admin, (spot.Lat, spot.Lon), new { category = "toilet", name = "Sparse toilet" });
        var email = $"quester-{Guid.NewGuid():N}@facilities.test";
        using var registered = await RegisterAsync(email, "Quester");

        var phone = await LocatedPhoneAsync(spot, "en-GB");
        var page = phone.Page;
        await SignInOnPageAsync(page, email, Password);
        await page.ClickAsync("#quests-nearby");
        var card = page.Locator($"#quest-list li[data-facility-id='{id}']");
        await card.WaitForAsync();
        Assert.Contains("Details missing", await card.InnerTextAsync(), StringComparison.Ordinal);
        await AssertFitsThePhoneAsync(page);
        await phone.ScreenshotAsync("quests-near-me");
        await card.Locator(".quest-question[data-attribute='wheelchair'] button[data-answer='yes']").ClickAsync();
        await card.Locator(".action-message.done").WaitForAsync();
        Assert.Equal("Thank you: your answer waits for review.", await card.Locator(".action-message").InnerTextAsync());

        using var mine = JsonDocument.Parse(await admin.GetStringAsync(string.Create(CultureInfo.InvariantCulture,
            $"/api/v1/proposals?state=pending&bbox={spot.Lon - 0.01},{spot.Lat - 0.01},{spot.Lon + 0.01},{spot.Lat + 0.01}")));
        var answer = mine.RootElement.GetProperty("proposals").EnumerateArray().Single(p => p.GetProperty("facility_id").GetString() == id);
        Assert.Equal("yes", answer.GetProperty("changes").GetProperty("wheelchair").GetString());
        Assert.Equal(1, answer.GetProperty("base_version").GetInt32());
        await phone.CloseAsync();
    }

    /// <summary>A phone whose location is <paramref name="spot"/>, the page opened there and settled.</summary>
    private async Task<PhonePage> LocatedPhoneAsync((double Lat, double Lon) spot, string locale = "en-GB")
    {
        var phone = await fixture.NewPhonePageAsync(locale, new Geolocation { Latitude = (float)spot.Lat, Longitude = (float)spot.Lon });
        await phone.Page.GotoAsync(fixture.BaseUrl + "/");
        await phone.Page.WaitForSelectorAsync("body[data-start='located']", new PageWaitForSelectorOptions { State = WaitForSelectorState.Attached });
        await phone.SettledAsync();
        return phone;
    }

    /// <summary>Leaves the account view and opens the facility's details from the nearest list, then waits for the map to settle.</summary>
    private static async Task OpenDetailsFromListAsync(PhonePage phone, string id)
    {
        await phone.Page.ClickAsync("#contrib-close");
        await phone.Page.ClickAsync($"#nearest-list .facility-row[data-id='{id}']");
        await phone.Page.WaitForSelectorAsync("#detail:not([hidden])");
        await phone.SettledAsync();
    }

    /// <summary>Signs in with the page's own form (Contribute, then e-mail and password) and waits for the account view.</summary>
    private static async Task SignInOnPageAsync(IPage page, string email, string password)
    {
        await page.ClickAsync("#contribute");
        await page.FillAsync("#contrib [data-field='email']", email);
        await page.FillAsync("#contrib [data-field='password']", password);
        await page.ClickAsync("#contrib button[type='submit']");
        await page.WaitForSelectorAsync("#reputation");
    }

    /// <summary>A pending proposal is visible to its author only: read it with the page's own (renewed) token.</summary>
    private static async Task<string> OwnProposalAsync(IPage page, string id) =>
        await page.EvaluateAsync<string>("id => fetch('api/v1/proposals/' + id, { headers: { Authorization: 'Bearer ' + JSON.parse(localStorage.getItem('facilities.auth')).access_token } }).then(r => r.text())", id);

    private async Task<(double Lat, double Lon)> QuietPlaceAsync((double Lat, double Lon)[]? places = null)
    {
        foreach (var place in places ?? QuietPlaces)
        {
            using var near = JsonDocument.Parse(await fixture.Api.GetStringAsync(string.Create(CultureInfo.InvariantCulture,
                $"/api/v1/facilities/nearby?lat={place.Lat}&lon={place.Lon}&radius_m=300&limit=1")));
            if (near.RootElement.GetProperty("features").GetArrayLength() == 0)
            {
                return place;
            }
        }
        throw new InvalidOperationException("No quiet place left in the demo data.");
    }

    private async Task<JsonDocument> RegisterAsync(string email, string name)
    {
        using var response = await fixture.Api.PostAsJsonAsync("/api/v1/auth/register", new { email, password = Password, name });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, body);
        return JsonDocument.Parse(body);
    }

    private async Task<HttpClient> SignInAsync(string email, string password)
    {
        using var response = await fixture.Api.PostAsJsonAsync("/api/v1/auth/login", new { email, password });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        using var json = JsonDocument.Parse(body);
        var client = new HttpClient { BaseAddress = new Uri(fixture.BaseUrl) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", json.RootElement.GetProperty("access_token").GetString());
        return client;
    }

    /// <summary>A facility the admin adds through the API, applied at once (no votes): its id.</summary>
    private static async Task<string> AdminAddsAsync(HttpClient admin, (double Lat, double Lon) at, object changes)
    {
        using var created = await ProposeAsync(admin, new
        {
            kind = "create",
            location = new { lat = at.Lat, lon = at.Lon },
            changes,
            comment = "Built last month",
        });
        Assert.Equal("accepted", created.RootElement.GetProperty("state").GetString());
        return created.RootElement.GetProperty("facility_id").GetString()!;
    }

    private static async Task<JsonDocument> ProposeAsync(HttpClient author, object body)
    {
        using var response = await author.PostAsJsonAsync("/api/v1/proposals", body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, text);
        return JsonDocument.Parse(text);
    }

    /// <summary>What the API itself says about one field of a refused request.</summary>
    private async Task<string> ApiErrorAsync(string path, object body, string field)
    {
        using var response = await fixture.Api.PostAsJsonAsync(path, body);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return string.Join(' ', problem.RootElement.GetProperty("errors").GetProperty(field).EnumerateArray().Select(e => e.GetString()));
    }

    private static double DistanceM(double lat1, double lon1, double lat2, double lon2) =>
        Math.Sqrt(Math.Pow((lat2 - lat1) * 110_574, 2) + Math.Pow((lon2 - lon1) * 111_320 * Math.Cos(lat1 * Math.PI / 180), 2));

    private static async Task AssertFitsThePhoneAsync(IPage page)
    {
        var widths = await page.EvaluateAsync<int[]>(@"() => [document.documentElement.scrollWidth, window.innerWidth,
            ...[...document.querySelectorAll('#contrib')].filter(e => !e.hidden).flatMap(e => [e.scrollWidth, e.clientWidth])]");
        Assert.True(widths[0] <= widths[1], $"the page scrolls sideways: {widths[0]} > {widths[1]}");
        for (var i = 2; i < widths.Length; i += 2)
        {
            Assert.True(widths[i] <= widths[i + 1], $"the contributor panel scrolls sideways: {widths[i]} > {widths[i + 1]}");
        }
        var unnamed = await page.EvaluateAsync<string[]>(@"() => [...document.querySelectorAll('#contrib button, #contrib select, #contrib input, #contrib textarea')]
            .filter(e => e.getClientRects().length > 0)
            .filter(e => !((e.getAttribute('aria-label') || '').trim() || (e.labels && [...e.labels].some(l => l.textContent.trim())) || e.textContent.trim()))
            .map(e => e.outerHTML.slice(0, 120))");
        Assert.Empty(unnamed);
    }
}
