using Microsoft.Playwright;

namespace Facilities.Web.Tests;

public sealed partial class ContributorMapTests
{
    [Fact]
    public async Task A_still_here_and_a_report_made_offline_are_saved_and_reach_the_server_once_each_when_the_connection_returns()
    {
        var spot = await QuietPlaceAsync(WesternPlaces);
        using var admin = await SignInAsync(BrowserFixture.AdminEmail, BrowserFixture.AdminPassword);
        var id = await AdminAddsAsync(admin, (spot.Lat, spot.Lon), new { category = "toilet", name = "Underpass toilet" });
        var email = $"commuter-{Guid.NewGuid():N}@facilities.test";
        using var registered = await RegisterAsync(email, "Commuter");

        var phone = await fixture.NewPhonePageAsync("en-GB", new Geolocation { Latitude = (float)spot.Lat, Longitude = (float)spot.Lon },
            serviceWorkers: true);
        var page = phone.Page;
        await page.GotoAsync(fixture.BaseUrl + "/");
        await page.WaitForSelectorAsync("body[data-start='located']", new PageWaitForSelectorOptions { State = WaitForSelectorState.Attached });
        await phone.SettledAsync();
        await page.WaitForFunctionAsync("() => navigator.serviceWorker && navigator.serviceWorker.controller !== null",
            null, new PageWaitForFunctionOptions { Timeout = 30_000 });
        // A visit under the worker, which keeps its nearest list; the details opened online are kept too.
        await page.ReloadAsync();
        await page.WaitForSelectorAsync("body[data-start]", new PageWaitForSelectorOptions { State = WaitForSelectorState.Attached });
        await phone.SettledAsync();
        await SignInOnPageAsync(page, email, Password);
        await OpenDetailsFromListAsync(phone, id);
        await page.ClickAsync("#detail-back");
        await phone.SettledAsync();

        await page.Context.SetOfflineAsync(true);
        await page.ReloadAsync();
        await page.WaitForSelectorAsync($"#nearest-list .facility-row[data-id='{id}']");
        await phone.SettledAsync();
        Assert.Equal("Saved nearby list · offline", await page.InnerTextAsync("#nearest-title"));
        await page.ClickAsync($"#nearest-list .facility-row[data-id='{id}']");
        await page.WaitForSelectorAsync("#detail:not([hidden])");
        await phone.SettledAsync();

        const string saved = "Saved — will be sent when you’re back online.";
        await page.ClickAsync("#still-here");
        await page.WaitForFunctionAsync("text => document.getElementById('action-message').textContent === text", saved);
        await page.ClickAsync("#report");
        await page.SelectOptionAsync("#report-reason", "dirty");
        await page.FillAsync("#report-comment", "Floor flooded");
        await page.ClickAsync("#report-form button[type='submit']");
        await page.WaitForSelectorAsync("#report-form", new PageWaitForSelectorOptions { State = WaitForSelectorState.Hidden });
        Assert.Equal(saved, await page.InnerTextAsync("#action-message"));
        await phone.ScreenshotAsync("offline-contribution-saved");
        Assert.Equal((0L, 0L), await FiledAsync(id, email));
        var kept = await OutboxAsync(page);
        Assert.Equal(2, kept.Length);
        Assert.All(kept, k => Assert.True(Guid.TryParse(k, out _), k));

        // The connection returns, and the page's own 'online' event fires twice more on top of the browser's: three
        // senders at once, and each contribution is still filed once.
        await page.Context.SetOfflineAsync(false);
        await page.EvaluateAsync("() => { dispatchEvent(new Event('online')); dispatchEvent(new Event('online')); }");
        await page.WaitForFunctionAsync("() => document.getElementById('action-message').textContent === 'Thank you: your report was sent.'");
        await page.WaitForFunctionAsync("() => document.getElementById('note').textContent.includes('Back online: sent what you saved offline (2).')");
        await phone.ScreenshotAsync("offline-contribution-sent");
        Assert.Empty(await OutboxAsync(page));
        Assert.Equal((1L, 1L), await FiledAsync(id, email));

        // A reload sends what is left, which is nothing.
        await page.ReloadAsync();
        await page.WaitForSelectorAsync("body[data-start]", new PageWaitForSelectorOptions { State = WaitForSelectorState.Attached });
        await phone.SettledAsync();
        Assert.Equal((1L, 1L), await FiledAsync(id, email));
        await phone.CloseAsync();
    }

    /// <summary>The Idempotency-Keys of what the page's outbox still keeps.</summary>
    private static Task<string[]> OutboxAsync(IPage page) => page.EvaluateAsync<string[]>(@"() => new Promise((resolve, reject) => {
        const opening = indexedDB.open('facilities-outbox', 1);
        opening.onupgradeneeded = () => opening.result.createObjectStore('contributions', { keyPath: 'key' });
        opening.onerror = () => reject(opening.error);
        opening.onsuccess = () => {
            const all = opening.result.transaction('contributions').objectStore('contributions').getAllKeys();
            all.onsuccess = () => { opening.result.close(); resolve(all.result); };
            all.onerror = () => reject(all.error);
        };
    })");

    /// <summary>How many confirmations and reports of the facility the account has filed.</summary>
    private async Task<(long Confirmations, long Reports)> FiledAsync(string id, string email)
    {
        await using var dataSource = fixture.CreateDataSource();
        await using var count = dataSource.CreateCommand(
            "select (select count(*) from confirmations c join users u on u.id = c.user_id where c.facility_id = $1 and u.email = $2), " +
            "(select count(*) from reports r join users u on u.id = r.user_id where r.facility_id = $1 and u.email = $2)");
        count.Parameters.AddWithValue(Guid.Parse(id));
        count.Parameters.AddWithValue(email);
        await using var reader = await count.ExecuteReaderAsync();
        await reader.ReadAsync();
        return (reader.GetInt64(0), reader.GetInt64(1));
    }
}
