using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Facilities.Api.Features.Facilities;
using Facilities.Api.Features.Nearby;
using Facilities.Api.Web;
using Npgsql;

namespace Facilities.Bench.Nearby;

/// <summary>
/// The API's own SQL sent straight to PostgreSQL with pgbench (prepared statements), the ceiling the API is
/// measured against. The statement texts are the handlers' constants, with their $n placeholders replaced by
/// pgbench variables holding exactly what the handler binds.
/// </summary>
public static partial class Pgbench
{
    // SearchArea.Around's constants (WGS 84 lower bounds of metres per degree, and its 1 % margin). The benchmark
    // checks at start-up that the formula below still reproduces SearchArea.Around; see CheckBoxFormula.
    private const double MetresPerDegreeLatMin = 110_574;
    private const double MetresPerDegreeLonEquator = 111_320;
    private const double BoxMargin = 1.01;

    /// <summary>What NearbyHandler asks for first with limit 10.</summary>
    public static readonly int FirstCandidates = NearbyHandler.FirstCandidateCount(10);

    /// <summary>
    /// One transaction = one nearby request at radius 1000 m, limit 10, no filters:
    /// - the query point is drawn like wrk's (random city, truncated normal offsets via random_gaussian);
    /// - the box is SearchArea.Around's arithmetic. pgbench has no cos(), so cos(phi) is its Taylor series to
    ///   phi^14, which for |phi| &lt;= 71 degrees is exact to 1e-12: the same box to the last printed digit;
    /// - the statement is the API's (NearbyCandidates.Sql) for no filter and one window, which names none of the
    ///   filter parameters $1..$6 (the API binds them as nulls, unused); both sides run it prepared with a generic
    ///   plan (the session option of GenericPlanDataSource, given to pgbench as PGOPTIONS);
    /// - near the antimeridian the API sends the far side as a second window of the same statement; pgbench, which
    ///   cannot build the arrays conditionally, sends a second statement (one more round trip, for ~0.1 % of the
    ///   points).
    /// Not reproduced: the handler's second round with more candidates when the first 40 cannot prove the
    /// nearest 10 (its share is measured and printed separately).
    /// </summary>
    public static string NearbyScript()
    {
        var radius = NearbyQuery.DefaultRadiusM.ToString("0.0###", CultureInfo.InvariantCulture);
        // random_gaussian(-s, s, 2.5) draws whole micro-degrees from a normal of sigma s / 2.5, cut at +-s.
        var spread = (long)Math.Round(CityDistribution.SigmaDegrees * CityDistribution.TruncateAtSigmas * 1e6);
        var script = new StringBuilder();
        script.AppendLine(CultureInfo.InvariantCulture, $"""
            \set i random(0, {CityDistribution.Cities - 1})
            \set rawlon -180.0 + ((:i * 137508) % 360000) / 1000.0 + random_gaussian(-{spread}, {spread}, {CityDistribution.TruncateAtSigmas:0.0###}) / 1000000.0
            \set lon case when :rawlon < -180 then :rawlon + 360 when :rawlon >= 180 then :rawlon - 360 else :rawlon end
            \set lat -55.0 + ((:i * 61803) % 125000) / 1000.0 + random_gaussian(-{spread}, {spread}, {CityDistribution.TruncateAtSigmas:0.0###}) / 1000000.0
            \set dlat {radius} / {MetresPerDegreeLatMin:0.0###} * {BoxMargin:0.0###}
            \set minlat greatest(-90.0, :lat - :dlat)
            \set maxlat least(90.0, :lat + :dlat)
            \set phi greatest(abs(:minlat), abs(:maxlat)) * pi() / 180.0
            \set p2 :phi * :phi
            \set cosphi 1.0 - :p2 / 2 * (1.0 - :p2 / 12 * (1.0 - :p2 / 30 * (1.0 - :p2 / 56 * (1.0 - :p2 / 90 * (1.0 - :p2 / 132 * (1.0 - :p2 / 182))))))
            \set dlon {radius} / ({MetresPerDegreeLonEquator:0.0###} * :cosphi) * {BoxMargin:0.0###}
            \set minlon greatest(-180.0, :lon - :dlon)
            \set maxlon least(180.0, :lon + :dlon)
            \set candidates {FirstCandidates}
            """);
        // Parameters as NearbyCandidates binds them, one array element per window: $7,$8 the point the planar order
        // is measured from, $9,$10 the query point, $11..$14 the box, $15 the candidate count.
        script.AppendLine(NearbyStatement(":lon", ":minlon", ":maxlon"));
        script.AppendLine("""
            \set west (:lon - :dlon) < -180.0
            \if :west
            \set farlon :lon + 360.0
            \set farmin :lon - :dlon + 360.0
            """);
        script.AppendLine(NearbyStatement(":farlon", ":farmin", "180.0"));
        script.AppendLine("""
            \endif
            \set east (:lon + :dlon) > 180.0
            \if :east
            \set farlon :lon - 360.0
            \set farmax :lon + :dlon - 360.0
            """);
        script.AppendLine(NearbyStatement(":farlon", "-180.0", ":farmax"));
        script.AppendLine("\\endif");
        return script.ToString();
    }

