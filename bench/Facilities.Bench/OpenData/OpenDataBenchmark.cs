using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Facilities.Bench.Nearby;
using Npgsql;

namespace Facilities.Bench.OpenData;

/// <summary>
/// <c>bench.sh opendata</c>: the open-data endpoints over the synthetic layer of 1,000,000 facilities, in a copy that
/// has sources (<see cref="OpenDataLayer"/>). The exports are read as a mirror would, with no <c>Accept-Encoding</c>:
/// features per second and the API's peak memory. OGC API items go under wrk side by side with MapServer 8 over the same
/// table (<see cref="MapServerPeer"/>), the same queries to both, after checking that both answer with the same
/// features and that GDAL reads the same counts from both. Vector tiles at country zoom go under wrk last. Prints each
/// figure with its target; never fails on one.
/// </summary>
public static partial class OpenDataBenchmark
{
    private const double TargetExportFeaturesPerSecond = 250_000;
    private const double TargetPeakRssMiB = 300;
    private const double TargetRatio = 2;
    private const double TargetTileP99Ms = 20;
    private const int WrkConnections = 8;

    public const string Usage = """
        Usage: bench.sh opendata [--duration <s>] [--mapserver-processes <n>]
          --duration <s>              seconds of each wrk run (default 10)
          --mapserver-processes <n>   MapServer FastCGI processes (default 8, one per wrk connection)
        Needs ConnectionStrings__Facilities (bench.sh sets it for the private cluster): a server where the user may
        create the databases facilities_bench and facilities_bench_opendata; and MapServer 8 (cgi-mapserver),
        spawn-fcgi and nginx, which bench.sh installs on Debian.
        """;

