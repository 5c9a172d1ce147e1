using Facilities.Bench.Import;
using Facilities.Bench.Nearby;
using Facilities.Bench.OpenData;
using Facilities.Bench.Soak;
using Facilities.Bench.Trust;

namespace Facilities.Bench;

/// <summary>
/// One program, one subcommand per benchmark; ./bench.sh starts the database and runs them. (Not top-level statements:
/// their class would be named Program, like the API's, which the trust simulation hosts.)
/// </summary>
public static class Benchmarks
{
    private const string Usage = """
        Usage: bench.sh [nearby|import|opendata|trust|soak|ha|all] [options]    (bench.sh <command> --help: its options)
          nearby     the nearby and clusters endpoints over 1,000,000 facilities, against the same SQL straight to PostGIS
          import     partner import: throughput, memory and conflation quality; rerun: a re-run after kill -9
          opendata   exports and OGC API pages over 1,000,000 facilities
          trust      the trust simulation: honest contributors against vandals and sock-puppet rings
          soak       the API's memory over minutes of mixed reads and writes, and its growth per minute
          ha         the HA topology's figures (bench.sh runs scripts/ha-bench.sh; not this program)
          all        nearby, import, opendata and trust, in that order (bench.sh runs each in its own process)
        """;

    // The subcommand is chosen before anything else runs: nearby sets a runtime switch that must precede the
    // process's first socket.
    public static async Task<int> Main(string[] args) => args switch
    {
        ["nearby", .. var rest] => await NearbyCommand.RunAsync(rest),
        ["import", .. var rest] => await ImportBenchmark.RunAsync(rest),
        ["opendata", .. var rest] => await OpenDataBenchmark.RunAsync(rest),
        ["trust", .. var rest] => await TrustCommand.RunAsync(rest),
        ["soak", .. var rest] => await SoakCommand.RunAsync(rest),
        ["-h" or "--help"] => Help(Console.Out, 0),
        _ => Help(Console.Error, 2),
    };

    private static int Help(TextWriter writer, int exitCode)
    {
        writer.Write(Usage);
        return exitCode;
    }
}

/// <summary>What every subcommand needs from its surroundings: the server ./bench.sh started, and Ctrl-C.</summary>
internal static class BenchmarkEnvironment
{
    /// <summary>The server's connection string, or null after printing why the subcommand cannot run and its usage.</summary>
    public static async Task<string?> ServerOrExplainAsync(string usage)
    {
        if (Environment.GetEnvironmentVariable("ConnectionStrings__Facilities") is { Length: > 0 } server)
        {
            return server;
        }
        await Console.Error.WriteLineAsync($"ConnectionStrings__Facilities is not set.\n{usage}");
        return null;
    }

    /// <summary>Cancelled by Ctrl-C instead of the process being killed, so a run stops between statements and says so.</summary>
    public static CancellationTokenSource CancelledByCtrlC()
    {
        var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cancel.Cancel();
        };
        return cancel;
    }
}
