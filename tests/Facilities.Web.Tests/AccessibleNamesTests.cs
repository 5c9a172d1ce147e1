using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace Facilities.Web.Tests;

/// <summary>
/// What a screen reader announces for every control a resident can reach, as Chromium itself computes it (its
/// accessibility tree, through the DevTools protocol), not as the markup suggests: an icon's glyph hidden with
/// aria-hidden, a cluster's bare count or a label in the other language is what the rules here catch, as axe's
/// button-name, link-name, label and aria-hidden-focus rules do, plus the page's own language.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed partial class AccessibleNamesTests(BrowserFixture fixture)
{
    /// <summary>Each focusable, visible element: what it is on the page, and Chromium's role, name and whether it is hidden from assistive technology.</summary>
    private sealed record Control(string Kind, string Where, string Role, string Name, bool Ignored, string WhyIgnored);

    [Theory]
    [InlineData("en-GB", "en")]
    [InlineData("zh-CN", "zh-Hans")]
    public async Task Every_control_marker_and_cluster_has_a_spoken_name_in_the_pages_language(string locale, string lang)
    {
        var phone = await fixture.NewPhonePageAsync(locale, new Geolocation { Latitude = 32.045f, Longitude = 118.79f });
        var page = phone.Page;
        var cdp = await page.Context.NewCDPSessionAsync(page);
        await page.GotoAsync(fixture.BaseUrl + "/");
        await page.WaitForSelectorAsync("body[data-start='located']", new PageWaitForSelectorOptions { State = WaitForSelectorState.Attached });
        await phone.SettledAsync();
        Assert.Equal(lang, await page.GetAttributeAsync("html", "lang"));

        // The list and the markers around the resident.
        var list = await ControlsAsync(page, cdp);
        AssertNamed(list, lang);
        var markers = list.Where(c => c.Kind == "marker").ToList();
        Assert.True(markers.Count >= 5, "the street view around the resident should hold markers");
        // A marker says what and how far: its name (or category) and the distance, never a category or a count alone.
        Assert.All(markers, m => Assert.Matches(lang == "en" ? @" · [\d,.]+ k?m$" : @" · [\d,.]+ (米|公里)$", m.Name));

        // Zoomed out: clusters, named by their count in words.
        await page.EvaluateAsync("() => window.facilitiesMap.setZoom(12, { animate: false })");
        await phone.SettledAsync();
        var clusters = (await ControlsAsync(page, cdp)).Where(c => c.Kind == "cluster").ToList();
        Assert.NotEmpty(clusters);
        AssertNamed(clusters, lang);
        await page.EvaluateAsync("() => window.facilitiesMap.setZoom(16, { animate: false })");
        await phone.SettledAsync();

        // The filters.
        await page.ClickAsync("#filters-toggle");
        var filters = await ControlsAsync(page, cdp);
        Assert.Contains(filters, c => c.Role == "checkbox");
        Assert.Contains(filters, c => c.Role == "combobox");
        AssertNamed(filters, lang);
        await page.ClickAsync("#filters-done");

        // A facility's details, with the other maps shown.
        await page.Locator("#nearest-list .facility-row").First.ClickAsync();
        await page.WaitForSelectorAsync("#detail:not([hidden])");
        await phone.SettledAsync();
        await page.ClickAsync("#directions-more");
        var details = await ControlsAsync(page, cdp);
        Assert.Contains(details, c => c.Where == "directions" && c.Role == "link");
        Assert.True(details.Count(c => c.Where.StartsWith("directions-others", StringComparison.Ordinal)) >= 3, "the other maps should be links too");
        AssertNamed(details, lang);
        await phone.ScreenshotAsync($"accessible-names-details-{locale}");
        await page.ClickAsync("#detail-back");
        await phone.SettledAsync();

        // The search box and its answers.
        await page.ClickAsync("#search");
        await page.FillAsync("#search-input", lang == "en" ? "Nanjing" : "南京");
        await page.Locator("#search-results [data-kind='places'] button").First.WaitForAsync();
        var search = await ControlsAsync(page, cdp);
        Assert.Contains(search, c => c.Where == "search-input" && c.Role is "searchbox" or "textbox");
        Assert.Contains(search, c => c.Kind == "result");
        AssertNamed(search, lang);
        await phone.CloseAsync();
    }

    /// <summary>
    /// Every control is exposed, has a name with a word in it (not empty, not a glyph, not a bare number), and, unless it
    /// names a place or a facility, is in the page's language; the language switch alone speaks the other language,
    /// and the map library's credit its own name.
    /// </summary>
    private static void AssertNamed(IReadOnlyList<Control> controls, string lang)
    {
        Assert.NotEmpty(controls);
        var failures = new List<string>();
        foreach (var c in controls)
        {
            if (c.Ignored)
            {
                failures.Add($"{c.Where}: focusable but hidden from screen readers ({c.WhyIgnored})");
            }
            else if (!Word().IsMatch(c.Name))
            {
                failures.Add($"{c.Where} ({c.Role}): no spoken name, only \"{c.Name}\"");
            }
            else if (c.Kind is "control" or "cluster")
            {
                var chinese = Chinese().IsMatch(c.Name);
                if (lang == "zh-Hans" ? !chinese : chinese)
                {
                    failures.Add($"{c.Where} ({c.Role}): \"{c.Name}\" is not in {lang}");
                }
            }
            else if (c.Kind == "marker" && lang == "zh-Hans" && !Chinese().IsMatch(c.Name))
            {
                failures.Add($"{c.Where}: \"{c.Name}\" has no Chinese category");
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    /// <summary>
    /// Chromium's accessibility node of each focusable element that is on screen, read again when the page replaced
    /// some of them while they were read (the map redraws its markers as it settles): a removed element's node is
    /// ignored for being gone, not for being hidden.
    /// </summary>
    private static async Task<List<Control>> ControlsAsync(IPage page, ICDPSession cdp)
    {
        for (var attempt = 1; ; attempt++)
        {
            var controls = await ReadControlsAsync(page, cdp);
            if (attempt == 5 || await page.EvaluateAsync<bool>("() => window.controlsToName.every(e => e.isConnected)"))
            {
                return controls;
            }
            await Task.Delay(200);
        }
    }

    private static async Task<List<Control>> ReadControlsAsync(IPage page, ICDPSession cdp)
    {
        using var found = JsonDocument.Parse(await page.EvaluateAsync<string>("""
            () => {
              const focusable = 'a[href], button, input, select, textarea, [tabindex], [role=button]';
              window.controlsToName = [...document.querySelectorAll(focusable)]
                .filter(e => e.tabIndex >= 0 && !e.disabled && e.getClientRects().length > 0 && getComputedStyle(e).visibility !== 'hidden');
              return JSON.stringify(window.controlsToName.map(e => ({
                kind: e.closest('.leaflet-control-attribution') ? 'credit' : e.id === 'language' ? 'language'
                  : e.classList.contains('cluster') ? 'cluster' : e.classList.contains('facility-marker') ? 'marker'
                  : e.classList.contains('facility-row') || e.closest('#search-results') ? 'result' : 'control',
                where: e.id || (e.parentElement && e.parentElement.closest('[id]') ? e.parentElement.closest('[id]').id + ' ' : '') + e.tagName.toLowerCase() + '.' + (e.getAttribute('class') || '')
              })));
            }
            """));
        var controls = new List<Control>();
        var index = 0;
        foreach (var element in found.RootElement.EnumerateArray())
        {
            var handle = await cdp.SendAsync("Runtime.evaluate", new() { ["expression"] = $"window.controlsToName[{index++}]" });
            var objectId = handle!.Value.GetProperty("result").GetProperty("objectId").GetString()!;
            var ax = await cdp.SendAsync("Accessibility.getPartialAXTree", new() { ["objectId"] = objectId, ["fetchRelatives"] = false });
            var node = ax!.Value.GetProperty("nodes")[0];
            controls.Add(new Control(
                element.GetProperty("kind").GetString()!,
                element.GetProperty("where").GetString()!,
                node.TryGetProperty("role", out var role) ? role.GetProperty("value").GetString() ?? "" : "",
                node.TryGetProperty("name", out var name) && name.TryGetProperty("value", out var value) ? value.GetString() ?? "" : "",
                node.GetProperty("ignored").GetBoolean(),
                node.TryGetProperty("ignoredReasons", out var reasons)
                    ? string.Join(", ", reasons.EnumerateArray().Select(r => r.GetProperty("name").GetString()))
                    : ""));
        }
        return controls;
    }

    [GeneratedRegex(@"\p{L}{2}|\p{IsCJKUnifiedIdeographs}")]
    private static partial Regex Word();

    [GeneratedRegex(@"\p{IsCJKUnifiedIdeographs}")]
    private static partial Regex Chinese();
}
