using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Facilities.Api.Features.Imports;
using Facilities.Api.Features.Imports.Formats;
using Facilities.Api.Tests.Contributors;
using Facilities.Testing;
using Npgsql;

namespace Facilities.Api.Tests.Partners;

/// <summary>The API with an upload directory of its own, so a test can see every file an upload leaves behind.</summary>
public sealed class OwnUploadDirectoryFixture : ApiFixture
{
    public string UploadDirectory { get; } = Path.Combine(Path.GetTempPath(), "facilities-test-uploads-" + Guid.NewGuid().ToString("N"));

    protected override IReadOnlyDictionary<string, string>? Settings => new Dictionary<string, string>
    {
        ["Facilities:Imports:Directory"] = UploadDirectory,
    };
}

/// <summary>
/// Files that used to break an import instead of having their bad rows rejected, uploads cut short, and imports
/// that a stopped process left behind: every one ends in a clear state the partner can see.
/// </summary>
public sealed class ImportRobustnessTests(OwnUploadDirectoryFixture fixture) : IClassFixture<OwnUploadDirectoryFixture>
{
    private static object Dataset() => new
    {
        name = "Robustness",
        license = "CC-BY-4.0",
        attribution = "test",
        category = "toilet",
        mapping = new JsonObject { ["id"] = "id", ["lon"] = "lon", ["lat"] = "lat", ["name"] = "name" },
    };

    [Fact]
    public async Task A_csv_whose_header_holds_a_nul_and_a_binary_file_named_csv_fail_with_a_reason()
    {
        using var partner = await PartnerClient.CreateAsync(fixture, "NUL header");
        var dataset = await partner.CreateDatasetAsync(Dataset());
        var before = await Db.LayerFingerprintAsync(fixture.Database);

        var nulHeader = await partner.ImportTextAsync(dataset, "nul-header.csv", "id,lon\0,lat,name\n1,30.1,-20.1,A\n");
        Assert.Equal("failed", (string?)nulHeader["state"]);
        Assert.Contains("NUL", (string?)nulHeader["error"], StringComparison.Ordinal);

        var random = new byte[4096];
        new Random(23).NextBytes(random);
        random[10] = 0;
        var binary = await partner.ImportAsync(dataset, "random.csv", random);
        Assert.Equal("failed", (string?)binary["state"]);
        Assert.False(string.IsNullOrWhiteSpace((string?)binary["error"]));

        Assert.Equal(before, await Db.LayerFingerprintAsync(fixture.Database));
    }

