using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Npgsql;

namespace Facilities.Api.Tests.OpenData;

/// <summary>
/// GDAL (Debian's gdal-bin: ogrinfo, ogr2ogr), the library under QGIS and most GIS tools, reads the OGC API and the
/// exports from a real port, and what it copies out equals the database.
/// </summary>
public sealed partial class GdalClientTests(OpenDataFixture fixture) : IClassFixture<OpenDataFixture>, IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("facilities-gdal-").FullName;

    public void Dispose() => Directory.Delete(_work, recursive: true);

    [Fact]
    public async Task Ogrinfo_lists_every_collection_of_the_ogc_api()
    {
        var result = await Processes.RunAsync("ogrinfo", "-ro", "-q", $"OAPIF:{fixture.BaseUrl}/ogc");
        Assert.True(result.ExitCode == 0, result.ToString());
        var layers = LayerLine().Matches(result.Stdout).Select(m => m.Groups["name"].Value).ToList();
        Assert.Equal(["facilities", "toilet", "drinking_water", "aed", "shower", "bench"], layers);
    }

    [Fact]
    public async Task Ogr2ogr_copies_the_facilities_collection_into_a_geopackage_equal_to_the_database()
    {
        var gpkg = Path.Combine(_work, "facilities.gpkg");
        // GDAL's default page size (10) on purpose: hundreds of next links followed, as a user's copy would.
        var copy = await Processes.RunAsync("ogr2ogr", "-f", "GPKG", gpkg, $"OAPIF:{fixture.BaseUrl}/ogc", "facilities");
        Assert.True(copy.ExitCode == 0, copy.ToString());

        var summary = await Processes.RunAsync("ogrinfo", "-ro", "-so", "-al", gpkg);
        Assert.True(summary.ExitCode == 0, summary.ToString());
        var visible = await fixture.ScalarAsync("select count(*) from facilities where status <> 'removed'");
        Assert.Contains($"Feature Count: {visible}", summary.Stdout, StringComparison.Ordinal);
        foreach (var field in (string[])["id: String", "name: String", "version: Integer", "confidence: Real", "updated_at: DateTime"])
        {
            Assert.Contains(field, summary.Stdout, StringComparison.Ordinal);
        }

        // A sample: the awkward names, and every 50th facility by id. Names are compared as hex so that a line
        // break inside one cannot confuse the parsing of ogrinfo's output.
        var sample = new List<Guid> { fixture.FormulaId, fixture.QuotedId };
        await using var dataSource = fixture.Database.CreateDataSource();
        var expected = new Dictionary<string, Row>();
        await using (var command = dataSource.CreateCommand(
                         "select id::text, category, coalesce(name, ''), status, wheelchair, version, ST_X(geom), ST_Y(geom) from facilities " +
                         "where status <> 'removed' and (id = any($1) or id in (select id from (select id, row_number() over (order by id) n " +
                         "from facilities where status <> 'removed') s where n % 50 = 0))"))
        {
            command.Parameters.AddWithValue(sample.ToArray());
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                expected[reader.GetString(0)] = new Row(reader.GetString(1), Hex(reader.GetString(2)), reader.GetString(3), reader.GetString(4),
                    reader.GetInt32(5), reader.GetDouble(6), reader.GetDouble(7));
            }
        }
        Assert.True(expected.Count > 50);
        var ids = string.Join(",", expected.Keys.Select(id => $"'{id}'"));
        var query = await Processes.RunAsync("ogrinfo", "-ro", "-q", gpkg, "-sql",
            "select id, category, hex(coalesce(name, '')) as name_hex, status, wheelchair, version, ST_MinX(geom) as lon, ST_MinY(geom) as lat " +
            $"from facilities where id in ({ids})");
        Assert.True(query.ExitCode == 0, query.ToString());
        var actual = ParseFeatures(query.Stdout);
        Assert.Equal(expected.Count, actual.Count);
        foreach (var feature in actual)
        {
            var row = expected[feature["id"]];
            Assert.Equal(row.Category, feature["category"]);
            Assert.Equal(row.NameHex, feature["name_hex"]);
            Assert.Equal(row.Status, feature["status"]);
            Assert.Equal(row.Wheelchair, feature["wheelchair"]);
            Assert.Equal(row.Version, int.Parse(feature["version"], CultureInfo.InvariantCulture));
            Assert.Equal(row.Lon, double.Parse(feature["lon"], CultureInfo.InvariantCulture), 1e-9);
            Assert.Equal(row.Lat, double.Parse(feature["lat"], CultureInfo.InvariantCulture), 1e-9);
        }
    }

    [Fact]
    public async Task Ogrinfo_reads_the_geojson_and_csv_exports()
    {
        var visible = await fixture.ScalarAsync("select count(*) from facilities where status <> 'removed'");
        var geojson = await DownloadAsync("/api/v1/export/facilities.geojson", "facilities.geojson");
        var fromGeoJson = await Processes.RunAsync("ogrinfo", "-ro", "-so", "-al", geojson);
        Assert.True(fromGeoJson.ExitCode == 0, fromGeoJson.ToString());
        Assert.Contains($"Feature Count: {visible}", fromGeoJson.Stdout, StringComparison.Ordinal);
        Assert.Contains("Geometry: Point", fromGeoJson.Stdout, StringComparison.Ordinal);

        var csv = await DownloadAsync("/api/v1/export/facilities.csv", "facilities.csv");
        string[] csvOptions = ["-oo", "X_POSSIBLE_NAMES=lon", "-oo", "Y_POSSIBLE_NAMES=lat", "-oo", "AUTODETECT_TYPE=YES"];
        var fromCsv = await Processes.RunAsync("ogrinfo", ["-ro", "-so", "-al", .. csvOptions, csv]);
        Assert.True(fromCsv.ExitCode == 0, fromCsv.ToString());
        Assert.Contains($"Feature Count: {visible}", fromCsv.Stdout, StringComparison.Ordinal);

        // Both files place the facilities where the database does.
        await using var dataSource = fixture.Database.CreateDataSource();
        await using var command = dataSource.CreateCommand(
            "select min(ST_X(geom)), min(ST_Y(geom)), max(ST_X(geom)), max(ST_Y(geom)) from facilities where status <> 'removed'");
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        var extent = ExtentLine().Match(fromGeoJson.Stdout);
        Assert.True(extent.Success, fromGeoJson.Stdout);
        Assert.Equal(reader.GetDouble(0), double.Parse(extent.Groups[1].Value, CultureInfo.InvariantCulture), 1e-6);
        Assert.Equal(reader.GetDouble(1), double.Parse(extent.Groups[2].Value, CultureInfo.InvariantCulture), 1e-6);
        Assert.Equal(reader.GetDouble(2), double.Parse(extent.Groups[3].Value, CultureInfo.InvariantCulture), 1e-6);
        Assert.Equal(reader.GetDouble(3), double.Parse(extent.Groups[4].Value, CultureInfo.InvariantCulture), 1e-6);
        Assert.Equal(extent.Value, ExtentLine().Match(fromCsv.Stdout).Value);

        // GDAL's CSV reader sees the neutralised formula as the plain text it now is.
        var formula = await Processes.RunAsync("ogrinfo", ["-ro", "-q", .. csvOptions, csv, "-sql",
            $"select name, operator from facilities where id = '{fixture.FormulaId}'"]);
        Assert.True(formula.ExitCode == 0, formula.ToString());
        var row = Assert.Single(ParseFeatures(formula.Stdout));
        Assert.Equal("'" + OpenDataFixture.FormulaName, row["name"]);
        Assert.Equal("'" + OpenDataFixture.FormulaOperator, row["operator"]);
    }

    private async Task<string> DownloadAsync(string url, string name)
    {
        var path = Path.Combine(_work, name);
        using var response = await fixture.Client.GetAsync(url, HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        await using var file = File.Create(path);
        await response.Content.CopyToAsync(file);
        return path;
    }

    private sealed record Row(string Category, string NameHex, string Status, string Wheelchair, int Version, double Lon, double Lat);

    private static string Hex(string text) => Convert.ToHexString(Encoding.UTF8.GetBytes(text));

    /// <summary>The features ogrinfo prints: "OGRFeature(layer):n" then "  field (Type) = value" lines.</summary>
    private static List<Dictionary<string, string>> ParseFeatures(string output)
    {
        var features = new List<Dictionary<string, string>>();
        foreach (var line in output.Split('\n'))
        {
            if (line.StartsWith("OGRFeature(", StringComparison.Ordinal))
            {
                features.Add([]);
            }
            else if (features.Count > 0 && FieldLine().Match(line) is { Success: true } m)
            {
                features[^1][m.Groups["name"].Value] = m.Groups["value"].Value;
            }
        }
        return features;
    }

    [GeneratedRegex(@"^\d+: (?<name>\S+)", RegexOptions.Multiline)]
    private static partial Regex LayerLine();

    [GeneratedRegex(@"^  (?<name>\w+) \([^)]*\) = (?<value>.*?)\r?$")]
    private static partial Regex FieldLine();

    [GeneratedRegex(@"Extent: \((-?[\d.]+), (-?[\d.]+)\) - \((-?[\d.]+), (-?[\d.]+)\)")]
    private static partial Regex ExtentLine();
}
