using System.Net;
using System.Text.Json;

namespace Facilities.Api.Tests.OpenData;

/// <summary>
/// The exports of one collection (a category, as the OGC collections) besides the whole layer, and the GeoPackage
/// export, read by GDAL: one typed layer, its sources, and no file left on the server's disk.
/// </summary>
public sealed class CollectionExportTests(OpenDataFixture fixture) : IClassFixture<OpenDataFixture>, IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("facilities-gpkg-").FullName;

    /// <summary>Installed by ./test.sh with python3-gdal.</summary>
    private const string ValidateGpkg = "/usr/lib/python3/dist-packages/osgeo_utils/samples/validate_gpkg.py";

    public void Dispose() => Directory.Delete(_work, recursive: true);

    [Fact]
    public async Task A_collection_exports_as_geojson_and_csv_with_its_facilities_only_each_as_in_the_whole_layer()
    {
        var toilets = await fixture.ScalarAsync("select count(*) from facilities where status <> 'removed' and category = 'toilet'");
        var benches = await fixture.ScalarAsync("select count(*) from facilities where status <> 'removed' and category = 'bench'");
        Assert.True(toilets > 10 && benches > 0, "the seed has toilets and benches");

        using var response = await fixture.Client.GetAsync("/api/v1/export/toilet.geojson");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("attachment; filename=\"toilet.geojson\"", response.Content.Headers.ContentDisposition?.ToString());
        Assert.Contains($"<{fixture.BaseUrl}/api/v1/export/attribution?collection=toilet>", string.Join(",", response.Headers.GetValues("Link")),
            StringComparison.Ordinal);
        var collection = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("toilet", collection.GetProperty("name").GetString());
        var features = collection.Features().ToList();
        Assert.Equal(toilets, features.Count);
        Assert.All(features, f => Assert.Equal("toilet", f.GetProperty("properties").GetProperty("category").GetString()));

        // Feature for feature what the whole layer's export has for its toilets, in the same order.
        var whole = JsonDocument.Parse(await fixture.Client.GetStringAsync("/api/v1/export/facilities.geojson")).RootElement;
        Assert.Equal(
            whole.Features().Where(f => f.GetProperty("properties").GetProperty("category").GetString() == "toilet").Select(f => f.GetRawText()),
            features.Select(f => f.GetRawText()));
        // Its header names the datasets of the toilets, a subset of the whole layer's.
        var named = collection.GetProperty("sources").EnumerateArray().Select(s => s.GetProperty("id").GetString()).ToList();
        Assert.NotEmpty(named);
        Assert.Subset(whole.GetProperty("sources").EnumerateArray().Select(s => s.GetProperty("id").GetString()).ToHashSet(), named.ToHashSet());
        var attribution = await fixture.Client.GetJsonAsync("/api/v1/export/attribution?collection=toilet");
        Assert.Equal(named, attribution.GetProperty("sources").EnumerateArray().Select(s => s.GetProperty("id").GetString()));

        var csv = Rfc4180.Parse(await fixture.Client.GetStringAsync("/api/v1/export/bench.csv"));
        Assert.Equal(benches, csv.Count - 1);
        Assert.All(csv.Skip(1), r => Assert.Equal("bench", r[1]));
        Assert.Contains(csv, r => r[0] == fixture.QuotedId.ToString());
    }

    [Fact]
    public async Task GeoPackage_export_opens_in_gdal_as_one_typed_layer_with_every_facility_and_leaves_no_file_behind()
    {
        using var response = await fixture.Client.GetAsync("/api/v1/export/toilet.gpkg");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/geopackage+sqlite3", response.Content.Headers.ContentType?.MediaType);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal(bytes.Length, response.Content.Headers.ContentLength);
        Assert.Empty(Directory.EnumerateFileSystemEntries(fixture.ExportFolder));
        var path = Path.Combine(_work, "toilet.gpkg");
        await File.WriteAllBytesAsync(path, bytes);

        // GDAL's own GeoPackage validator (python3-gdal), with its extra checks: the file is a GeoPackage, not just
        // an SQLite file that GDAL happens to read.
        var valid = await Processes.RunAsync("/usr/bin/python3", ValidateGpkg, "--extra", "--warning-as-error", path);
        Assert.True(valid.ExitCode == 0, valid.ToString());

        var info = await Processes.RunAsync("ogrinfo", "-ro", "-so", path, "toilet");
        Assert.True(info.ExitCode == 0, info.ToString());
        Assert.Contains("Geometry: Point", info.Stdout, StringComparison.Ordinal);
        Assert.Contains(
            $"Feature Count: {await fixture.ScalarAsync("select count(*) from facilities where status <> 'removed' and category = 'toilet'")}",
            info.Stdout, StringComparison.Ordinal);
        Assert.Contains("ID[\"EPSG\",4326]", info.Stdout, StringComparison.Ordinal);
        foreach (var field in (string[])[
                     "id: String", "name: String", "fee: Integer(Boolean)", "changing_table: Integer(Boolean)",
                     "adult_changing_table: Integer(Boolean)", "status_until: DateTime", "confidence: Real", "version: Integer",
                     "updated_at: DateTime", "last_verified_at: DateTime", "sources: String"])
        {
            Assert.Contains($"\n{field} (", info.Stdout, StringComparison.Ordinal);
        }
        Assert.DoesNotContain("Warning", info.Stderr, StringComparison.OrdinalIgnoreCase);

        // One facility, value by value: text as it is (a GeoPackage is not a spreadsheet), a boolean, the point.
        var feature = await Processes.RunAsync("ogrinfo", "-ro", "-q", path, "toilet", "-where", $"id = '{fixture.FormulaId}'");
        Assert.True(feature.ExitCode == 0, feature.ToString());
        Assert.Contains($"name (String) = {OpenDataFixture.FormulaName}", feature.Stdout, StringComparison.Ordinal);
        Assert.Contains("fee (Integer(Boolean)) = 1", feature.Stdout, StringComparison.Ordinal);
        Assert.Contains("gender (String) = unisex", feature.Stdout, StringComparison.Ordinal);
        Assert.Contains("POINT (-0.1276 51.5072)", feature.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain(fixture.RemovedId.ToString(), (await Processes.RunAsync("ogrinfo", "-ro", "-q", path, "toilet")).Stdout,
            StringComparison.Ordinal);

        // The whole layer, and the table of the datasets its sources name.
        var whole = Path.Combine(_work, "facilities.gpkg");
        await File.WriteAllBytesAsync(whole, await fixture.Client.GetByteArrayAsync("/api/v1/export/facilities.gpkg"));
        var all = await Processes.RunAsync("ogrinfo", "-ro", "-so", "-al", whole);
        Assert.True(all.ExitCode == 0, all.ToString());
        Assert.Contains($"Feature Count: {await fixture.ScalarAsync("select count(*) from facilities where status <> 'removed'")}", all.Stdout,
            StringComparison.Ordinal);
        var datasets = (await fixture.Client.GetJsonAsync("/api/v1/export/attribution")).GetProperty("sources").GetArrayLength();
        Assert.Contains("Layer name: source_datasets", all.Stdout, StringComparison.Ordinal);
        Assert.Contains($"Feature Count: {datasets}", all.Stdout, StringComparison.Ordinal);
        Assert.Contains("license: String", all.Stdout, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(fixture.ExportFolder));
    }

    [Fact]
    public async Task Ogc_collections_link_their_downloads_and_an_unknown_collection_is_a_404_problem()
    {
        var collection = await fixture.Client.GetJsonAsync("/ogc/collections/bench");
        var enclosures = collection.GetProperty("links").EnumerateArray()
            .Where(l => l.GetProperty("rel").GetString() == "enclosure")
            .ToDictionary(l => l.GetProperty("type").GetString()!, l => l.GetProperty("href").GetString()!);
        Assert.Equal(
            new Dictionary<string, string>
            {
                ["application/geo+json"] = $"{fixture.BaseUrl}/api/v1/export/bench.geojson",
                ["text/csv"] = $"{fixture.BaseUrl}/api/v1/export/bench.csv",
                ["application/geopackage+sqlite3"] = $"{fixture.BaseUrl}/api/v1/export/bench.gpkg",
            },
            enclosures);
        foreach (var (type, href) in enclosures)
        {
            using var download = await fixture.Client.GetAsync(href);
            Assert.Equal(HttpStatusCode.OK, download.StatusCode);
            Assert.Equal(type, download.Content.Headers.ContentType?.MediaType);
        }

        foreach (var url in (string[])["/api/v1/export/nope.geojson", "/api/v1/export/nope.csv", "/api/v1/export/nope.gpkg",
                     "/api/v1/export/attribution?collection=nope"])
        {
            using var refused = await fixture.Client.GetAsync(url);
            Assert.Equal(HttpStatusCode.NotFound, refused.StatusCode);
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
            var problem = JsonDocument.Parse(await refused.Content.ReadAsStringAsync()).RootElement;
            Assert.Contains("'nope'", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }
        Assert.Empty(Directory.EnumerateFileSystemEntries(fixture.ExportFolder));
    }
}
