using System.Globalization;

namespace Facilities.Bench.Nearby;

public sealed record BenchmarkOptions(
    TimeSpan Duration,
    int Rounds,
    IReadOnlyList<int> Concurrency,
    IReadOnlyList<int> ClusterConcurrency,
    bool Reload,
    GcMode Gc,
    IReadOnlyDictionary<string, string> ApiEnvironment,
    bool PrintScripts,
    bool Help = false)
{
    public const string Usage = """
        Usage: bench.sh nearby [options]
          --duration <s>             seconds per load point in each round (default 5)
          --rounds <n>               rounds of every load point, API and PostGIS alternating; the figures are the
                                     rounds' medians (default 3)
          --concurrency <list>       connections for nearby, comma-separated (default 2,8,32)
          --cluster-concurrency <l>  connections for clusters (default 2,8)
          --gc server|workstation    the API's garbage collector (default server, as ASP.NET Core ships it)
          --reload                   reload the 1,000,000 synthetic facilities even if present
          --api-env NAME=VALUE       an extra environment variable for the API process (repeatable), for experiments
          --print-scripts            print the wrk and pgbench scripts this run would use, and exit
          -h, --help                 this text
        Needs ConnectionStrings__Facilities (bench.sh sets it for the private cluster): a server where the user may
        create the database facilities_bench.
        """;

    public static BenchmarkOptions Parse(string[] args)
    {
        var options = new BenchmarkOptions(TimeSpan.FromSeconds(5), 3, [2, 8, 32], [2, 8], false, GcMode.Server, new Dictionary<string, string>(), false);
        for (var i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            options = args[i] switch
            {
                "--duration" => options with { Duration = TimeSpan.FromSeconds(PositiveInt(Value())) },
                "--rounds" => options with { Rounds = PositiveInt(Value()) },
                "--concurrency" => options with { Concurrency = List(Value()) },
                "--cluster-concurrency" => options with { ClusterConcurrency = List(Value()) },
                "--reload" => options with { Reload = true },
                "--print-scripts" => options with { PrintScripts = true },
                "--help" or "-h" => options with { Help = true },
                "--api-env" => options with { ApiEnvironment = With(options.ApiEnvironment, Value()) },
                "--gc" => options with
                {
                    Gc = Enum.TryParse<GcMode>(Value(), ignoreCase: true, out var gc) ? gc : throw new ArgumentException("--gc is workstation or server."),
                },
                var other => throw new ArgumentException($"Unknown option {other}."),
            };
        }
        return options;
    }

    private static Dictionary<string, string> With(IReadOnlyDictionary<string, string> environment, string assignment)
    {
        var parts = assignment.Split('=', 2);
        if (parts.Length != 2 || parts[0].Length == 0)
        {
            throw new ArgumentException($"--api-env takes NAME=VALUE, not '{assignment}'.");
        }
        return new Dictionary<string, string>(environment) { [parts[0]] = parts[1] };
    }

    private static int[] List(string text) => text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
        .Select(PositiveInt).ToArray() is { Length: > 0 } list ? list : throw new ArgumentException("An empty list.");

    private static int PositiveInt(string text) =>
        int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n > 0
            ? n
            : throw new ArgumentException($"'{text}' is not a positive whole number.");
}
