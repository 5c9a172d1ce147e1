using Microsoft.Playwright;

namespace Facilities.Web.Tests;

/// <summary>
/// The search box, loaded with the first tap on the search button: a city found by its name moves the map there, and
/// a facility found by part of its name opens its details; in English and in Chinese.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class SearchJourneyTests(BrowserFixture fixture)
{
    [Theory]
    [InlineData("en-GB", "Nanjing", "Nanjing", "Westminster Abb", "Search places and facilities")]
    [InlineData("zh-CN", "南京", "南京", "大行宫", "搜索地点和设施")]
    public async Task A_resident_finds_a_city_and_then_a_facility_by_part_of_its_name(
        string locale, string cityQuery, string cityName, string facilityQuery, string boxLabel)
    {
        // In Sydney, far from both answers.
        var phone = await fixture.NewPhonePageAsync(locale, new Geolocation { Latitude = -33.8688f, Longitude = 151.2093f });
        var page = phone.Page;
        await page.GotoAsync(fixture.BaseUrl + "/");
        await page.WaitForSelectorAsync("body[data-start='located']", new PageWaitForSelectorOptions { State = WaitForSelectorState.Attached });
        await phone.SettledAsync();
        Assert.Equal(0, await page.Locator("#search-panel").CountAsync());
        Assert.False(string.IsNullOrEmpty(await page.GetAttributeAsync("#search", "aria-label")));

        await page.ClickAsync("#search");
        var box = page.Locator("#search-input");
        await box.WaitForAsync();
        Assert.Equal(boxLabel, await box.GetAttributeAsync("aria-label"));
        await box.FillAsync(cityQuery);
        var place = page.Locator($"#search-results[data-query='{cityQuery}'] [data-kind='places'] button").First;
        await place.WaitForAsync();
        Assert.Equal(cityName, await place.Locator(".name").InnerTextAsync());
        await phone.ScreenshotAsync($"search-city-{locale}");
        await place.ClickAsync();
        Assert.True(await page.Locator("#search-panel").IsHiddenAsync());
        var centre = await page.EvaluateAsync<double[]>("() => { const c = window.facilitiesMap.getCenter(); return [c.lat, c.lng]; }");
        Assert.Equal(32.06, centre[0], 0.05);
        Assert.Equal(118.78, centre[1], 0.05);
        await phone.SettledAsync();

        await page.ClickAsync("#search");
        await box.FillAsync(facilityQuery);
        var facility = page.Locator($"#search-results[data-query='{facilityQuery}'] [data-kind='facilitiesFound'] button").First;
        await facility.WaitForAsync();
        var name = await facility.Locator(".name").InnerTextAsync();
        Assert.Contains(facilityQuery, name, StringComparison.Ordinal);
        await phone.ScreenshotAsync($"search-facility-{locale}");
        await facility.ClickAsync();
        await page.WaitForSelectorAsync("#detail:not([hidden])");
        await phone.SettledAsync();
        Assert.Equal(name, await page.Locator("#detail-title").InnerTextAsync());
        Assert.Matches("/f/[0-9a-f-]{36}$", page.Url);
        await phone.ScreenshotAsync($"search-facility-details-{locale}");
        await phone.CloseAsync();
    }
}