    [Fact]
    public async Task A_nul_in_one_csv_cell_rejects_only_that_row()
    {
        using var partner = await PartnerClient.CreateAsync(fixture, "NUL cell");
        var dataset = await partner.CreateDatasetAsync(Dataset());

        var import = await partner.ImportTextAsync(dataset, "nul-cell.csv",
            "id,lon,lat,name\n1,30.11,-20.11,Good\n2,30.12,-20.12,Bad\0name\n3,30.13,-20.13,Also good\n");

        Assert.Equal("succeeded", (string?)import["state"]);
        Assert.Equal(2, (int)import["report"]!["created"]!);
        var rejected = Assert.Single(import["report"]!["rejected"]!.AsArray());
        Assert.Equal(2, (int)rejected!["row"]!);
        Assert.Contains("NUL", (string?)rejected["reason"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_geojson_point_with_null_coordinates_rejects_only_that_feature()
    {
        using var partner = await PartnerClient.CreateAsync(fixture, "Null coordinates");
        var dataset = await partner.CreateDatasetAsync(new
        {
            name = "GeoJSON",
            license = "CC-BY-4.0",
            attribution = "test",
            category = "toilet",
            mapping = new JsonObject { ["id"] = "ref", ["name"] = "name" },
        });
        const string GeoJson = """
            {"type": "FeatureCollection", "features": [
              {"type": "Feature", "properties": {"ref": "a", "name": "Good"}, "geometry": {"type": "Point", "coordinates": [30.21, -20.21]}},
              {"type": "Feature", "properties": {"ref": "b", "name": "Null"}, "geometry": {"type": "Point", "coordinates": [null, null]}},
              {"type": "Feature", "properties": {"ref": "c", "name": "Text"}, "geometry": {"type": "Point", "coordinates": ["x", "y"]}},
              {"type": "Feature", "properties": {"ref": "d", "name": "Good too"}, "geometry": {"type": "Point", "coordinates": [30.22, -20.22]}}
            ]}
            """;

        var import = await partner.ImportTextAsync(dataset, "nulls.geojson", GeoJson);

        Assert.Equal("succeeded", (string?)import["state"]);
        Assert.Equal(2, (int)import["report"]!["created"]!);
        var rejected = import["report"]!["rejected"]!.AsArray();
        Assert.Equal([2, 3], rejected.Select(r => (int)r!["row"]!).Order());
        Assert.All(rejected, r => Assert.Contains("malformed", (string?)r!["reason"], StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_empty_or_cut_short_multipart_body_is_a_400_problem_and_leaves_no_file()
    {
        using var partner = await PartnerClient.CreateAsync(fixture, "Truncated");
        var dataset = await partner.CreateDatasetAsync(Dataset());
        var url = $"/api/v1/partner/datasets/{dataset}/imports";

        using var form = new MultipartFormDataContent("cut-here");
        var file = new ByteArrayContent(Encoding.UTF8.GetBytes("id,lon,lat,name\n" + string.Concat(Enumerable.Range(0, 200).Select(i => $"{i},30.1,-20.1,Toilet {i}\n"))));
        file.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        form.Add(file, "file", "whole.csv");
        var whole = await form.ReadAsByteArrayAsync();

        foreach (var body in (byte[][])[[], whole[..(whole.Length / 2)], whole[..40]])
        {
            using var content = new ByteArrayContent(body);
            content.Headers.ContentType = MediaTypeHeaderValue.Parse("multipart/form-data; boundary=cut-here");
            var problem = await (await partner.Http.PostAsync(url, content)).IsProblemAsync(HttpStatusCode.BadRequest);
            Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()));
        }

        Assert.Equal(0, await Db.CountAsync(fixture.Database, "select count(*) from imports where dataset_id = $1", dataset));
        Assert.Empty(Directory.Exists(fixture.UploadDirectory) ? Directory.GetFiles(fixture.UploadDirectory) : []);
    }

    [Fact]
    public async Task A_partial_upload_or_unpacked_shapefile_left_by_a_killed_process_is_deleted_at_start_and_one_in_use_is_kept()
    {
        var directory = Path.Combine(Path.GetTempPath(), "facilities-test-abandoned-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        var abandoned = Path.Combine(directory, "abandoned.partial");
        var inProgress = Path.Combine(directory, "in-progress.partial");
        await File.WriteAllTextAsync(abandoned, "id,lon,lat\n1,30");
        // A Shapefile unpacked by a process that died while reading it, and one a live process is reading.
        var unpackedAbandoned = Directory.CreateDirectory(Path.Combine(directory, "shp-abandoned")).FullName;
        await File.WriteAllTextAsync(Path.Combine(unpackedAbandoned, ".in-use"), "");
        await File.WriteAllTextAsync(Path.Combine(unpackedAbandoned, "toilets.shp"), "");
        var zip = Path.Combine(directory, "reading.zip");
        await File.WriteAllBytesAsync(zip, TestShapefiles.Zip([("1", "Toilet", 530000, 180000)]));
        using var reading = new ShapefileRecords(zip, directory, 1 << 20);
        var unpackedReading = Assert.Single(Directory.GetDirectories(directory, "shp-*"), d => d != unpackedAbandoned);
        await using (var writing = new FileStream(inProgress, FileMode.CreateNew, FileAccess.Write, FileShare.None))
        {
            await using var app = new FacilitiesApp(fixture.Database, settings: new Dictionary<string, string> { ["Facilities:Imports:Directory"] = directory });
            using var client = app.CreateClient();
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/healthz")).StatusCode);
            for (var i = 0; i < 100 && File.Exists(abandoned); i++)
            {
                await Task.Delay(50);
            }
            Assert.False(File.Exists(abandoned));
            Assert.True(File.Exists(inProgress));
            for (var i = 0; i < 100 && Directory.Exists(unpackedAbandoned); i++)
            {
                await Task.Delay(50);
            }
            Assert.False(Directory.Exists(unpackedAbandoned));
            Assert.True(Directory.Exists(unpackedReading));
        }
        reading.Dispose();
        Assert.False(Directory.Exists(unpackedReading));
        Directory.Delete(directory, recursive: true);
    }

    [Fact]
    public async Task An_import_a_stopped_process_left_running_runs_again_and_shows_the_interruption()
    {
        using var partner = await PartnerClient.CreateAsync(fixture, "Interrupted");
        var dataset = await partner.CreateDatasetAsync(Dataset());
        var first = await partner.ImportTextAsync(dataset, "first.csv", "id,lon,lat,name\n1,30.31,-20.31,First\n");
        Assert.Equal(1, (int)first["attempts"]!);
        Assert.Empty(first["interruptions"]!.AsArray());

        // What a process killed during an import leaves: the import running since then, its file still on disk.
        Directory.CreateDirectory(fixture.UploadDirectory);
        var path = Path.Combine(fixture.UploadDirectory, Guid.NewGuid().ToString("N") + ".upload");
        await File.WriteAllTextAsync(path, "id,lon,lat,name\n1,30.31,-20.31,First\n2,30.32,-20.32,Second\n");
        var importId = Guid.CreateVersion7();
        await using (var dataSource = fixture.Database.CreateDataSource())
        await using (var command = dataSource.CreateCommand(
            "insert into imports (id, dataset_id, partner_id, format, file_name, file_path, file_bytes, state, attempts, started_at) " +
            "select $1, id, partner_id, 'csv', 'second.csv', $2, 60, 'running', 1, now() - interval '1 minute' from datasets where id = $3"))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = importId });
            command.Parameters.Add(new NpgsqlParameter { Value = path });
            command.Parameters.Add(new NpgsqlParameter { Value = dataset });
            await command.ExecuteNonQueryAsync();
        }

        // A new process over the same database picks it up.
        await using var restarted = new FacilitiesApp(fixture.Database, settings: new Dictionary<string, string> { ["Facilities:Imports:Directory"] = fixture.UploadDirectory });
        using var client = restarted.CreateClient();
        foreach (var header in partner.Http.DefaultRequestHeaders)
        {
            client.DefaultRequestHeaders.Add(header.Key, header.Value);
        }
        JsonNode import;
        var waited = 0;
        do
        {
            await Task.Delay(50);
            import = JsonNode.Parse(await client.GetStringAsync($"/api/v1/partner/datasets/{dataset}/imports/{importId}"))!;
        }
        while ((string?)import["state"] is "queued" or "running" && ++waited < 1200);

        Assert.Equal("succeeded", (string?)import["state"]);
        Assert.Equal(2, (int)import["attempts"]!);
        var interruption = Assert.Single(import["interruptions"]!.AsArray());
        Assert.Equal(ImportRunner.InterruptedByStop, (string?)interruption!["reason"]);
        Assert.True((DateTime)interruption["started_at"]! < (DateTime)import["started_at"]!);
        Assert.Equal(1, (int)import["report"]!["created"]!);
        Assert.False(File.Exists(path));
    }
}
