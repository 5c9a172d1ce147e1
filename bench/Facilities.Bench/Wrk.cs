using System.Globalization;
using System.Text.RegularExpressions;

namespace Facilities.Bench;

/// <summary>
/// Closed-loop load on the API with wrk: each connection sends its next request when the previous answer is in,
/// so this finds the throughput ceiling. Latency percentiles come from wrk's own histogram via a done() hook.
/// </summary>
public static partial class Wrk
{
    // Printed by done() in every script: exact percentiles in microseconds instead of wrk's rounded table.
    private const string DoneHook = """
        done = function(summary, latency, requests)
          local e = summary.errors
          io.write(string.format("BENCH requests=%d duration_us=%d p50_us=%.0f p99_us=%.0f non2xx=%d socket_errors=%d\n",
            summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
            e.status, e.connect + e.read + e.write + e.timeout))
        end

        """;

    /// <summary>
    /// Nearby requests at query points drawn like <see cref="CityDistribution.QueryPoint"/>: a random city, then
    /// Box–Muller normal offsets cut at 2.5 sigma. Each wrk thread gets its own fixed seed.
    /// </summary>
    public static string NearbyScript() => DoneHook + string.Create(CultureInfo.InvariantCulture, $$"""
        local threads = 0
        setup = function(thread)
          threads = threads + 1
          thread:set("seed", 1000 + threads)
        end

        init = function(args)
          math.randomseed(seed)
        end

        local function gaussian()
          while true do
            local z = math.sqrt(-2 * math.log(1 - math.random())) * math.cos(2 * math.pi * math.random())
            if z >= -{{CityDistribution.TruncateAtSigmas}} and z <= {{CityDistribution.TruncateAtSigmas}} then return z end
          end
        end

        request = function()
          local i = math.random(0, {{CityDistribution.Cities - 1}})
          local lon = -180 + ((i * 137508) % 360000) / 1000 + {{CityDistribution.SigmaDegrees}} * gaussian()
          if lon < -180 then lon = lon + 360 elseif lon >= 180 then lon = lon - 360 end
          local lat = -55 + ((i * 61803) % 125000) / 1000 + {{CityDistribution.SigmaDegrees}} * gaussian()
          return wrk.format(nil, string.format("/api/v1/facilities/nearby?lat=%.6f&lon=%.6f&limit=10", lat, lon))
        end

        """);

    /// <summary>Requests the URL given on the command line, unchanged.</summary>
    public static string FixedUrlScript() => DoneHook;

    /// <summary>Requests <paramref name="paths"/> one after the other, round and round (each wrk thread from the start).</summary>
    public static string RoundRobinScript(IReadOnlyList<string> paths) => DoneHook +
        "local paths = {\n" + string.Concat(paths.Select(p => $"  \"{p}\",\n")) + "}\n" + """
        local i = 0
        request = function()
          i = i % #paths + 1
          return wrk.format(nil, paths[i])
        end

        """;

    public static async Task<LoadResult> RunAsync(
        Uri url, string scriptPath, int connections, TimeSpan duration, Action<int>? started, CancellationToken ct)
    {
        var output = await ExternalCommand.RunAsync("wrk",
            [
                "-t", Math.Min(2, connections).ToString(CultureInfo.InvariantCulture),
                "-c", connections.ToString(CultureInfo.InvariantCulture),
                "-d", string.Create(CultureInfo.InvariantCulture, $"{(int)duration.TotalSeconds}s"),
                "--timeout", "10s",
                "--latency",
                "-s", scriptPath,
                url.ToString(),
            ],
            null, started, ct);
        var match = Summary().Match(output.StandardOutput);
        if (output.ExitCode != 0 || !match.Success)
        {
            throw new InvalidOperationException($"wrk failed (exit {output.ExitCode}):\n{output.StandardOutput}\n{output.StandardError}");
        }
        long Value(string name) => long.Parse(match.Groups[name].Value, CultureInfo.InvariantCulture);
        var requests = Value("requests");
        return new LoadResult(
            requests / (Value("duration") / 1e6),
            Value("p50") / 1000.0,
            Value("p99") / 1000.0,
            requests,
            Value("non2xx") + Value("errors"));
    }

    [GeneratedRegex(@"BENCH requests=(?<requests>\d+) duration_us=(?<duration>\d+) p50_us=(?<p50>\d+) p99_us=(?<p99>\d+) non2xx=(?<non2xx>\d+) socket_errors=(?<errors>\d+)")]
    private static partial Regex Summary();
}
