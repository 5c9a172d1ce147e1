using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Npgsql;

namespace Facilities.Bench.Soak;

/// <summary>
/// <c>bench.sh soak</c>: the API (a process of its own) under wrk's mixed load for some minutes — nearby, box and
/// cluster reads with proposals among them from a few dozen accounts — over a copy of the synthetic layer, with the
/// API's resident set read from /proc every 10 s. Prints the samples and the growth in MB/min after the first minute
/// (warm-up: the JIT, pools and caches filling), by least squares over the samples.
/// </summary>
public static class SoakCommand
{
    public const string Usage = "Usage: bench.sh soak [minutes (6)] [connections (8)] [write share in % (10)]\n";

    private const string Database = SyntheticFacilities.DatabaseName + "_soak";

    public static async Task<int> RunAsync(string[] args)
    {
        if (args is ["-h" or "--help", ..])
        {
            Console.Out.Write(Usage);
            return 0;
        }
        var minutes = args.Length > 0 ? double.Parse(args[0], CultureInfo.InvariantCulture) : 6;
        var connections = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 8;
        var writePercent = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 10;
        if (await BenchmarkEnvironment.ServerOrExplainAsync(Usage) is not { } server)
        {
            return 2;
        }
        using var cancel = BenchmarkEnvironment.CancelledByCtrlC();
        var ct = cancel.Token;
        await SyntheticFacilities.EnsureLoadedAsync(server, Console.Error.WriteLine, ct);
        // A copy: the proposals the soak makes stay out of the layer the other benchmarks read.
        await AdminAsync(server, $"drop database if exists {Database} with (force)");
        await AdminAsync(server, $"create database {Database} template {SyntheticFacilities.DatabaseName}");
        var work = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), $"facilities-bench-soak-{Environment.ProcessId}"));
        try
        {
            var apiDirectory = ApiHost.CopyBuildOutput(work.FullName, w => Console.Error.WriteLine("warning: " + w));
            var environment = new Dictionary<string, string>
            {
                // The budgets would refuse most writes of a few accounts; the soak is about memory, not limits.
                ["RateLimits__Enabled"] = "false",
                ["Logging__LogLevel__Facilities.Requests"] = "Warning",
            };
            var connectionString = new NpgsqlConnectionStringBuilder(server) { Database = Database }.ConnectionString;
            await using var api = await ApiHost.StartAsync(apiDirectory, connectionString, GcMode.Server, environment, ct);
            var tokens = await AccountsAsync(api.BaseAddress, 40, ct);
            var script = Path.Combine(work.FullName, "soak.lua");
            await File.WriteAllTextAsync(script, Script(tokens, writePercent), ct);

            var duration = TimeSpan.FromMinutes(minutes);
            Console.Error.WriteLine($"soak: {minutes} min of wrk, {connections} connections, {writePercent} % writes...");
            var samples = new List<(double Minutes, double RssMb)>();
            var clock = Stopwatch.StartNew();
            var load = Wrk.RunAsync(api.BaseAddress, script, connections, duration, null, ct);
            while (!load.IsCompleted)
            {
                if (api.MemoryBytes("VmRSS") is { } rss)
                {
                    samples.Add((clock.Elapsed.TotalMinutes, rss / 1024.0 / 1024.0));
                }
                await Task.WhenAny(load, Task.Delay(TimeSpan.FromSeconds(10), ct));
            }
            var result = await load;
            var proposals = await ScalarAsync(connectionString, "select count(*) from proposals");

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"soak, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, nproc {Environment.ProcessorCount}, load average {LoadAverage()}: {minutes} min, " +
                $"{connections} connections, {writePercent} % proposals from {tokens.Count} accounts, over {SyntheticFacilities.Rows:N0} facilities"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {result.PerSecond:N0} req/s ({result.PerSecond * writePercent / 100:N0} writes/s), p50 {result.P50Ms:F1} ms, p99 {result.P99Ms:F1} ms, " +
                $"{result.Failed} failed of {result.Completed:N0}; {proposals:N0} proposals stored"));
            Console.WriteLine("  RSS (MB) every 10 s: " + string.Join(" ", samples.Select(s => s.RssMb.ToString("F0", CultureInfo.InvariantCulture))));
            var settled = samples.Where(s => s.Minutes >= 1).ToList();
            if (settled.Count >= 3)
            {
                var slope = Slope(settled);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  after the first minute: {settled[0].RssMb:F0} -> {settled[^1].RssMb:F0} MB, growth {slope:F2} MB/min (least squares over {settled.Count} samples); " +
                    $"peak {api.MemoryBytes("VmHWM") / 1024.0 / 1024.0:F0} MB"));
            }
            return 0;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            await Console.Error.WriteLineAsync("Interrupted.");
            return 130;
        }
        finally
        {
            await AdminAsync(server, $"drop database if exists {Database} with (force)");
            work.Delete(recursive: true);
        }
    }

    private static double Slope(IReadOnlyList<(double X, double Y)> points)
    {
        var meanX = points.Average(p => p.X);
        var meanY = points.Average(p => p.Y);
        return points.Sum(p => (p.X - meanX) * (p.Y - meanY)) / points.Sum(p => (p.X - meanX) * (p.X - meanX));
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "?";

    private static async Task<List<string>> AccountsAsync(Uri api, int count, CancellationToken ct)
    {
        using var http = new HttpClient { BaseAddress = api };
        var tokens = new List<string>();
        var run = Guid.NewGuid().ToString("N")[..8];
        for (var i = 0; i < count; i++)
        {
            using var response = await http.PostAsJsonAsync("/api/v1/auth/register",
                new { email = $"soak-{run}-{i}@bench.test", password = "a long enough password", name = $"Soak {i}" }, ct);
            response.EnsureSuccessStatusCode();
            var body = JsonNode.Parse(await response.Content.ReadAsStringAsync(ct))!;
            tokens.Add((string)body["access_token"]!);
        }
        return tokens;
    }

    /// <summary>
    /// Per request: a proposal (create, at a city point) with the write share, else nearby (half), a box of about
    /// 1 km (a third) or clusters over about 10 km (the rest), all at points drawn like the nearby benchmark's.
    /// </summary>
    private static string Script(IReadOnlyList<string> tokens, int writePercent)
    {
        var list = new StringBuilder();
        foreach (var token in tokens)
        {
            list.Append('"').Append(token).Append("\",");
        }
        return string.Create(CultureInfo.InvariantCulture, $$"""
            local tokens = { {{list}} }
            local threads = 0
            local counter = 0
            setup = function(thread)
              threads = threads + 1
              thread:set("seed", 3000 + threads)
            end
            init = function(args) math.randomseed(seed) end

            local function gaussian()
              while true do
                local z = math.sqrt(-2 * math.log(1 - math.random())) * math.cos(2 * math.pi * math.random())
                if z >= -{{CityDistribution.TruncateAtSigmas}} and z <= {{CityDistribution.TruncateAtSigmas}} then return z end
              end
            end

            local function point()
              local i = math.random(0, {{CityDistribution.Cities - 1}})
              local lon = -180 + ((i * 137508) % 360000) / 1000 + {{CityDistribution.SigmaDegrees}} * gaussian()
              if lon < -180 then lon = lon + 360 elseif lon >= 180 then lon = lon - 360 end
              local lat = -55 + ((i * 61803) % 125000) / 1000 + {{CityDistribution.SigmaDegrees}} * gaussian()
              return lat, lon
            end

            request = function()
              local lat, lon = point()
              local pick = math.random(100)
              if pick <= {{writePercent}} then
                counter = counter + 1
                local body = string.format('{"kind":"create","location":{"lat":%.6f,"lon":%.6f},"changes":{"category":"toilet","name":"Soak %d"},"comment":"Seen it"}', lat, lon, counter)
                return wrk.format("POST", "/api/v1/proposals", { ["Content-Type"] = "application/json",
                  ["Authorization"] = "Bearer " .. tokens[math.random(#tokens)] }, body)
              end
              local read = math.random(6)
              if read <= 3 then
                return wrk.format(nil, string.format("/api/v1/facilities/nearby?lat=%.6f&lon=%.6f&limit=10", lat, lon))
              end
              -- Boxes stay inside [-180, 180]: a city on the antimeridian would otherwise ask for a 400.
              local half = read <= 5 and 0.007 or 0.07
              local west, east = math.max(-180, lon - half), math.min(180, lon + half)
              if read <= 5 then
                return wrk.format(nil, string.format("/api/v1/facilities?bbox=%.5f,%.5f,%.5f,%.5f&limit=100", west, lat - 0.0045, east, lat + 0.0045))
              end
              return wrk.format(nil, string.format("/api/v1/facilities/clusters?bbox=%.5f,%.5f,%.5f,%.5f&zoom=12", west, lat - 0.045, east, lat + 0.045))
            end

            """) + Wrk.FixedUrlScript();
    }

    private static async Task AdminAsync(string server, string sql)
    {
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(server) { Database = "postgres", Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<long> ScalarAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
