using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Npgsql;

namespace Facilities.Bench.OpenData;

/// <summary>
/// <c>bench.sh opendata</c>: the open-data endpoints over the synthetic layer of 1,000,000 facilities
/// (<see cref="SyntheticFacilities"/>). The whole-layer exports are read as a mirror would, with no
/// <c>Accept-Encoding</c>: features per second and the API's peak memory. OGC API items pages go under wrk: a first
/// page, a page 500,000 deep reached by its <c>next</c> link, and one category in a city-wide box. Prints each figure
/// with its target; never fails on one.
/// </summary>
public static class OpenDataBenchmark
{
    private const double TargetFeaturesPerSecond = 50_000;
    private const double TargetPeakRssMiB = 300;
    private const int WrkConnections = 8;

    public const string Usage = """
        Usage: bench.sh opendata [--duration <s>]
          --duration <s>   seconds of each wrk run on an items page (default 10)
        Needs ConnectionStrings__Facilities (bench.sh sets it for the private cluster): a server where the user may
        create the database facilities_bench.
        """;

    public static async Task<int> RunAsync(string[] args)
    {
        var duration = TimeSpan.FromSeconds(10);
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
            await Console.Error.WriteLineAsync($"Unknown or incomplete option {args[i]}.\n{Usage}");
            return 2;
        }
        if (await BenchmarkEnvironment.ServerOrExplainAsync(Usage) is not { } server)
        {
            return 2;
        }

        using var cancel = BenchmarkEnvironment.CancelledByCtrlC();
        var ct = cancel.Token;
        var connectionString = await SyntheticFacilities.EnsureLoadedAsync(server, Console.Error.WriteLine, ct);
        long visible;
        await using (var db = NpgsqlDataSource.Create(connectionString))
        await using (var count = db.CreateCommand("select count(*) from facilities where status <> 'removed'"))
        {
            visible = (long)(await count.ExecuteScalarAsync(ct))!;
        }

        var work = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "facilities-bench-opendata-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture)));
        try
        {
            var apiDirectory = ApiHost.CopyBuildOutput(work.FullName, w => Console.Error.WriteLine("warning: " + w));
            await using var api = await ApiHost.StartAsync(apiDirectory, connectionString, GcMode.Server, new Dictionary<string, string>(), ct);
            var afterStart = Mib(api.MemoryBytes("VmRSS"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Open data over {visible:N0} facilities in the public layer, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, nproc {Environment.ProcessorCount}; API RSS after start {afterStart:0} MiB"));

            using var client = new HttpClient { BaseAddress = api.BaseAddress, Timeout = Timeout.InfiniteTimeSpan };
            Console.WriteLine($"Exports (target: >= {TargetFeaturesPerSecond:N0} features/s, API peak RSS < {TargetPeakRssMiB:0} MiB):");
            foreach (var path in (string[])["/api/v1/export/facilities.geojson", "/api/v1/export/facilities.csv", "/api/v1/export/facilities.geojson"])
            {
                var (bytes, took) = await DownloadAsync(client, path, ct);
                var rate = visible / took.TotalSeconds;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  {path,-36} {bytes / 1e6,7:0.0} MB in {took.TotalSeconds,5:0.0} s  {rate,9:N0} features/s ({Verdict(rate >= TargetFeaturesPerSecond)})  peak RSS so far {Mib(api.MemoryBytes("VmHWM")):0} MiB"));
            }
            var exportPeak = Mib(api.MemoryBytes("VmHWM"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  API peak RSS during the exports: {exportPeak:0} MiB ({Verdict(exportPeak < TargetPeakRssMiB)})"));

            var script = Path.Combine(work.FullName, "fixed.lua");
            await File.WriteAllTextAsync(script, Wrk.FixedUrlScript(), ct);
            var deep = await NextLinkAsync(client, "/ogc/collections/facilities/items?limit=1000&offset=500000", ct);
            // City 1 of the synthetic world, ±2.5 sigma around its centre: a whole city, one category.
            var lon = CityDistribution.CentreLon(1);
            var lat = CityDistribution.CentreLat(1);
            var spread = CityDistribution.SigmaDegrees * CityDistribution.TruncateAtSigmas;
            var cityBox = string.Create(CultureInfo.InvariantCulture,
                $"/ogc/collections/toilet/items?limit=1000&bbox={lon - spread:0.###},{lat - spread:0.###},{lon + spread:0.###},{lat + spread:0.###}");
            var cityMatched = await NumberMatchedAsync(client, cityBox, ct);
            Console.WriteLine($"OGC API items, limit=1000, wrk {WrkConnections} connections, {duration.TotalSeconds:0} s each:");
            foreach (var (what, path) in ((string, string)[])[
                ("first page", "/ogc/collections/facilities/items?limit=1000"),
                ("a next page 500,000 deep", deep),
                ($"toilets in a city-wide bbox ({cityMatched:N0} matched)", cityBox)])
            {
                var result = await Wrk.RunAsync(new Uri(api.BaseAddress, path), script, WrkConnections, duration, null, ct);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  {what,-44} {result.PerSecond,6:N0} requests/s, p50 {result.P50Ms:0.0} ms, p99 {result.P99Ms:0.0} ms{(result.Failed > 0 ? $", {result.Failed} failed" : "")}"));
            }
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

    /// <summary>Reads the whole body as it streams in, as a mirror would, keeping nothing.</summary>
    private static async Task<(long Bytes, TimeSpan Took)> DownloadAsync(HttpClient client, string path, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        using var response = await client.GetAsync(new Uri(path, UriKind.Relative), HttpCompletionOption.ResponseHeadersRead, ct);
        response.EnsureSuccessStatusCode();
        await using var body = await response.Content.ReadAsStreamAsync(ct);
        var buffer = new byte[1 << 16];
        long bytes = 0;
        int read;
        while ((read = await body.ReadAsync(buffer, ct)) > 0)
        {
            bytes += read;
        }
        return (bytes, clock.Elapsed);
    }

    private static async Task<JsonNode> PageAsync(HttpClient client, string path, CancellationToken ct) =>
        JsonNode.Parse(await client.GetStringAsync(new Uri(path, UriKind.Relative), ct))
        ?? throw new InvalidOperationException($"{path} answered no JSON.");

    private static async Task<string> NextLinkAsync(HttpClient client, string path, CancellationToken ct)
    {
        var page = await PageAsync(client, path, ct);
        var next = page["links"]?.AsArray().FirstOrDefault(l => (string?)l?["rel"] == "next")?["href"]
                   ?? throw new InvalidOperationException($"{path} has no next link.");
        return new Uri((string)next!).PathAndQuery;
    }

    private static async Task<long> NumberMatchedAsync(HttpClient client, string path, CancellationToken ct) =>
        (long?)(await PageAsync(client, path, ct))["numberMatched"] ?? -1;

    private static double Mib(long? bytes) => (bytes ?? 0) / 1048576.0;

    private static string Verdict(bool pass) => pass ? "PASS" : "MISS";
}