    private static string NearbyStatement(string pointLon, string minLon, string maxLon)
    {
        // $1..$6 are the filter's, which the unfiltered statement does not name: no value for them. $7..$15 are
        // arrays with an element per window; one request far from the antimeridian is one window.
        static string Window(string value, string type) => $"array[({value})::{type}]";
        string?[] values =
        [
            null, null, null, null, null, null,
            Window(pointLon, "float8"), Window(":lat", "float8"), Window(":lon", "float8"), Window(":lat", "float8"),
            Window(minLon, "float8"), Window(":minlat", "float8"), Window(maxLon, "float8"), Window(":maxlat", "float8"),
            Window(":candidates", "int"),
        ];
        return Substitute(NearbyCandidates.Sql(NoFilter), values) + ";";
    }

    /// <summary>
    /// One transaction = one clusters request: <see cref="ClustersHandler.PrecomputedSql"/> with the cell index
    /// range the handler computes for <paramref name="box"/> at <paramref name="zoom"/>, and no category filter.
    /// </summary>
    public static string ClustersScript(int zoom, Bbox box)
    {
        var cell = ClustersQuery.CellSizeDegrees(zoom);
        int Index(double degrees) => (int)Math.Floor(degrees / cell);
        string[] values =
        [
            zoom.ToString(CultureInfo.InvariantCulture),
            Index(box.MinLon + 180).ToString(CultureInfo.InvariantCulture),
            Index(box.MaxLon + 180).ToString(CultureInfo.InvariantCulture),
            Index(box.MinLat + 90).ToString(CultureInfo.InvariantCulture),
            Index(box.MaxLat + 90).ToString(CultureInfo.InvariantCulture),
            "(NULL::text[])",
        ];
        return Substitute(ClustersHandler.PrecomputedSql, values) + ";\n";
    }

    private static readonly FacilityFilter NoFilter = new(null, false, null, null, null, null, null, DateTimeOffset.UtcNow);

