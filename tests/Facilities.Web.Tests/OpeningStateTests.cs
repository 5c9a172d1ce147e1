using System.Globalization;
using System.Text.Json;
using Microsoft.Playwright;

namespace Facilities.Web.Tests;

/// <summary>
/// Hours as people read them in map apps, from the server's next_change_at, at fixed times: the browser's clock is
/// set to the instant, and the facility's answer is asked for at that instant (the API's <c>at</c>).
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class OpeningStateTests(BrowserFixture fixture)
{
    [Theory]
    // A London pub toilet, Mo-Su 11:00-23:00; London is on UTC in December. 2026-12-02 is a Wednesday.
    [InlineData("en-GB", 51.506679, -0.071871, "Mo-Su 11:00-23:00", "2026-12-02T20:00:00Z", "Open · closes 23:00")]
    [InlineData("zh-CN", 51.506679, -0.071871, "Mo-Su 11:00-23:00", "2026-12-02T20:00:00Z", "开放中 · 23:00 关闭")]
    [InlineData("en-GB", 51.506679, -0.071871, "Mo-Su 11:00-23:00", "2026-12-02T23:30:00Z", "Closed · opens tomorrow 11:00")]
    // A Nanjing visitor centre, Mo-Fr 08:00-18:00, on Saturday 2026-12-05 at 10:00 in Nanjing (UTC+8).
    [InlineData("en-GB", 32.075848, 118.847473, "Mo-Fr 08:00-18:00", "2026-12-05T02:00:00Z", "Closed · opens Mon 08:00")]
    [InlineData("zh-CN", 32.075848, 118.847473, "Mo-Fr 08:00-18:00", "2026-12-05T02:00:00Z", "已关闭 · 周一 08:00 开放")]
    [InlineData("en-GB", 32.084455, 118.787797, "24/7", "2026-12-05T02:00:00Z", "Open 24 hours")]
    [InlineData("zh-CN", 32.084455, 118.787797, "24/7", "2026-12-05T02:00:00Z", "24 小时开放")]
    public async Task The_details_say_whether_it_is_open_and_until_when(string locale, double lat, double lon, string hours, string at, string expected)
    {
        var id = await FacilityWithHoursAsync(lat, lon, hours);
        var phone = await fixture.NewPhonePageAsync(locale);
        var page = phone.Page;
        // The clock starts at the instant and runs on: a clock held still (SetFixedTime) also holds Leaflet's pan
        // animation at its first frame, and the map never shows the facility opened.
        await page.Clock.InstallAsync(new ClockInstallOptions { TimeDate = DateTime.Parse(at, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal) });
        await page.RouteAsync($"**/api/v1/facilities/{id}", route =>
            route.ContinueAsync(new RouteContinueOptions { Url = route.Request.Url + "?at=" + Uri.EscapeDataString(at) }));
        await page.GotoAsync(fixture.BaseUrl + "/#/f/" + id);
        await page.WaitForSelectorAsync("#detail:not([hidden])");
        await phone.SettledAsync();
        Assert.Equal(expected, await page.InnerTextAsync("#detail-open"));
        await page.WaitForFunctionAsync("() => { const r = document.querySelector('path.selected-ring'); return r && r.getBoundingClientRect().width > 0; }");
        await phone.ScreenshotAsync($"opening-state-{locale}-{hours.Replace(' ', '_').Replace('/', '_').Replace(':', '_')}-{at[..13].Replace(':', '_')}");
        await phone.CloseAsync();
    }

    [Fact]
    public async Task Chinese_hours_list_days_with_the_Chinese_enumeration_comma()
    {
        var id = await FacilityWithHoursAsync(32.053484, 118.875638, "Mo-Fr 08:00-20:00; Sa,Su 10:00-16:00; PH off");
        var phone = await fixture.NewPhonePageAsync("zh-CN");
        var page = phone.Page;
        await page.GotoAsync(fixture.BaseUrl + "/#/f/" + id);
        await page.WaitForSelectorAsync("#detail:not([hidden])");
        await phone.SettledAsync();
        var text = await page.InnerTextAsync("#detail-attributes [data-attribute='opening_hours'] .value");
        Assert.Contains("周六、周日", text, StringComparison.Ordinal);
        Assert.DoesNotContain(",", text, StringComparison.Ordinal);
        await phone.CloseAsync();
    }

    /// <summary>The id of the demo facility at a position with these opening hours.</summary>
    private async Task<string> FacilityWithHoursAsync(double lat, double lon, string hours)
    {
        using var nearby = JsonDocument.Parse(await fixture.Api.GetStringAsync(
            string.Create(CultureInfo.InvariantCulture, $"/api/v1/facilities/nearby?lat={lat}&lon={lon}&radius_m=5&limit=10")));
        return nearby.RootElement.GetProperty("features").EnumerateArray()
            .First(f => f.GetProperty("properties").GetProperty("opening_hours").GetString() == hours)
            .GetProperty("id").GetString()!;
    }
}
