using Facilities.Testing;

namespace Facilities.Api.Tests.OpenData;

/// <summary>A layer far larger than what sockets and pipes buffer: 30,000 facilities, about 45 MB of GeoJSON.</summary>
public sealed class LargeLayerFixture : OpenDataFixture
{
    public const int Count = 30_000;

    private static readonly string LongName = new('x', 1000);

    protected override string? SeedDirectory => null;

    protected override async Task SeedAsync(TestDatabase database)
    {
        var random = new Random(3);
        // Bulk load as the benchmarks do: without the per-row cluster-grid trigger, then the grid rebuilt in one pass.
        await ExecuteAsync(database, "alter table facilities disable trigger facilities_cluster_cells");
        await TestFacilities.InsertAsync(database, Enumerable.Range(0, Count).Select(i => new TestFacility(
            116.2 + (random.NextDouble() * 0.4), 39.8 + (random.NextDouble() * 0.2), i % 2 == 0 ? "toilet" : "bench")
        {
            Name = $"Facility {i} {LongName}",
            OpeningHours = "Mo-Su 06:00-22:00",
        }));
        await ExecuteAsync(database, "alter table facilities enable trigger facilities_cluster_cells; select rebuild_cluster_cells()");
    }

    private static async Task ExecuteAsync(TestDatabase database, string sql)
    {
        await using var dataSource = database.CreateDataSource();
        await using var command = dataSource.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }
}