    public static async Task<int> RunAsync(string[] args)
    {
        var duration = TimeSpan.FromSeconds(10);
        var processes = WrkConnections;
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] is "-h" or "--help")
            {
                Console.Out.Write(Usage);
                return 0;
            }
            if (args[i] == "--duration" && i + 1 < args.Length
                && int.TryParse(args[++i], NumberStyles.Integer, CultureInfo.InvariantCulture, out var seconds) && seconds > 0)
            {
                duration = TimeSpan.FromSeconds(seconds);
                continue;
            }
            if (args[i] == "--mapserver-processes" && i + 1 < args.Length
                && int.TryParse(args[++i], NumberStyles.Integer, CultureInfo.InvariantCulture, out var count) && count > 0)
            {
                processes = count;
                continue;
            }
            await Console.Error.WriteLineAsync($"Unknown or incomplete option {args[i]}.\n{Usage}");
            return 2;
        }
        if (await BenchmarkEnvironment.ServerOrExplainAsync(Usage) is not { } server)
        {
            return 2;
        }
        if (!File.Exists(MapServerPeer.Mapserv))
        {
            await Console.Error.WriteLineAsync($"MapServer is not installed ({MapServerPeer.Mapserv}): bench.sh installs cgi-mapserver.\n{Usage}");
            return 2;
        }

        using var cancel = BenchmarkEnvironment.CancelledByCtrlC();
        var ct = cancel.Token;
        var connectionString = await OpenDataLayer.EnsureAsync(server, Console.Error.WriteLine, ct);
        long visible, withSources, records;
        await using (var db = NpgsqlDataSource.Create(connectionString))
        await using (var count = db.CreateCommand(
            "select (select count(*) from facilities where status <> 'removed'), " +
            "(select count(distinct facility_id) from source_records where removed_at is null), " +
            "(select count(*) from source_records where removed_at is null)"))
        await using (var reader = await count.ExecuteReaderAsync(ct))
        {
            await reader.ReadAsync(ct);
            (visible, withSources, records) = (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
        }

        var work = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "facilities-bench-opendata-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture)));
        try
        {
            var apiDirectory = ApiHost.CopyBuildOutput(work.FullName, w => Console.Error.WriteLine("warning: " + w));
            await using var api = await ApiHost.StartAsync(apiDirectory, connectionString, GcMode.Server,
                new Dictionary<string, string>
                {
                    ["Exports__TemporaryFolder"] = work.FullName,
                    ["Exports__DumpFolder"] = Path.Combine(work.FullName, "dumps"),
                }, ct);
            var afterStart = Mib(api.MemoryBytes("VmRSS"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Open data over {visible:N0} facilities in the public layer ({withSources:N0} with sources, {records:N0} source records), " +
                $"{DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, nproc {Environment.ProcessorCount}, load average {LoadAverage()}; API RSS after start {afterStart:0} MiB"));

            using var client = new HttpClient { BaseAddress = api.BaseAddress, Timeout = Timeout.InfiniteTimeSpan };
            await using (var db = NpgsqlDataSource.Create(connectionString))
            {
                await ExportsAsync(client, api, db, visible, ct);
            }

            await using (var mapServer = await MapServerPeer.StartAsync(Path.Combine(work.FullName, "mapserver"), connectionString, processes, ct))
            {
                await SideBySideAsync(client, api, mapServer, work.FullName, duration, processes, ct);
            }

            await TilesAsync(api, work.FullName, duration, ct);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"API peak RSS over the whole run: {Mib(api.MemoryBytes("VmHWM")):0} MiB"));
            return 0;
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            await Console.Error.WriteLineAsync("Interrupted.");
            return 130;
        }
        finally
        {
            try
            {
                work.Delete(recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    /// <summary>
    /// Each whole-layer export read to its end. First each format live, which writes its dump (the cost of the first
    /// download after a change), then from the dumps: GeoJSON twice, CSV, GeoPackage, which the target is for. A
    /// download is from the dump when it carries Accept-Ranges (a live stream has no length to take ranges of) and the
    /// ETag of the live one, if that had one (a GeoPackage is built, then sent as the dump it became). Beside the
    /// wall-clock rate, the CPU the API and PostgreSQL spent on it: on a machine shared with other work the wall clock
    /// measures the neighbours too, while features per CPU second of the two stay put.
    /// </summary>
    private static async Task ExportsAsync(HttpClient client, ApiHost api, NpgsqlDataSource db, long visible, CancellationToken ct)
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Exports of the whole layer, each feature with its sources (target: from the dump >= {TargetExportFeaturesPerSecond:N0} features/s, API peak RSS < {TargetPeakRssMiB:0} MiB):"));
        string[] formats = ["/api/v1/export/facilities.geojson", "/api/v1/export/facilities.csv", "/api/v1/export/facilities.gpkg"];
        var liveTags = new Dictionary<string, string?>();
        foreach (var path in formats)
        {
            liveTags[path] = await ExportAsync(client, api, db, visible, path, null, ct);
        }
        foreach (var path in (string[])[formats[0], formats[0], formats[1], formats[2]])
        {
            await ExportAsync(client, api, db, visible, path, liveTags, ct);
        }
        var exportPeak = Mib(api.MemoryBytes("VmHWM"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  API peak RSS during the exports: {exportPeak:0} MiB ({Verdict(exportPeak < TargetPeakRssMiB)})"));
    }

    /// <summary>One download, printed; live when <paramref name="liveTags"/> is null, else expected from the dump. Answers its ETag.</summary>
    private static async Task<string?> ExportAsync(
        HttpClient client, ApiHost api, NpgsqlDataSource db, long visible, string path, Dictionary<string, string?>? liveTags, CancellationToken ct)
    {
        await using var meter = await CpuMeter.StartAsync(db, api.ProcessId, null, ct);
        var (bytes, firstByte, took, ranges, etag) = await DownloadAsync(client, path, ct);
        var cpu = await meter.StopAsync();
        var rate = visible / took.TotalSeconds;
        var fromDump = liveTags is not null && ranges && (liveTags[path] is null || liveTags[path] == etag);
        var label = liveTags is null ? "live, writes the dump" : fromDump ? "from the dump" : "expected the dump, WAS LIVE";
        var verdict = liveTags is null ? "" : $" ({Verdict(fromDump && rate >= TargetExportFeaturesPerSecond)})";
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {path,-36} {label,-26} {bytes / 1e6,7:0.0} MB in {took.TotalSeconds,5:0.0} s (first byte {firstByte.TotalSeconds:0.0} s)  {rate,11:N0} features/s{verdict}; " +
            $"CPU: API {cpu.ApiSeconds:0.0} s, PostgreSQL {cpu.PostgresSeconds:0.0} s, others on the machine {cpu.OtherSeconds:0.0} s; " +
            $"{visible / Math.Max(cpu.ApiSeconds, cpu.PostgresSeconds):N0} features per second of the busier of the two; peak RSS so far {Mib(api.MemoryBytes("VmHWM")):0} MiB"));
        return etag;
    }

    private sealed record Query(string What, string Ours, string Theirs);

    /// <summary>
    /// The same five queries to the API and to MapServer. Before measuring, one answer of each must hold the same
    /// features in the same order; then wrk runs ours and theirs one after the other.
    /// </summary>
    private static async Task SideBySideAsync(
        HttpClient client, ApiHost api, MapServerPeer mapServer, string work, TimeSpan duration, int processes, CancellationToken ct)
    {
        var ms = mapServer.LandingPage.ToString();
        // City 1 of the synthetic world, ±2.5 sigma around its centre: a whole city, one category.
        var lon = CityDistribution.CentreLon(1);
        var lat = CityDistribution.CentreLat(1);
        var spread = CityDistribution.SigmaDegrees * CityDistribution.TruncateAtSigmas;
        var bbox = string.Create(CultureInfo.InvariantCulture, $"{lon - spread:0.###},{lat - spread:0.###},{lon + spread:0.###},{lat + spread:0.###}");
        var cityMatched = await NumberMatchedAsync(client, $"/ogc/collections/toilet/items?f=json&limit=1000&bbox={bbox}", ct);
        // Ours pages by keyset (its next links); MapServer by offset (its next links): the same page 501,000 deep.
        var deep = await NextLinkAsync(client, "/ogc/collections/facilities/items?f=json&limit=1000&offset=500000", ct);
        var single = await FirstIdAsync(client, deep, ct);
        Query[] queries =
        [
            new("first page, limit=100", "/ogc/collections/facilities/items?f=json&limit=100", $"{ms}/collections/facilities/items?f=json&limit=100"),
            new("first page, limit=1000", "/ogc/collections/facilities/items?f=json&limit=1000", $"{ms}/collections/facilities/items?f=json&limit=1000"),
            new($"toilets in a city-wide bbox ({cityMatched:N0}), limit=1000", $"/ogc/collections/toilet/items?f=json&limit=1000&bbox={bbox}",
                $"{ms}/collections/toilet/items?f=json&limit=1000&bbox={bbox}"),
            new("a page 501,000 deep, limit=1000", deep, $"{ms}/collections/facilities/items?f=json&limit=1000&offset=501000"),
            new("a single item", $"/ogc/collections/facilities/items/{single}?f=json", $"{ms}/collections/facilities/items/{single}?f=json"),
        ];

        using var theirs = new HttpClient { Timeout = TimeSpan.FromMinutes(2) };
        Console.WriteLine($"OGC API items side by side with MapServer 8 ({processes} FastCGI processes behind nginx), the same answers checked first " +
                          $"(target: ours >= {TargetRatio:0}x MapServer's requests/s on each); wrk {WrkConnections} connections, {duration.TotalSeconds:0} s each:");
        var script = Path.Combine(work, "fixed.lua");
        await File.WriteAllTextAsync(script, Wrk.FixedUrlScript(), ct);
        var theirFirstPage = await FeatureIdsAsync(theirs, new Uri(queries[1].Theirs), ct);
        foreach (var query in queries)
        {
            var ourIds = await FeatureIdsAsync(client, new Uri(api.BaseAddress, query.Ours), ct);
            var theirIds = await FeatureIdsAsync(theirs, new Uri(query.Theirs), ct);
            var ours = await Wrk.RunAsync(new Uri(api.BaseAddress, query.Ours), script, WrkConnections, duration, null, ct);
            var mapserver = await Wrk.RunAsync(new Uri(query.Theirs), script, WrkConnections, duration, null, ct);
            var ratio = mapserver.Completed > 0 ? ours.PerSecond / mapserver.PerSecond : double.NaN;
            // Equal output: the same features, or at least as many of them where MapServer's order differs.
            var output = ourIds.SequenceEqual(theirIds) ? "the same features"
                : ourIds.Count != theirIds.Count ? string.Create(CultureInfo.InvariantCulture, $"NOT as many (MapServer {theirIds.Count:N0})")
                : query.Theirs.Contains("offset=", StringComparison.Ordinal) && theirIds.SequenceEqual(theirFirstPage)
                    ? "MapServer answers its first page again: Debian's 8.0.0 ignores offset (MapServer issue 6613, fixed in 8.0.1)"
                : "as many, MapServer's in table order";
            var theirFigures = mapserver.Completed > 0
                ? string.Create(CultureInfo.InvariantCulture, $"{mapserver.PerSecond,6:N1} req/s (p50 {mapserver.P50Ms:0.0} ms, p99 {mapserver.P99Ms:0.0} ms){Failed(mapserver)}")
                : string.Create(CultureInfo.InvariantCulture, $"no answer within {duration.TotalSeconds:0} s");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {query.What,-50} ours {ours.PerSecond,7:N0} req/s (p50 {ours.P50Ms:0.0} ms, p99 {ours.P99Ms:0.0} ms){Failed(ours)}   " +
                $"MapServer {theirFigures}   ratio {(double.IsNaN(ratio) ? "n/a" : ratio.ToString("0.0", CultureInfo.InvariantCulture))} ({Verdict(ratio >= TargetRatio)}); {ourIds.Count:N0} features, {output}"));
        }

        // GDAL, as a GIS user would: the collection's feature count, and a copy of the toilets in the city box. The
        // page size holds the whole box: MapServer 8.0.0's next links drop bbox (and it ignores offset), so following
        // them would read its first page of all toilets again and again.
        Console.WriteLine("GDAL (ogrinfo, ogr2ogr) on both:");
        var oursOgc = new Uri(api.BaseAddress, "/ogc").ToString();
        string[] spat = [.. new[] { lon - spread, lat - spread, lon + spread, lat + spread }.Select(v => v.ToString("0.###", CultureInfo.InvariantCulture))];
        foreach (var (who, landing) in ((string, string)[])[("ours", oursOgc), ("MapServer", ms)])
        {
            var count = await GdalFeatureCountAsync(landing, "facilities", ct);
            var copy = Path.Combine(work, $"gdal-{who}.gpkg");
            string[] arguments = ["-f", "GPKG", copy, $"OAPIF:{landing}", "toilet", "-oo", "PAGE_SIZE=10000", "-spat", .. spat];
            var copied = await ExternalCommand.RunAsync("ogr2ogr", arguments, new Dictionary<string, string> { ["NO_PROXY"] = "127.0.0.1" }, null, ct);
            var copiedCount = copied.ExitCode == 0
                ? $"{await GdalFeatureCountAsync(copy, "toilet", ct)} features copied, {await GdalDistinctIdsAsync(copy, ct)} distinct ids"
                : $"failed: {copied.StandardError.Trim()}";
            Console.WriteLine($"  {who,-10} ogrinfo -so facilities: Feature Count {count}; ogr2ogr -spat (the city box) toilet: {copiedCount}");
        }
    }

    private static async Task<string> GdalFeatureCountAsync(string source, string layer, CancellationToken ct)
    {
        var info = await ExternalCommand.RunAsync("ogrinfo",
            ["-ro", "-so", source.StartsWith("http", StringComparison.Ordinal) ? $"OAPIF:{source}" : source, layer],
            new Dictionary<string, string> { ["NO_PROXY"] = "127.0.0.1" }, null, ct);
        return FeatureCount().Match(info.StandardOutput) is { Success: true } m ? m.Groups[1].Value : $"(ogrinfo failed: {info.StandardError.Trim()})";
    }

    private static async Task<string> GdalDistinctIdsAsync(string file, CancellationToken ct)
    {
        var info = await ExternalCommand.RunAsync("ogrinfo", ["-ro", "-q", file, "-sql", "select count(distinct id) as n from toilet"], null, null, ct);
        return DistinctCount().Match(info.StandardOutput) is { Success: true } m ? m.Groups[1].Value : $"(ogrinfo failed: {info.StandardError.Trim()})";
    }

    /// <summary>
    /// Tiles of the whole dataset at zoom 5 to 7 over a country-sized box (12° × 8°, about France) around the synthetic
    /// world's densest group of cities, requested round-robin by wrk.
    /// </summary>
    private static async Task TilesAsync(ApiHost api, string work, TimeSpan duration, CancellationToken ct)
    {
        var (west, south, east, north) = CountryBox();
        var tiles = new List<string>();
        for (var z = 5; z <= 7; z++)
        {
            var (col0, row0) = Tile(z, west, north);
            var (col1, row1) = Tile(z, east, south);
            for (var row = row0; row <= row1; row++)
            {
                for (var col = col0; col <= col1; col++)
                {
                    tiles.Add(string.Create(CultureInfo.InvariantCulture, $"/ogc/tiles/WebMercatorQuad/{z}/{row}/{col}"));
                }
            }
        }
        var script = Path.Combine(work, "tiles.lua");
        await File.WriteAllTextAsync(script, Wrk.RoundRobinScript(tiles), ct);
        var result = await Wrk.RunAsync(new Uri(api.BaseAddress, tiles[0]), script, WrkConnections, duration, null, ct);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Vector tiles, zoom 5-7 over {west:0.#},{south:0.#},{east:0.#},{north:0.#} ({tiles.Count} tiles round-robin), wrk {WrkConnections} connections, {duration.TotalSeconds:0} s:"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {result.PerSecond:N0} tiles/s, p50 {result.P50Ms:0.0} ms, p99 {result.P99Ms:0.0} ms{Failed(result)} (target p99 <= {TargetTileP99Ms:0} ms: {Verdict(result.P99Ms <= TargetTileP99Ms)})"));
    }

    /// <summary>The 12° × 8° box centred on the city with the most other cities inside it (the synthetic world has no countries).</summary>
    private static (double West, double South, double East, double North) CountryBox()
    {
        var best = Enumerable.Range(0, CityDistribution.Cities)
            .Where(i => Math.Abs(CityDistribution.CentreLon(i)) < 170 && Math.Abs(CityDistribution.CentreLat(i)) < 60)
            .MaxBy(i => Enumerable.Range(0, CityDistribution.Cities).Count(j =>
                Math.Abs(CityDistribution.CentreLon(j) - CityDistribution.CentreLon(i)) <= 6 &&
                Math.Abs(CityDistribution.CentreLat(j) - CityDistribution.CentreLat(i)) <= 4));
        var lon = CityDistribution.CentreLon(best);
        var lat = CityDistribution.CentreLat(best);
        return (lon - 6, lat - 4, lon + 6, lat + 4);
    }

    /// <summary>The WebMercatorQuad tile (column, row) holding a point at zoom z.</summary>
    private static (int Col, int Row) Tile(int z, double lon, double lat)
    {
        var n = 1 << z;
        var phi = lat * Math.PI / 180;
        var col = (int)Math.Floor((lon + 180) / 360 * n);
        var row = (int)Math.Floor((1 - Math.Log(Math.Tan(phi) + 1 / Math.Cos(phi)) / Math.PI) / 2 * n);
        return (Math.Clamp(col, 0, n - 1), Math.Clamp(row, 0, n - 1));
    }

    /// <summary>Reads the whole body as it streams in, as a mirror would, keeping nothing.</summary>
    private static async Task<(long Bytes, TimeSpan FirstByte, TimeSpan Took, bool Ranges, string? ETag)> DownloadAsync(
        HttpClient client, string path, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        using var response = await client.GetAsync(new Uri(path, UriKind.Relative), HttpCompletionOption.ResponseHeadersRead, ct);
        response.EnsureSuccessStatusCode();
        await using var body = await response.Content.ReadAsStreamAsync(ct);
        var buffer = new byte[1 << 16];
        long bytes = 0;
        int read;
        var firstByte = TimeSpan.Zero;
        while ((read = await body.ReadAsync(buffer, ct)) > 0)
        {
            if (bytes == 0)
            {
                firstByte = clock.Elapsed;
            }
            bytes += read;
        }
        return (bytes, firstByte, clock.Elapsed, response.Headers.AcceptRanges.Contains("bytes"), response.Headers.ETag?.Tag);
    }

    private static async Task<JsonNode> PageAsync(HttpClient client, Uri url, CancellationToken ct) =>
        JsonNode.Parse(await client.GetStringAsync(url, ct)) ?? throw new InvalidOperationException($"{url} answered no JSON.");

    private static Task<JsonNode> PageAsync(HttpClient client, string path, CancellationToken ct) =>
        PageAsync(client, new Uri(path, UriKind.Relative), ct);

    private static async Task<string> NextLinkAsync(HttpClient client, string path, CancellationToken ct)
    {
        var page = await PageAsync(client, path, ct);
        var next = page["links"]?.AsArray().FirstOrDefault(l => (string?)l?["rel"] == "next")?["href"]
                   ?? throw new InvalidOperationException($"{path} has no next link.");
        return new Uri((string)next!).PathAndQuery;
    }

    private static async Task<string> FirstIdAsync(HttpClient client, string path, CancellationToken ct) =>
        (string?)(await PageAsync(client, path, ct))["features"]?[0]?["id"] ?? throw new InvalidOperationException($"{path} has no feature.");

    /// <summary>The ids of a FeatureCollection's features in order, or of a single Feature.</summary>
    private static async Task<List<string>> FeatureIdsAsync(HttpClient client, Uri url, CancellationToken ct)
    {
        var page = await PageAsync(client, url, ct);
        return page["features"] is JsonArray features
            ? [.. features.Select(f => f?["id"]?.ToString() ?? "")]
            : [page["id"]?.ToString() ?? ""];
    }

    private static async Task<long> NumberMatchedAsync(HttpClient client, string path, CancellationToken ct) =>
        (long?)(await PageAsync(client, path, ct))["numberMatched"] ?? -1;

    private static string LoadAverage()
    {
        try
        {
            return File.ReadAllText("/proc/loadavg").Split(' ')[0];
        }
        catch (IOException)
        {
            return "?";
        }
    }

    private static string Failed(LoadResult result) =>
        result.Failed > 0 ? string.Create(CultureInfo.InvariantCulture, $", {result.Failed} failed") : "";

    private static double Mib(long? bytes) => (bytes ?? 0) / 1048576.0;

    private static string Verdict(bool pass) => pass ? "PASS" : "MISS";

    [GeneratedRegex(@"Feature Count: (\d+)")]
    private static partial Regex FeatureCount();

    [GeneratedRegex(@"n \(Integer\w*\) = (\d+)")]
    private static partial Regex DistinctCount();
}
