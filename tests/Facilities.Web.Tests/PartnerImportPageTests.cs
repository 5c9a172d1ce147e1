using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Playwright;
using static Facilities.Web.Tests.PartnerReviewsPageTests;

namespace Facilities.Web.Tests;

/// <summary>
/// The partner page with the councils' files as they are published, on a phone: presets offered from the server, the
/// columns guessed from KML and GeoJSON fields as from CSV headers, a missing column named in the partner's language,
/// an import that waits for a dry run of the definition it would use, and a report that leads to the facilities and
/// to the matches to settle.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class PartnerImportPageTests(BrowserFixture fixture)
{
    private static readonly string London = Path.Combine(Facilities.Testing.RepositoryPaths.TestData, "london-toilets");

    /// <summary>A place of this class's own, far from the demo data and from the other partner journeys.</summary>
    private const double Lat = 45.3;
    private const double Lon = 10.4;

    private async Task<PhonePage> PartnerPageAsync(string key, string locale = "en-GB", string view = "/#15/51.5/-0.1")
    {
        var phone = await fixture.NewPhonePageAsync(locale);
        var page = phone.Page;
        await page.GotoAsync(fixture.BaseUrl + view);
        await page.WaitForSelectorAsync("body[data-start='linked']", new PageWaitForSelectorOptions { State = WaitForSelectorState.Attached });
        await page.ClickAsync("#contribute");
        await page.ClickAsync("#to-partner");
        await page.FillAsync("#contrib [data-field='key']", key);
        await page.ClickAsync("#contrib button[type='submit']");
        await page.WaitForSelectorAsync("#contrib [data-field='file']");
        return phone;
    }

    private static async Task ChooseFileAsync(IPage page, string path)
    {
        await page.SetInputFilesAsync("#contrib [data-field='file']", path);
        await page.WaitForSelectorAsync("#contrib [data-field='mapping.lon']");
    }

    private static async Task LicensedAsync(IPage page, string attribution, string license = "OGL-UK-3.0")
    {
        await page.FillAsync("#contrib [data-field='attribution']", attribution);
        await page.SelectOptionAsync("#contrib [data-field='license']", license);
    }

    private static async Task DryRunAsync(IPage page)
    {
        await page.ClickAsync("#dry-run");
        await page.WaitForSelectorAsync("#import-report[data-state='succeeded'][data-dry-run='true']");
    }

    private static Task<string> CountAsync(IPage page, string name) => page.InnerTextAsync($"#import-report [data-count='{name}'] dd");

    [Fact]
    public async Task Barnets_file_with_the_lga_preset_uses_the_presets_mapping_and_a_changed_column_waits_for_a_new_dry_run()
    {
        var key = await PartnerKeyAsync(fixture, "London Borough of Barnet");
        var phone = await PartnerPageAsync(key);
        var page = phone.Page;
        // The presets are the server's.
        Assert.Equal(["", "au_nptm", "uk_lga_toilets", "osm_toilets"],
            await page.EvalOnSelectorAllAsync<string[]>("#contrib [data-field='preset'] option", "os => os.map(o => o.value)"));
        await ChooseFileAsync(page, Path.Combine(London, "barnet_lga_schema.csv"));
        await page.SelectOptionAsync("#contrib [data-field='preset']", "uk_lga_toilets");

        // The preset's columns where it reads them, its grid, and a note that its mapping (value maps, cleanups) is used.
        Assert.Equal("GeoX", await page.InputValueAsync("#contrib [data-field='mapping.lon']"));
        Assert.Equal("GeoY", await page.InputValueAsync("#contrib [data-field='mapping.lat']"));
        Assert.Equal("EPSG:27700", await page.InputValueAsync("#contrib [data-field='crs']"));
        var note = await page.InnerTextAsync("#mapping-preview #preset-note");
        Assert.Contains("uk_lga_toilets preset’s mapping is used", note, StringComparison.Ordinal);
        Assert.Contains("“extends”", note, StringComparison.Ordinal);
        await page.Locator("#preset-note").ScrollIntoViewIfNeededAsync();
        await phone.ScreenshotAsync("partner-barnet-preset");

        await LicensedAsync(page, "Contains public sector information licensed under the Open Government Licence v3.0 (Barnet)");
        await DryRunAsync(page);
        Assert.Equal("26", await CountAsync(page, "rows_read"));
        Assert.Equal("0", await CountAsync(page, "rejected_count"));
        Assert.True(await page.IsEnabledAsync("#run-import"));
        Assert.False(await page.IsVisibleAsync("#import-hint"));

        // A column changed after the dry run: the import would not be the one the report shows, so it waits.
        await page.SelectOptionAsync("#contrib [data-field='mapping.operator']", "OrganisationLabel");
        Assert.True(await page.IsDisabledAsync("#run-import"));
        Assert.Equal("The definition changed: run a dry run again before importing.", await page.InnerTextAsync("#import-hint"));
        await DryRunAsync(page);
        Assert.True(await page.IsEnabledAsync("#run-import"));
        Assert.False(await page.IsVisibleAsync("#import-hint"));
        // The change went over the preset (extends), not instead of it: the preset's grid columns still place all 26.
        Assert.Equal("0", await CountAsync(page, "rejected_count"));
        Assert.Empty(phone.Errors);
        await phone.CloseAsync();
    }

    [Theory]
    [InlineData("en-GB", "The file has no column GeoX for x.")]
    [InlineData("zh-CN", "文件中没有 x 所需的列 GeoX。")]
    public async Task A_file_without_the_columns_of_its_mapping_is_a_dry_run_report_naming_each_missing_one_in_the_partners_language(string locale, string missingX)
    {
        var key = await PartnerKeyAsync(fixture, "Camden with the wrong preset " + locale);
        var phone = await PartnerPageAsync(key, locale);
        var page = phone.Page;
        // Camden does not publish the LGA schema: its columns are not the preset's.
        await ChooseFileAsync(page, Path.Combine(London, "camden_public_toilets.csv"));
        await page.SelectOptionAsync("#contrib [data-field='preset']", "uk_lga_toilets");
        await LicensedAsync(page, "Contains public sector information licensed under the Open Government Licence v3.0 (Camden)");
        await DryRunAsync(page);
        var missing = await page.Locator("#import-report .missing-columns li").AllInnerTextsAsync();
        Assert.Contains(missingX, missing);
        Assert.Contains(missing, m => m.Contains("GeoY", StringComparison.Ordinal));
        Assert.Equal("47", await CountAsync(page, "rejected_count"));
        await page.Locator("#import-report .missing-columns").ScrollIntoViewIfNeededAsync();
        await phone.ScreenshotAsync("partner-camden-missing-columns-" + locale);
        Assert.Empty(phone.Errors);
        await phone.CloseAsync();
    }

    [Fact]
    public async Task Kml_and_geojson_fields_are_offered_as_columns_a_place_name_column_is_the_name_and_24_hours_goes_in_as_24_7()
    {
        var key = await PartnerKeyAsync(fixture, "Fields from every format");
        var phone = await PartnerPageAsync(key);
        var page = phone.Page;

        // Wandsworth's placemarks: their name and description are the columns; the position is the placemark's own.
        await ChooseFileAsync(page, Path.Combine(London, "wandsworth_toilets.kml"));
        Assert.Equal(["(none)", "name", "description"], await page.Locator("#contrib [data-field='mapping.name'] option").AllInnerTextsAsync());
        Assert.Equal("name", await page.InputValueAsync("#contrib [data-field='mapping.name']"));
        Assert.Equal("", await page.InputValueAsync("#contrib [data-field='mapping.lon']"));
        Assert.Equal("Automatic Public Convenience", await page.InnerTextAsync("#mapping-preview tr:nth-child(2) td:first-child"));
        await phone.ScreenshotAsync("partner-wandsworth-kml-columns");

        // Barking has no name column: its "Location" holds the place's name (Camden's holds coordinates, and has Name).
        await ChooseFileAsync(page, Path.Combine(London, "barking_toilets.csv"));
        Assert.Equal("Location", await page.InputValueAsync("#contrib [data-field='mapping.name']"));
        Assert.Equal("Grid Ref X", await page.InputValueAsync("#contrib [data-field='mapping.lon']"));
        Assert.Equal("EPSG:27700", await page.InputValueAsync("#contrib [data-field='crs']"));
        Assert.Equal("OpeningHours", await page.InputValueAsync("#contrib [data-field='mapping.opening_hours']"));

        // A GeoJSON file with Chinese property names: the id, name and hours by their header words; "24 hours" is 24/7.
        var geojson = string.Create(CultureInfo.InvariantCulture, $$$"""
            {"type": "FeatureCollection", "features": [
              {"type": "Feature", "geometry": {"type": "Point", "coordinates": [{{{Lon}}}, {{{Lat}}}]}, "properties": {"编号": "GZ-1", "名称": "湖滨公厕", "开放时间": "24 hours"}},
              {"type": "Feature", "geometry": {"type": "Point", "coordinates": [{{{Lon + 0.01}}}, {{{Lat}}}]}, "properties": {"编号": "GZ-2", "名称": "公园公厕", "开放时间": "Mo-Su 06:00-22:00"}}
            ]}
            """);
        await page.SetInputFilesAsync("#contrib [data-field='file']", new FilePayload
        {
            Name = "gongce.geojson",
            MimeType = "application/geo+json",
            Buffer = Encoding.UTF8.GetBytes(geojson),
        });
        await page.WaitForFunctionAsync("() => document.querySelector(\"#contrib [data-field='mapping.id']\")?.value === '编号'");
        Assert.Equal("名称", await page.InputValueAsync("#contrib [data-field='mapping.name']"));
        Assert.Equal("开放时间", await page.InputValueAsync("#contrib [data-field='mapping.opening_hours']"));
        Assert.Contains("24/7", await page.InnerTextAsync("#mapping-preview"), StringComparison.Ordinal);
        await page.SelectOptionAsync("#contrib [data-field='crs']", "EPSG:4326");
        await LicensedAsync(page, "Test district", "CC-BY-4.0");
        await DryRunAsync(page);
        Assert.Equal("2", await CountAsync(page, "created"));
        // Both hours went in: nothing was left out.
        Assert.Equal(0, await page.Locator("#import-report .ignored-values li").CountAsync());
        await page.WaitForSelectorAsync("#import-records tr[data-outcome='created']");
        Assert.Contains("GZ-1", await page.InnerTextAsync("#import-records"), StringComparison.Ordinal);
        Assert.Empty(phone.Errors);
        await phone.CloseAsync();
    }

    [Fact]
    public async Task A_zipped_shapefile_and_an_osm_extract_offer_the_fields_an_import_reads_and_a_zip_that_is_not_one_says_so()
    {
        var key = await PartnerKeyAsync(fixture, "Shapefile council on the page");
        var phone = await PartnerPageAsync(key);
        var page = phone.Page;
        const string File = "#contrib [data-field='file']";
        const string Hint = "#contrib .crs-hint";

        // A layer on the British National Grid with its .prj: the DBF's fields are the columns, the grid the file's.
        await page.SetInputFilesAsync(File, new FilePayload
        {
            Name = "toilets.zip",
            MimeType = "application/zip",
            Buffer = Facilities.Testing.TestShapefiles.Zip([("S1", "Holborn Library", 530827, 181935), ("S2", "Euston", 529500, 182600)]),
        });
        await page.WaitForSelectorAsync("#contrib [data-field='mapping.lon']");
        Assert.Equal(["(none)", "REF", "NAME"], await page.Locator("#contrib [data-field='mapping.name'] option").AllInnerTextsAsync());
        Assert.Equal("NAME", await page.InputValueAsync("#contrib [data-field='mapping.name']"));
        Assert.Equal("REF", await page.InputValueAsync("#contrib [data-field='mapping.id']"));
        // The records have their own positions: no coordinate columns, and the preview shows where each one is.
        Assert.Equal("", await page.InputValueAsync("#contrib [data-field='mapping.lon']"));
        Assert.Equal("EPSG:27700", await page.InputValueAsync("#contrib [data-field='crs']"));
        Assert.Equal("Given by the file: EPSG:27700.", await page.InnerTextAsync(Hint));
        Assert.Equal(["id", "name", "x", "y"], await page.Locator("#mapping-preview th").AllInnerTextsAsync());
        Assert.Equal(["S1", "Holborn Library", "530827", "181935"], await page.Locator("#mapping-preview tr:nth-child(2) td").AllInnerTextsAsync());
        await page.Locator("#mapping-preview").ScrollIntoViewIfNeededAsync();
        await phone.ScreenshotAsync("partner-shapefile-columns");
        await LicensedAsync(page, "Contains public sector information licensed under the Open Government Licence v3.0 (test layer)");
        await DryRunAsync(page);
        Assert.Equal("2", await CountAsync(page, "rows_read"));
        Assert.Equal("0", await CountAsync(page, "rejected_count"));

        // Without its .prj the grid is read from the positions, as it is from a CSV's coordinate columns.
        await page.SetInputFilesAsync(File, new FilePayload
        {
            Name = "toilets-without-prj.zip",
            MimeType = "application/zip",
            Buffer = Facilities.Testing.TestShapefiles.Zip([("S1", "Holborn Library", 530827, 181935)], prj: null),
        });
        await page.WaitForFunctionAsync($"() => document.querySelector(\"{Hint}\")?.textContent === 'Guessed from the coordinates: EPSG:27700.'");
        Assert.Equal("EPSG:27700", await page.InputValueAsync("#contrib [data-field='crs']"));

        // An OpenStreetMap extract: each element's tags and its OSM id are the columns, in WGS 84.
        await page.SetInputFilesAsync(File, new FilePayload
        {
            Name = "extract.osm",
            MimeType = "application/xml",
            Buffer = Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"""
                <?xml version="1.0" encoding="UTF-8"?>
                <osm version="0.6" generator="test">
                  <node id="1" lat="{Lat}" lon="{Lon}"><tag k="amenity" v="toilets"/><tag k="name" v="Lakeside loo"/><tag k="wheelchair" v="yes"/></node>
                </osm>
                """)),
        });
        await page.WaitForFunctionAsync("() => document.querySelector(\"#contrib [data-field='mapping.name']\")?.value === 'name'");
        Assert.Equal(["(none)", "amenity", "name", "wheelchair", "@id"], await page.Locator("#contrib [data-field='mapping.id'] option").AllInnerTextsAsync());
        Assert.Equal("@id", await page.InputValueAsync("#contrib [data-field='mapping.id']"));
        Assert.Equal("wheelchair", await page.InputValueAsync("#contrib [data-field='mapping.wheelchair']"));
        Assert.Equal("EPSG:4326", await page.InputValueAsync("#contrib [data-field='crs']"));

        // A zip that is not one: said under the file field in the server's words, and no columns are offered.
        await page.SetInputFilesAsync(File, new FilePayload { Name = "toilets.zip", MimeType = "application/zip", Buffer = "not a zip at all"u8.ToArray() });
        await page.WaitForFunctionAsync("() => document.querySelector(\"#contrib [data-error-for='file']\")?.textContent !== ''");
        Assert.Equal("The file is not a valid zip archive.", await page.InnerTextAsync("#contrib [data-error-for='file']"));
        Assert.Equal("true", await page.GetAttributeAsync(File, "aria-invalid"));
        Assert.Equal(0, await page.Locator("#contrib [data-field='mapping.name']").CountAsync());
        await page.Locator(File).ScrollIntoViewIfNeededAsync();
        await phone.ScreenshotAsync("partner-not-a-zip");
        Assert.Empty(phone.Errors);
        await phone.CloseAsync();
    }

    [Fact]
    public async Task A_file_chosen_while_the_last_one_is_still_read_is_the_one_whose_columns_are_offered()
    {
        var key = await PartnerKeyAsync(fixture, "Second thoughts council");
        var phone = await PartnerPageAsync(key);
        var page = phone.Page;
        // The first file's sample is slow to come (a large zip on a slow line); the partner picks another meanwhile.
        var first = true;
        await page.RouteAsync("**/api/v1/partner/file-samples*", async route =>
        {
            if (first)
            {
                first = false;
                await Task.Delay(1500);
            }
            try
            {
                await route.ContinueAsync();
            }
            catch (PlaywrightException)
            {
                // The page gave up on it, as it should.
            }
        });
        await page.SetInputFilesAsync("#contrib [data-field='file']", Path.Combine(London, "camden_public_toilets.csv"));
        Assert.Equal("Reading the file…", await page.InnerTextAsync("#contrib .file-status"));
        await page.SetInputFilesAsync("#contrib [data-field='file']", Path.Combine(London, "barking_toilets.csv"));
        await page.WaitForSelectorAsync("#contrib [data-field='mapping.lon']");
        Assert.Equal("Location", await page.InputValueAsync("#contrib [data-field='mapping.name']"));
        // Camden's answer, had it come, would have put its own Name column there.
        await Task.Delay(2000);
        Assert.Equal("Location", await page.InputValueAsync("#contrib [data-field='mapping.name']"));
        Assert.Equal(1, await page.Locator("#contrib [data-field='mapping.name']").CountAsync());
        Assert.Equal("", await page.InnerTextAsync("#contrib .file-status"));
        Assert.Empty(phone.Errors);
        await phone.CloseAsync();
    }

    [Fact]
    public async Task Disabled_access_and_baby_changing_said_in_a_kmls_descriptions_go_in_as_wheelchair_and_changing_table()
    {
        var key = await PartnerKeyAsync(fixture, "Prose council");
        var phone = await PartnerPageAsync(key);
        var page = phone.Page;
        // Written as Wandsworth writes its placemarks: the facilities' features in the description's HTML lines.
        double lat = Lat - 0.05, lon = Lon - 0.05;
        var kml = string.Create(CultureInfo.InvariantCulture, $"""
            <?xml version="1.0" encoding="UTF-8"?>
            <kml xmlns="http://www.opengis.net/kml/2.2"><Document>
            <Placemark><name>Lakeside</name><description><![CDATA[Lakeside Road o/s the pier<br>Disabled Access<br>Baby-Changing]]></description><Point><coordinates>{lon},{lat},0</coordinates></Point></Placemark>
            <Placemark><name>Harbour steps</name><description><![CDATA[Harbour steps<br>No&nbsp;Disabled Access]]></description><Point><coordinates>{lon + 0.01},{lat},0</coordinates></Point></Placemark>
            <Placemark><name>Market square</name><description>Market square, by the fountain</description><Point><coordinates>{lon + 0.02},{lat},0</coordinates></Point></Placemark>
            </Document></kml>
            """);
        await page.SetInputFilesAsync("#contrib [data-field='file']", new FilePayload { Name = "prose.kml", MimeType = "application/vnd.google-earth.kml+xml", Buffer = Encoding.UTF8.GetBytes(kml) });
        await page.WaitForSelectorAsync("#contrib [data-field='mapping.lon']");

        // No column is named for either: the descriptions say them, and the page reads the words as a person would.
        Assert.Equal("description", await page.InputValueAsync("#contrib [data-field='mapping.wheelchair']"));
        Assert.Equal("Disabled Access", await page.InputValueAsync("#contrib [data-field='says-yes.wheelchair']"));
        Assert.Equal("No Disabled Access", await page.InputValueAsync("#contrib [data-field='says-no.wheelchair']"));
        Assert.Equal("description", await page.InputValueAsync("#contrib [data-field='mapping.changing_table']"));
        Assert.Equal("Baby-Changing", await page.InputValueAsync("#contrib [data-field='says-yes.changing_table']"));
        Assert.Equal("", await page.InputValueAsync("#contrib [data-field='says-no.changing_table']"));
        // The name column holds no prose: no words are asked for it.
        Assert.Equal(2, await page.Locator("#contrib .phrase-rule:visible").CountAsync());
        var headings = (await page.Locator("#mapping-preview th").AllInnerTextsAsync()).ToList();
        var wheelchair = headings.IndexOf("wheelchair");
        var changing = headings.IndexOf("changing_table");
        var rows = page.Locator("#mapping-preview tr");
        Assert.Equal(["yes", "no", ""], new[]
        {
            await rows.Nth(1).Locator("td").Nth(wheelchair).InnerTextAsync(),
            await rows.Nth(2).Locator("td").Nth(wheelchair).InnerTextAsync(),
            await rows.Nth(3).Locator("td").Nth(wheelchair).InnerTextAsync(),
        });
        Assert.Equal("yes", await rows.Nth(1).Locator("td").Nth(changing).InnerTextAsync());
        await page.Locator("#contrib .phrase-rule").First.ScrollIntoViewIfNeededAsync();
        await phone.ScreenshotAsync("partner-prose-phrases");

        await LicensedAsync(page, "Prose council", "CC-BY-4.0");
        await DryRunAsync(page);
        Assert.Equal("0", await CountAsync(page, "rejected_count"));
        // A row that says neither leaves the attribute unknown rather than a value left out.
        Assert.Equal(0, await page.Locator("#import-report .ignored-values li").CountAsync());
        await page.ClickAsync("#run-import");
        await page.WaitForSelectorAsync("#import-report[data-state='succeeded'][data-dry-run='false']");

        async Task<JsonElement> FacilityAsync(double at)
        {
            using var near = JsonDocument.Parse(await fixture.Api.GetStringAsync(string.Create(CultureInfo.InvariantCulture,
                $"/api/v1/facilities/nearby?lat={lat}&lon={at}&radius_m=5")));
            var id = near.RootElement.GetProperty("features").EnumerateArray().Single().GetProperty("id").GetString();
            using var facility = JsonDocument.Parse(await fixture.Api.GetStringAsync($"/api/v1/facilities/{id}"));
            return facility.RootElement.GetProperty("properties").Clone();
        }
        var lakeside = await FacilityAsync(lon);
        Assert.Equal("yes", lakeside.GetProperty("wheelchair").GetString());
        Assert.True(lakeside.GetProperty("changing_table").GetBoolean());
        Assert.Equal("no", (await FacilityAsync(lon + 0.01)).GetProperty("wheelchair").GetString());
        var market = await FacilityAsync(lon + 0.02);
        Assert.True(!market.TryGetProperty("wheelchair", out var unknown) || unknown.ValueKind == JsonValueKind.Null || unknown.GetString() == "unknown",
            market.ToString());
        Assert.Empty(phone.Errors);
        await phone.CloseAsync();
    }

    [Fact]
    public async Task A_merged_records_facility_opens_on_the_map_and_the_review_count_leads_to_the_matches_to_settle()
    {
        var key = await PartnerKeyAsync(fixture, "Lakeside council");
        using var partner = new HttpClient { BaseAddress = new Uri(fixture.BaseUrl) };
        partner.DefaultRequestHeaders.Add("X-Api-Key", key);
        // The council's buildings file first: two toilets 15 m apart, and a pavilion 500 m away.
        var buildings = await DatasetAsync(partner, "Lakeside buildings");
        var east = Lon + 0.0002;
        var pavilion = Lon + 0.0065;
        await ImportAsync(partner, buildings, string.Create(CultureInfo.InvariantCulture,
            $"id,lon,lat,name\nB-1,{Lon},{Lat},Lakeside toilets\nB-2,{east},{Lat},Lakeside toilets\nB-3,{pavilion},{Lat},Pavilion toilet\n"));

        // Then its parks file, on the page: one toilet between the two, one at the pavilion.
        var phone = await PartnerPageAsync(key, view: string.Create(CultureInfo.InvariantCulture, $"/#16/{Lat}/{Lon}"));
        var page = phone.Page;
        var parks = Path.Combine(Path.GetTempPath(), "lakeside-parks-" + Guid.NewGuid().ToString("N")[..8] + ".csv");
        await File.WriteAllTextAsync(parks, string.Create(CultureInfo.InvariantCulture,
            $"id,lon,lat,name\nP-7,{Lon + 0.0001},{Lat},Lakeside toilets\nP-8,{pavilion},{Lat},Pavilion toilet\n"));
        await ChooseFileAsync(page, parks);
        await LicensedAsync(page, "Lakeside parks", "CC-BY-4.0");
        await DryRunAsync(page);
        await page.ClickAsync("#run-import");
        await page.WaitForSelectorAsync("#import-report[data-state='succeeded'][data-dry-run='false']");
        Assert.Equal("1", await CountAsync(page, "merged"));
        Assert.Equal("1", await CountAsync(page, "needing_review"));

        // "Merged into existing: 1" says which: the records, filtered, each with a link to its facility on the map.
        await page.ClickAsync("#show-merged");
        // Some rows, all merged: the filter has been applied to a table that has its rows.
        await page.WaitForFunctionAsync("() => (rows => rows.length > 0 && rows.every(r => r.dataset.outcome === 'merged'))([...document.querySelectorAll('#import-records tr[data-outcome]')])");
        var row = page.Locator("#import-records tr[data-outcome='merged']");
        Assert.Equal(1, await row.CountAsync());
        Assert.Contains("P-8", await row.InnerTextAsync(), StringComparison.Ordinal);
        var link = row.Locator("td.facility-id a");
        var facility = await row.Locator("td.facility-id").GetAttributeAsync("data-facility-id");
        Assert.EndsWith("#/f/" + facility, await link.GetAttributeAsync("href"), StringComparison.Ordinal);
        await row.ScrollIntoViewIfNeededAsync();
        await phone.ScreenshotAsync("partner-report-merged-facility");
        var opened = await page.Context.RunAndWaitForPageAsync(() => link.ClickAsync());
        await opened.Locator("#detail:not([hidden])", new PageLocatorOptions { HasText = "Pavilion toilet" }).WaitForAsync();
        Assert.EndsWith("/f/" + facility, opened.Url, StringComparison.Ordinal);
        await opened.CloseAsync();

        // The record waiting for review is settled in "Matches to settle", which the count leads to.
        await page.ClickAsync("#show-needing-review");
        var item = page.Locator("#partner-reviews .partner-review");
        await item.WaitForAsync();
        Assert.Contains("P-7", await item.Locator("h3").InnerTextAsync(), StringComparison.Ordinal);
        await phone.ScreenshotAsync("partner-report-to-matches");
        Assert.Empty(phone.Errors);
        await phone.CloseAsync();
        File.Delete(parks);
    }

    /// <summary>A partner's walk through the councils' files as published, dry runs only (the London layer stays as the
    /// other tests expect it), with a screenshot at each step for a person to look at.</summary>
    [Fact]
    public async Task A_partner_dry_runs_the_london_councils_files_as_published_on_a_phone()
    {
        var key = await PartnerKeyAsync(fixture, "London councils' walk");
        var phone = await PartnerPageAsync(key);
        var page = phone.Page;
        const string Ogl = "Contains public sector information licensed under the Open Government Licence v3.0";
        await LicensedAsync(page, Ogl);
        // Hillingdon's UPRN repeats (two toilets in one building): not taken as the record id, so no row is a duplicate.
        foreach (var (file, rows) in ((string, string)[])[("camden_public_toilets.csv", "47"), ("southwark_toilets.csv", "41"), ("barking_toilets.csv", "10"),
                     ("hillingdon_lga_schema.csv", "48"), ("wandsworth_toilets.kml", "94"), ("merton_community_toilets.kml", "7")])
        {
            var shot = "partner-walk-" + Path.GetFileNameWithoutExtension(file).Split('_')[0];
            await ChooseFileAsync(page, Path.Combine(London, file));
            // Each file names its draft dataset, not the first file chosen.
            Assert.Equal(Path.GetFileNameWithoutExtension(file), await page.InputValueAsync("#contrib [data-field='name']"));
            if (file.StartsWith("wandsworth", StringComparison.Ordinal))
            {
                // Wandsworth says "Disabled Access" (or "No Disabled Access") in its descriptions, and nowhere else.
                Assert.Equal("description", await page.InputValueAsync("#contrib [data-field='mapping.wheelchair']"));
                Assert.Equal("Disabled Access", await page.InputValueAsync("#contrib [data-field='says-yes.wheelchair']"));
                Assert.Equal("No Disabled Access", await page.InputValueAsync("#contrib [data-field='says-no.wheelchair']"));
                // And "Baby-Changing" (or "No Baby-Changing"), first in its 60th placemark, past the first fifty.
                Assert.Equal("description", await page.InputValueAsync("#contrib [data-field='mapping.changing_table']"));
                Assert.Equal("Baby-Changing", await page.InputValueAsync("#contrib [data-field='says-yes.changing_table']"));
                Assert.Equal("No Baby-Changing", await page.InputValueAsync("#contrib [data-field='says-no.changing_table']"));
            }
            await page.Locator("#mapping-preview").ScrollIntoViewIfNeededAsync();
            await phone.ScreenshotAsync(shot + "-1-mapping");
            await DryRunAsync(page);
            await phone.ScreenshotAsync(shot + "-2-report");
            Assert.Equal(rows, await CountAsync(page, "rows_read"));
            Assert.Equal("0", await CountAsync(page, "rejected_count"));
            await page.Locator("#import-records").ScrollIntoViewIfNeededAsync();
            await phone.ScreenshotAsync(shot + "-3-records");
            await page.Locator("#contrib [data-field='file']").ScrollIntoViewIfNeededAsync();
        }
        Assert.Empty(phone.Errors);
        await phone.CloseAsync();
    }
}