/// <summary>
/// The exports stream: rows go out as the database produces them and a slow reader holds the database back,
/// instead of the server building the whole file in memory first (which would need memory in proportion to the layer).
/// </summary>
public sealed class ExportStreamingTests(LargeLayerFixture fixture) : IClassFixture<LargeLayerFixture>
{
    [Theory]
    [InlineData("/api/v1/export/facilities.geojson")]
    [InlineData("/api/v1/export/facilities.csv")]
    public async Task A_client_that_has_read_only_the_start_of_an_export_holds_the_database_query_open(string url)
    {
        using var response = await fixture.Client.GetAsync(url, HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        await using var body = await response.Content.ReadAsStreamAsync();
        var start = new byte[4096];
        await body.ReadExactlyAsync(start);

        // A server that buffered the export would have finished reading the table before sending this first block.
        // A streaming one is stuck in the middle: its query waits on the client, which stopped reading.
        var running = await fixture.ScalarAsync(
            "select count(*) from pg_stat_activity where datname = current_database() and state = 'active' " +
            "and query like 'select f.id, f.category%order by f.id' and pid <> pg_backend_pid()");
        Assert.True(running >= 1, "the export query has already finished: the export was built before it was sent");

        // Reading on delivers the whole layer.
        using var reader = new StreamReader(body);
        var rest = await reader.ReadToEndAsync();
        var total = System.Text.Encoding.UTF8.GetString(start) + rest;
        var rows = url.EndsWith(".csv", StringComparison.Ordinal)
            ? total.Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Length - 1
            : System.Text.Json.JsonDocument.Parse(total).RootElement.GetProperty("features").GetArrayLength();
        Assert.Equal(LargeLayerFixture.Count + 2, rows); // and the two visible facilities every open-data fixture adds
    }

    [Fact]
    public async Task A_large_geopackage_is_built_on_disk_sent_with_its_length_and_kept_whole_as_the_dump_even_when_the_client_leaves()
    {
        // A client that leaves after the first block. The file was whole before the first byte went out: it stays, as the dump.
        long length;
        using (var response = await fixture.Client.GetAsync("/api/v1/export/facilities.gpkg", HttpCompletionOption.ResponseHeadersRead))
        {
            response.EnsureSuccessStatusCode();
            length = response.Content.Headers.ContentLength ?? 0;
            Assert.True(length > LargeLayerFixture.Count * 1000L, "the names alone are 1,000 bytes each");
            await using var body = await response.Content.ReadAsStreamAsync();
            await body.ReadExactlyAsync(new byte[4096]);
            Assert.Equal(length, new FileInfo(Assert.Single(GeoPackageDumps())).Length);
        }
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((Directory.EnumerateFileSystemEntries(fixture.ExportFolder).Any() || TemporaryFiles().Any()) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }
        Assert.Empty(Directory.EnumerateFileSystemEntries(fixture.ExportFolder));
        Assert.Empty(TemporaryFiles());
        Assert.Equal(length, new FileInfo(Assert.Single(GeoPackageDumps())).Length);

        var work = Directory.CreateTempSubdirectory("facilities-gpkg-").FullName;
        try
        {
            var path = Path.Combine(work, "facilities.gpkg");
            await File.WriteAllBytesAsync(path, await fixture.Client.GetByteArrayAsync("/api/v1/export/facilities.gpkg"));
            var info = await Processes.RunAsync("ogrinfo", "-ro", "-so", path, "facilities");
            Assert.True(info.ExitCode == 0, info.ToString());
            Assert.Contains($"Feature Count: {LargeLayerFixture.Count + 2}", info.Stdout, StringComparison.Ordinal);
            Assert.Empty(Directory.EnumerateFileSystemEntries(fixture.ExportFolder));
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    [Theory]
    [InlineData("toilet.geojson")]
    [InlineData("toilet.csv")]
    public async Task A_client_that_leaves_mid_stream_leaves_no_dump_and_no_temporary_file(string file)
    {
        using (var response = await fixture.Client.GetAsync($"/api/v1/export/{file}", HttpCompletionOption.ResponseHeadersRead))
        {
            response.EnsureSuccessStatusCode();
            await using var body = await response.Content.ReadAsStreamAsync();
            await body.ReadExactlyAsync(new byte[4096]);
            // The copy is being written beside the download.
            Assert.Single(TemporaryFiles(), f => Path.GetFileName(f).StartsWith($".{file}.", StringComparison.Ordinal));
        }
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (TemporaryFiles().Any() && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }
        Assert.Empty(TemporaryFiles());
        Assert.Empty(Directory.EnumerateFiles(fixture.DumpFolder, $"{file}*"));
    }

    [Fact]
    public async Task Two_concurrent_first_downloads_both_succeed_with_equal_bodies_and_one_dump()
    {
        const string url = "/api/v1/export/bench.csv";
        using var first = await fixture.Client.GetAsync(url, HttpCompletionOption.ResponseHeadersRead);
        using var second = await fixture.Client.GetAsync(url, HttpCompletionOption.ResponseHeadersRead);
        first.EnsureSuccessStatusCode();
        second.EnsureSuccessStatusCode();
        // Both are live and under way at once (neither has been read to its end): one of them writes the dump.
        Assert.Empty(first.Headers.AcceptRanges);
        Assert.Empty(second.Headers.AcceptRanges);
        await using var firstBody = await first.Content.ReadAsStreamAsync();
        await using var secondBody = await second.Content.ReadAsStreamAsync();
        using var firstCopy = new MemoryStream();
        using var secondCopy = new MemoryStream();
        var start = new byte[4096];
        await firstBody.ReadExactlyAsync(start);
        firstCopy.Write(start);
        await secondBody.ReadExactlyAsync(start);
        secondCopy.Write(start);
        Assert.Single(TemporaryFiles(), f => Path.GetFileName(f).StartsWith(".bench.csv.", StringComparison.Ordinal));

        await Task.WhenAll(firstBody.CopyToAsync(firstCopy), secondBody.CopyToAsync(secondCopy));
        Assert.True(firstCopy.Length > LargeLayerFixture.Count / 2 * 1000L, "half the layer are benches with 1,000-byte names");
        Assert.Equal(firstCopy.ToArray(), secondCopy.ToArray());

        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (TemporaryFiles().Any() && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }
        var dump = Assert.Single(Directory.EnumerateFiles(fixture.DumpFolder, "bench.csv.*"), f => !f.EndsWith(".json", StringComparison.Ordinal));
        Assert.Equal(firstCopy.Length, new FileInfo(dump).Length);
        Assert.Empty(TemporaryFiles());
    }

    [Fact]
    public async Task Two_concurrent_first_geopackage_downloads_both_succeed_and_leave_one_dump()
    {
        // Started together, both build a file: one where the dumps are kept, the other a throwaway deleted after sending.
        var downloads = await Task.WhenAll(
            fixture.Client.GetByteArrayAsync("/api/v1/export/bench.gpkg"), fixture.Client.GetByteArrayAsync("/api/v1/export/bench.gpkg"));
        var work = Directory.CreateTempSubdirectory("facilities-gpkg-").FullName;
        try
        {
            foreach (var (download, i) in downloads.Select((d, i) => (d, i)))
            {
                var path = Path.Combine(work, $"bench-{i}.gpkg");
                await File.WriteAllBytesAsync(path, download);
                var info = await Processes.RunAsync("ogrinfo", "-ro", "-so", path, "bench");
                Assert.True(info.ExitCode == 0, info.ToString());
                Assert.Contains($"Feature Count: {(LargeLayerFixture.Count / 2) + 1}", info.Stdout, StringComparison.Ordinal);
            }
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
        Assert.Single(Directory.EnumerateFiles(fixture.DumpFolder, "bench.gpkg.*"), f => !f.EndsWith(".json", StringComparison.Ordinal));
        // The throwaway goes when its response has ended, which may be a moment after the client read its last byte.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (Directory.EnumerateFileSystemEntries(fixture.ExportFolder).Any() && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }
        Assert.Empty(Directory.EnumerateFileSystemEntries(fixture.ExportFolder));
        Assert.Empty(TemporaryFiles());
    }

    private IEnumerable<string> GeoPackageDumps() =>
        Directory.EnumerateFiles(fixture.DumpFolder, "facilities.gpkg.*").Where(f => !f.EndsWith(".json", StringComparison.Ordinal));

    private IEnumerable<string> TemporaryFiles() => Directory.EnumerateFiles(fixture.DumpFolder, "*.tmp");
}