    /// <summary>
    /// The statement with each $n replaced by values[n - 1]; a null value is a parameter the statement must not name.
    /// Fails loudly when the handler's statement and the benchmark's values no longer line up.
    /// </summary>
    private static string Substitute(string sql, string?[] values)
    {
        var highest = Placeholder().Matches(sql).Max(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));
        if (highest != values.Length)
        {
            throw new InvalidOperationException(
                $"The statement now has {highest} parameters, the benchmark binds {values.Length}: update Pgbench.cs.\n{sql}");
        }
        return Placeholder().Replace(sql, m =>
        {
            var n = int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
            return values[n - 1] ?? throw new InvalidOperationException(
                $"The statement names ${n}, which the benchmark does not bind: update Pgbench.cs.\n{sql}");
        });
    }

    /// <summary>
    /// The box formula of <see cref="NearbyScript"/> evaluated in C# must equal SearchArea.Around for the same
    /// points; returns the largest difference in degrees over <paramref name="points"/> (0 when in step).
    /// </summary>
    public static double CheckBoxFormula(IEnumerable<(double Lon, double Lat)> points)
    {
        var worst = 0.0;
        foreach (var (lon, lat) in points)
        {
            var dLat = NearbyQuery.DefaultRadiusM / MetresPerDegreeLatMin * BoxMargin;
            var minLat = Math.Max(-90, lat - dLat);
            var maxLat = Math.Min(90, lat + dLat);
            var phi = Math.Max(Math.Abs(minLat), Math.Abs(maxLat)) * Math.PI / 180;
            var dLon = NearbyQuery.DefaultRadiusM / (MetresPerDegreeLonEquator * Math.Cos(phi)) * BoxMargin;
            var expected = SearchArea.Around(lon, lat, NearbyQuery.DefaultRadiusM).Windows[0].Box;
            worst = new[]
            {
                worst,
                Math.Abs(expected.MinLat - minLat), Math.Abs(expected.MaxLat - maxLat),
                Math.Abs(expected.MinLon - Math.Max(-180, lon - dLon)), Math.Abs(expected.MaxLon - Math.Min(180, lon + dLon)),
            }.Max();
        }
        return worst;
    }

    /// <summary>
    /// Runs pgbench closed-loop (each client sends its next query when the last one is answered) or, with
    /// <paramref name="rate"/>, at that constant rate across the clients: pgbench then measures each latency from the
    /// query's scheduled start, as the API's open-loop load does, so a stall counts for the queries queued behind it.
    /// <paramref name="sessionOptions"/> go to the server as PGOPTIONS (for instance the plan cache mode).
    /// </summary>
    public static async Task<LoadResult> RunAsync(
        string connectionString, string scriptPath, int clients, TimeSpan duration, string workDirectory,
        Action<int>? started, CancellationToken ct, double? rate = null, TimeSpan skipStart = default,
        string? sessionOptions = null)
    {
        var logDirectory = Directory.CreateDirectory(Path.Combine(workDirectory, "pgbench-" + Guid.NewGuid().ToString("N")));
        var (conninfo, environment) = Libpq(connectionString);
        if (sessionOptions is not null)
        {
            // The session settings the API's pool gives the same statement (GenericPlanDataSource), so both sides
            // run it with the same plan.
            environment["PGOPTIONS"] = sessionOptions;
        }
        List<string> arguments =
        [
            "-n", "-M", "prepared",
            "-c", clients.ToString(CultureInfo.InvariantCulture),
            "-j", Math.Min(2, clients).ToString(CultureInfo.InvariantCulture),
            "-T", ((int)duration.TotalSeconds).ToString(CultureInfo.InvariantCulture),
            "-f", scriptPath,
            "-l", "--log-prefix", Path.Combine(logDirectory.FullName, "pg"),
        ];
        if (rate is { } perSecond)
        {
            arguments.AddRange(["-R", perSecond.ToString("0", CultureInfo.InvariantCulture)]);
        }
        arguments.Add(conninfo);
        var output = await ExternalCommand.RunAsync("pgbench", [.. arguments], environment, started, ct);
        var tps = Tps().Match(output.StandardOutput);
        if (output.ExitCode != 0 || !tps.Success)
        {
            throw new InvalidOperationException($"pgbench failed (exit {output.ExitCode}):\n{output.StandardOutput}\n{output.StandardError}");
        }
        var failed = Failed().Match(output.StandardOutput) is { Success: true } f ? long.Parse(f.Groups[1].Value, CultureInfo.InvariantCulture) : 0;

        // Per-transaction log lines: client_id transaction_no time_us script_no time_epoch time_us_part [schedule_lag].
        var transactions = new List<(double EndSeconds, double LatencyMs)>();
        foreach (var file in logDirectory.EnumerateFiles("pg.*"))
        {
            foreach (var line in File.ReadLines(file.FullName))
            {
                var fields = line.Split(' ');
                if (fields.Length >= 6
                    && double.TryParse(fields[2], NumberStyles.Float, CultureInfo.InvariantCulture, out var micros)
                    && long.TryParse(fields[4], NumberStyles.Integer, CultureInfo.InvariantCulture, out var epoch)
                    && long.TryParse(fields[5], NumberStyles.Integer, CultureInfo.InvariantCulture, out var partMicros))
                {
                    transactions.Add((epoch + partMicros / 1e6, micros / 1000));
                }
            }
        }
        // At a fixed rate pgbench starts its schedule before its connections are up and spends the first second or
        // two catching up (every query late by hundreds of ms); the API's generator connects before its schedule
        // starts. So a rate run drops that start: callers ask for skipStart more than they measure.
        // A closed-loop run drops its first second for another reason: each run starts new backends, whose caches
        // (catalog, prepared statements, PostGIS's spheroid lookup) are cold, while the API's pooled backends are
        // warm; 5 s runs averaged 6 % below 15 s runs until the start was dropped. The rate is then counted from
        // the log over the kept span.
        var from = transactions.Count == 0 ? 0 : transactions.Min(t => t.EndSeconds) + skipStart.TotalSeconds;
        var kept = transactions.Where(t => t.EndSeconds >= from).ToList();
        var latencies = kept.Select(t => t.LatencyMs).ToList();
        logDirectory.Delete(recursive: true);
        latencies.Sort();
        var queriesPerSecond = skipStart > TimeSpan.Zero && kept.Count > 1
            ? kept.Count / (kept.Max(t => t.EndSeconds) - from)
            : double.Parse(tps.Groups[1].Value, CultureInfo.InvariantCulture);
        return new LoadResult(
            queriesPerSecond,
            LoadResult.Percentile(latencies, 50),
            LoadResult.Percentile(latencies, 99),
            transactions.Count,
            failed);
    }

    /// <summary>An Npgsql connection string as a libpq conninfo, with the password in PGPASSWORD rather than argv.</summary>
    public static (string Conninfo, Dictionary<string, string> Environment) Libpq(string connectionString)
    {
        var npgsql = new NpgsqlConnectionStringBuilder(connectionString);
        static string Quote(string value) => "'" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal) + "'";
        var parts = new List<string>();
        if (npgsql.Host is { Length: > 0 } host)
        {
            parts.Add("host=" + Quote(host));
        }
        parts.Add("port=" + npgsql.Port.ToString(CultureInfo.InvariantCulture));
        if (npgsql.Username is { Length: > 0 } user)
        {
            parts.Add("user=" + Quote(user));
        }
        parts.Add("dbname=" + Quote(npgsql.Database ?? SyntheticFacilities.DatabaseName));
        var environment = new Dictionary<string, string>();
        if (npgsql.Password is { Length: > 0 } password)
        {
            environment["PGPASSWORD"] = password;
        }
        return (string.Join(' ', parts), environment);
    }

    [GeneratedRegex(@"\$(\d+)")]
    private static partial Regex Placeholder();

    [GeneratedRegex(@"tps = ([0-9.]+)")]
    private static partial Regex Tps();

    [GeneratedRegex(@"number of failed transactions: (\d+)")]
    private static partial Regex Failed();
}
