using System.Text.Json;
using System.Text.Json.Nodes;
using Facilities.Api.Tests.Partners;

namespace Facilities.Api.Tests.OpenData;

/// <summary>Every open-data output names each facility's sources (dataset id, record id, license), so a partner joins its own
/// file to the layer without one request per facility; GDAL still reads the outputs and sees them.</summary>
public sealed class SourcesInOpenDataTests(ApiFixture fixture) : IClassFixture<ApiFixture>, IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("facilities-sources-").FullName;

    public void Dispose() => Directory.Delete(_work, recursive: true);

    [Fact]
    public async Task Exports_and_ogc_items_carry_each_facilitys_dataset_and_record_id_and_gdal_reads_them()
    {
        using var council = await PartnerClient.CreateAsync(fixture, "Sources council");
        var dataset = await council.CreateDatasetAsync(new
        {
            name = "Sources council toilets",
            license = "OGL-UK-3.0",
            attribution = "Sources council",
            mapping = new JsonObject { ["id"] = "ref", ["lon"] = "lon", ["lat"] = "lat", ["name"] = "name" },
        });
        using var osm = await PartnerClient.CreateAsync(fixture, "Sources crowd");
        var crowd = await osm.CreateDatasetAsync(new
        {
            name = "Sources crowd toilets",
            kind = "osm",
            license = "ODbL-1.0",
            attribution = "crowd",
            mapping = new JsonObject { ["id"] = "ref", ["lon"] = "lon", ["lat"] = "lat", ["name"] = "name" },
        });
        Assert.Equal("succeeded", (string?)(await council.ImportTextAsync(dataset, "council.csv",
            "ref,lon,lat,name\nWC-1,-3.5000,52.5000,Market Hall toilets\nWC-2,-3.5100,52.5000,Riverside toilets\n"))["state"]);
        // The crowd's copy of WC-1, 3 m away: merged, so that facility has two sources.
        Assert.Equal("succeeded", (string?)(await osm.ImportTextAsync(crowd, "crowd.csv",
            "ref,lon,lat,name\nnode/7,-3.50004,52.50001,Market Hall toilets\n"))["state"]);
        var market = await PartnerClient.OnlyFacilityNearAsync(fixture.Client, 52.5, -3.5);
        var riverside = await PartnerClient.OnlyFacilityNearAsync(fixture.Client, 52.5, -3.51);
        string[] Expected(Guid id) => id == market ? [$"{dataset}:WC-1", $"{crowd}:node/7"] : [$"{dataset}:WC-2"];
        static string[] Pairs(JsonElement sources) =>
            [.. sources.EnumerateArray().Select(s => $"{s.GetProperty("dataset_id").GetString()}:{s.GetProperty("record_id").GetString()}")];
        // Each source carries its dataset's license, so a feature copied out of the layer keeps its terms.
        string[] Licenses(Guid id) => id == market ? ["OGL-UK-3.0", "ODbL-1.0"] : ["OGL-UK-3.0"];
        static string[] LicensesOf(JsonElement sources) => [.. sources.EnumerateArray().Select(s => s.GetProperty("license").GetString()!)];

        var geojson = JsonDocument.Parse(await fixture.Client.GetStringAsync("/api/v1/export/facilities.geojson")).RootElement;
        var exported = geojson.GetProperty("features").EnumerateArray().ToDictionary(f => Guid.Parse(f.GetProperty("id").GetString()!));
        Assert.Equal(Expected(market), Pairs(exported[market].GetProperty("sources")));
        Assert.Equal(Expected(riverside), Pairs(exported[riverside].GetProperty("sources")));
        Assert.Equal(Licenses(market), LicensesOf(exported[market].GetProperty("sources")));
        Assert.Equal(Licenses(riverside), LicensesOf(exported[riverside].GetProperty("sources")));
        // The dataset ids are those the file's header names with their licences.
        var named = geojson.GetProperty("sources").EnumerateArray().Select(s => s.GetProperty("id").GetString()).ToHashSet();
        Assert.Contains(dataset.ToString(), named);
        Assert.Contains(crowd.ToString(), named);

        var item = JsonDocument.Parse(await fixture.Client.GetStringAsync($"/ogc/collections/toilet/items/{market}")).RootElement;
        Assert.Equal(Expected(market), Pairs(item.GetProperty("sources")));
        var page = JsonDocument.Parse(await fixture.Client.GetStringAsync("/ogc/collections/facilities/items?bbox=-3.52,52.49,-3.49,52.51")).RootElement;
        var paged = page.GetProperty("features").EnumerateArray().ToDictionary(f => Guid.Parse(f.GetProperty("id").GetString()!));
        Assert.Equal(new[] { market, riverside }.Order(), paged.Keys.Order());
        Assert.Equal(Expected(riverside), Pairs(paged[riverside].GetProperty("sources")));

        var csv = await fixture.Client.GetStringAsync("/api/v1/export/facilities.csv");
        var rows = Rfc4180.Parse(csv);
        Assert.Equal("sources", rows[0][^1]);
        var byId = rows.Skip(1).ToDictionary(r => Guid.Parse(r[0]), r => r[^1]);
        Assert.Equal(Expected(market), Pairs(JsonDocument.Parse(byId[market]).RootElement));
        Assert.Equal(Licenses(market), LicensesOf(JsonDocument.Parse(byId[market]).RootElement));

        // GDAL: the CSV's sources column is a field, and ogr2ogr finds the partner's record by it.
        var path = Path.Combine(_work, "facilities.csv");
        await File.WriteAllTextAsync(path, csv);
        var query = await Processes.RunAsync("ogrinfo", "-ro", "-q", "-oo", "X_POSSIBLE_NAMES=lon", "-oo", "Y_POSSIBLE_NAMES=lat", path,
            "-sql", "select id from facilities where sources like '%\"WC-2\"%'");
        Assert.True(query.ExitCode == 0, query.ToString());
        Assert.Contains($"id (String) = {riverside}", query.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain($"= {market}", query.Stdout, StringComparison.Ordinal);
        // The GeoJSON export still opens in GDAL with every feature.
        var geojsonPath = Path.Combine(_work, "facilities.geojson");
        await File.WriteAllTextAsync(geojsonPath, geojson.GetRawText());
        var info = await Processes.RunAsync("ogrinfo", "-ro", "-so", "-al", geojsonPath);
        Assert.True(info.ExitCode == 0, info.ToString());
        Assert.Contains($"Feature Count: {exported.Count}", info.Stdout, StringComparison.Ordinal);

        // The GeoPackage of the toilets: the feature's sources with their licenses, and each dataset named in its own table.
        var gpkg = Path.Combine(_work, "toilet.gpkg");
        await File.WriteAllBytesAsync(gpkg, await fixture.Client.GetByteArrayAsync("/api/v1/export/toilet.gpkg"));
        var feature = await Processes.RunAsync("ogrinfo", "-ro", "-q", gpkg, "toilet", "-where", $"id = '{market}'");
        Assert.True(feature.ExitCode == 0, feature.ToString());
        var line = feature.Stdout.Split('\n').Single(l => l.TrimStart().StartsWith("sources (String) = ", StringComparison.Ordinal));
        var stored = JsonDocument.Parse(line[(line.IndexOf('=', StringComparison.Ordinal) + 2)..]).RootElement;
        Assert.Equal(Expected(market), Pairs(stored));
        Assert.Equal(Licenses(market), LicensesOf(stored));
        var datasetRow = await Processes.RunAsync("ogrinfo", "-ro", "-q", gpkg, "source_datasets", "-where", $"id = '{dataset}'");
        Assert.True(datasetRow.ExitCode == 0, datasetRow.ToString());
        Assert.Contains("name (String) = Sources council toilets", datasetRow.Stdout, StringComparison.Ordinal);
        Assert.Contains("license (String) = OGL-UK-3.0", datasetRow.Stdout, StringComparison.Ordinal);
    }
}
