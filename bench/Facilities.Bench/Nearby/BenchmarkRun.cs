using System.Diagnostics;
using System.Globalization;
using System.Text;
using Facilities.Api.Data;
using Facilities.Api.Features.Facilities;
using Facilities.Api.Web;
using Npgsql;

namespace Facilities.Bench.Nearby;

/// <summary>One benchmark run, from an empty server to the results table.</summary>
public sealed class BenchmarkRun(BenchmarkOptions options, string serverConnectionString)
{
    // The targets from the issue.
    private const double TargetRatio = 0.5;
    private const double TargetNearbyP99Ms = 10;
    private const double TargetClustersP99Ms = 100;
    private const double TargetPeakRssMiB = 300;

    /// <summary>
    /// A country-sized viewport (60° × 35°, from Iberia to the Volga) at zoom 5, where 12 synthetic cities and
    /// the noise between them fall into ~290 grid cells.
    /// </summary>
    private const int ClusterZoom = 5;
    private static readonly Bbox CountryViewport = new(-10, 35, 50, 70);

    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(1);

    /// <summary>What a closed-loop pgbench run drops from its start: its new backends' cold caches (Pgbench.RunAsync).</summary>
    private static readonly TimeSpan ColdStart = TimeSpan.FromSeconds(1);

    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly StringBuilder _report = new();
    private readonly List<string> _cpuLines = [];

    /// <summary>The scripts wrk and pgbench run, for a reader who wants to see exactly what is compared.</summary>
    public static string ScriptsText() =>
        $"-- nearby.lua\n{Wrk.NearbyScript()}\n-- fixed.lua\n{Wrk.FixedUrlScript()}\n" +
        $"-- nearby.pgbench\n{Pgbench.NearbyScript()}\n-- clusters.pgbench\n{Pgbench.ClustersScript(ClusterZoom, CountryViewport)}";

    public async Task<string> RunAsync(CancellationToken ct)
    {
        var connectionString = SyntheticFacilities.ConnectionString(serverConnectionString);
        var work = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "facilities-bench-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture)));
        try
        {
            Progress($"database {SyntheticFacilities.DatabaseName}: create if missing, migrate");
            await SyntheticFacilities.CreateDatabaseIfMissingAsync(serverConnectionString, ct);
            await Migrator.MigrateAsync(connectionString, ct);

            var builder = new NpgsqlDataSourceBuilder(connectionString);
            builder.UseNetTopologySuite();
            await using var db = builder.Build();

            await WriteHeaderAsync(db, ct);
            await EnsureDatasetAsync(db, connectionString, ct);
            await CheckFidelityAsync(db, ct);

            var scripts = WriteScripts(work.FullName);
            var apiDirectory = ApiHost.CopyBuildOutput(work.FullName, Warn);
            Progress($"starting the API ({options.Gc} GC)");
            await using var api = await ApiHost.StartAsync(apiDirectory, connectionString, options.Gc, options.ApiEnvironment, ct);
            Progress($"API healthy at {api.BaseAddress} (pid {api.ProcessId})");
            _report.AppendLine(CultureInfo.InvariantCulture,
                $"API: Release build as a separate process (dotnet Facilities.Api.dll), {options.Gc} GC{string.Concat(options.ApiEnvironment.Select(e => $", {e.Key}={e.Value}"))}, {options.Rounds} rounds of {options.Duration.TotalSeconds:0} s per load point, API and PostGIS alternating");
            _report.AppendLine();

            await WarmUpAsync(api, connectionString, scripts, work.FullName, ct);
            var bestApi = await NearbyAsync(db, api, connectionString, scripts, work.FullName, ct);
            await HalfPeakAsync(db, api, bestApi, connectionString, scripts, work.FullName, ct);
            await ClustersAsync(db, api, connectionString, scripts, work.FullName, ct);

            var peakMiB = (api.MemoryBytes("VmHWM") ?? 0) / 1048576.0;
            var now = (api.MemoryBytes("VmRSS") ?? 0) / 1048576.0;
            _report.AppendLine(CultureInfo.InvariantCulture,
                $"API peak RSS (VmHWM after all load): {peakMiB:0} MiB (now {now:0} MiB) — target ≤ {TargetPeakRssMiB:0} MiB: {Verdict(peakMiB <= TargetPeakRssMiB)}");
            _report.AppendLine();
            _report.AppendLine("Where the CPU went (CPU ms per request or transaction; other = rest of the machine, noise):");
            _report.AppendLine("  run                        |    /s    |   API | Postgres | load gen | other | machine idle");
            foreach (var line in _cpuLines)
            {
                _report.AppendLine(line);
            }
            _report.AppendLine(CultureInfo.InvariantCulture,
                $"  (API + Postgres + load gen per request bounds the rate: {Environment.ProcessorCount} cores = {Environment.ProcessorCount * 1000:N0} CPU ms per second. An \"other\" above");
            _report.AppendLine("   ~0.05 ms means something else ran on the machine during that point: rerun before reading much into it.)");
            Progress("done; stopping the API");
            return _report.ToString();
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

    private async Task WriteHeaderAsync(NpgsqlDataSource db, CancellationToken ct)
    {
        var cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown CPU";
        var memory = File.ReadLines("/proc/meminfo").FirstOrDefault(l => l.StartsWith("MemTotal:", StringComparison.Ordinal))?
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];
        var memoryGiB = memory is null ? double.NaN : long.Parse(memory, CultureInfo.InvariantCulture) / 1048576.0;

        await using var command = db.CreateCommand(
            "select split_part(version(), ' on ', 1), postgis_lib_version(), current_setting('shared_buffers'), current_setting('work_mem'), " +
            "current_setting('jit'), current_setting('effective_cache_size'), current_setting('random_page_cost'), current_setting('max_connections')");
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        _report.AppendLine(CultureInfo.InvariantCulture, $"Facilities benchmark, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
        _report.AppendLine(CultureInfo.InvariantCulture, $"Machine: nproc {Environment.ProcessorCount}, {cpu}, {memoryGiB:0.0} GiB RAM, .NET {Environment.Version}");
        _report.AppendLine(CultureInfo.InvariantCulture,
            $"Server: {reader.GetString(0)}, PostGIS {reader.GetString(1)}; shared_buffers={reader.GetString(2)} work_mem={reader.GetString(3)} " +
            $"jit={reader.GetString(4)} effective_cache_size={reader.GetString(5)} random_page_cost={reader.GetString(6)} max_connections={reader.GetString(7)}");
        Progress(_report.ToString().TrimEnd());
    }

    private async Task EnsureDatasetAsync(NpgsqlDataSource db, string connectionString, CancellationToken ct)
    {
        if (!options.Reload && await SyntheticFacilities.IsLoadedAsync(db, ct))
        {
            _report.AppendLine(CultureInfo.InvariantCulture, $"Dataset: {SyntheticFacilities.Rows:N0} synthetic facilities already loaded (--reload to load again)");
            return;
        }
        Progress($"loading {SyntheticFacilities.Rows:N0} synthetic facilities");
        var took = await SyntheticFacilities.LoadAsync(connectionString, Progress, ct);
        var line = string.Create(CultureInfo.InvariantCulture,
            $"Dataset: loaded {SyntheticFacilities.Rows:N0} synthetic facilities in {took.TotalSeconds:0.0} s ({SyntheticFacilities.Rows / took.TotalSeconds:N0} rows/s, COPY + indexes + grid + vacuum)");
        _report.AppendLine(line);
        Progress(line);
    }

    private async Task CheckFidelityAsync(NpgsqlDataSource db, CancellationToken ct)
    {
        var random = new Random(7);
        var drift = Pgbench.CheckBoxFormula(Enumerable.Range(0, 10_000).Select(_ => CityDistribution.QueryPoint(random)));
        if (drift > 1e-9)
        {
            Warn($"the pgbench script's search box differs from SearchArea.Around by up to {drift:G3}°: update Pgbench.cs");
        }
        Progress("running the real NearbyHandler in-process on 1,000 query points");
        var rounds = await NearbyRounds.MeasureAsync(db, 1000, 11, ct);
        _report.AppendLine(CultureInfo.InvariantCulture,
            $"Nearby work per request (real handler, {rounds.Points:N0} sample points): {rounds.AverageFeatures:0.0} facilities returned on average; " +
            $"{rounds.WiderRoundShare:P1} need a second, wider round trip (pgbench runs one statement per point)");
    }

    private sealed record Scripts(string NearbyLua, string FixedLua, string NearbyPgbench, string ClustersPgbench);

    private static Scripts WriteScripts(string directory)
    {
        string Write(string name, string text)
        {
            var path = Path.Combine(directory, name);
            File.WriteAllText(path, text);
            return path;
        }
        return new Scripts(
            Write("nearby.lua", Wrk.NearbyScript()),
            Write("fixed.lua", Wrk.FixedUrlScript()),
            Write("nearby.pgbench", Pgbench.NearbyScript()),
            Write("clusters.pgbench", Pgbench.ClustersScript(ClusterZoom, CountryViewport)));
    }

    private static Uri NearbyUrl(ApiHost api) => new(api.BaseAddress, "/api/v1/facilities/nearby");

    private static Uri ClustersUrl(ApiHost api) => new(api.BaseAddress, string.Create(CultureInfo.InvariantCulture,
        $"/api/v1/facilities/clusters?zoom={ClusterZoom}&bbox={CountryViewport.MinLon},{CountryViewport.MinLat},{CountryViewport.MaxLon},{CountryViewport.MaxLat}"));

    private async Task WarmUpAsync(ApiHost api, string connectionString, Scripts scripts, string work, CancellationToken ct)
    {
        // Long enough for tiered JIT to reach its optimised code and for both caches (PostgreSQL's buffers, the
        // API's prepared statements) to fill: some thousands of requests.
        Progress("warming up: API nearby 6 s, clusters 2 s; pgbench nearby 3 s, clusters 2 s");
        var nearby = await Wrk.RunAsync(NearbyUrl(api), scripts.NearbyLua, 8, TimeSpan.FromSeconds(6), null, ct);
        await Wrk.RunAsync(ClustersUrl(api), scripts.FixedLua, 2, TimeSpan.FromSeconds(2), null, ct);
        await Pgbench.RunAsync(connectionString, scripts.NearbyPgbench, 2, TimeSpan.FromSeconds(3), work, null, ct,
            sessionOptions: GenericPlanDataSource.SessionOptions);
        await Pgbench.RunAsync(connectionString, scripts.ClustersPgbench, 2, TimeSpan.FromSeconds(2), work, null, ct);
        Progress($"warm-up: {nearby.Completed:N0} nearby requests, {nearby.PerSecond:N0}/s");
        if (nearby.Failed > 0)
        {
            Warn($"{nearby.Failed} nearby requests failed during warm-up");
        }

        using var client = new HttpClient();
        var clusters = await client.GetStringAsync(ClustersUrl(api), ct);
        var count = clusters.Split("\"count\"").Length - 1;
        _report.AppendLine(CultureInfo.InvariantCulture,
            $"Clusters viewport: zoom {ClusterZoom}, bbox {CountryViewport.MinLon},{CountryViewport.MinLat},{CountryViewport.MaxLon},{CountryViewport.MaxLat}: {count} clusters, {clusters.Length / 1024.0:0} KiB per response");
    }

    /// <summary>
    /// One load point's rounds: the API's and PostGIS's results, round by round, each with the CPU it cost.
    /// </summary>
    private sealed record PointRounds(int C, List<(LoadResult Result, CpuSplit Cpu)> Api, List<(LoadResult Result, CpuSplit Cpu)> Db)
    {
        public LoadResult ApiMedian => LoadResult.Median(Api.Select(r => r.Result).ToList());

        public LoadResult DbMedian => LoadResult.Median(Db.Select(r => r.Result).ToList());
    }

    /// <summary>
    /// Every load point in rounds: round after round, each concurrency, the API then PostGIS. This machine's speed
    /// drifts by ±20 % over tens of seconds (from outside the VM: a slow spell shows as more CPU per request, not
    /// as other processes), so one long run per side would let a slow spell land on one side only; alternating short runs lets both sides see the same spells, and the
    /// medians over the rounds drop a spell that hit one round.
    /// </summary>
    private async Task<List<PointRounds>> RoundsAsync(string what, IReadOnlyList<int> concurrency, NpgsqlDataSource db, ApiHost api,
        Func<int, Action<int>, Task<LoadResult>> runApi, Func<int, Action<int>, Task<LoadResult>> runDb, CancellationToken ct)
    {
        var points = concurrency.Select(c => new PointRounds(c, [], [])).ToList();
        for (var round = 1; round <= options.Rounds; round++)
        {
            foreach (var point in points)
            {
                Progress($"{what}, round {round}/{options.Rounds}, {point.C} connections: wrk → API");
                var apiRun = await MeasureAsync(db, api, null, started => runApi(point.C, started), ct);
                point.Api.Add(apiRun);
                Progress($"  {Describe(apiRun.Result)}");
                Progress($"{what}, round {round}/{options.Rounds}, {point.C} clients: pgbench → PostGIS");
                var dbRun = await MeasureAsync(db, api, null, started => runDb(point.C, started), ct);
                point.Db.Add(dbRun);
                Progress($"  {Describe(dbRun.Result)}");
            }
        }
        foreach (var point in points)
        {
            Cpu($"{what} API, C={point.C}", point.Api);
            Cpu($"{what} PostGIS, C={point.C}", point.Db);
        }
        return points;
    }

    private void PointTable(string title, List<PointRounds> points)
    {
        _report.AppendLine();
        _report.AppendLine(CultureInfo.InvariantCulture, $"{title} (medians of {options.Rounds} rounds of {options.Duration.TotalSeconds:0} s)");
        _report.AppendLine("     C | API req/s | API p50 ms | API p99 ms | PostGIS q/s | PG p50 ms | PG p99 ms | API/PostGIS | API errors");
        foreach (var point in points)
        {
            var (a, d) = (point.ApiMedian, point.DbMedian);
            _report.AppendLine(CultureInfo.InvariantCulture,
                $"  {point.C,4} | {a.PerSecond,9:N0} | {a.P50Ms,10:0.00} | {a.P99Ms,10:0.00} | {d.PerSecond,11:N0} | {d.P50Ms,9:0.00} | {d.P99Ms,9:0.00} | {a.PerSecond / d.PerSecond,11:0.00} | {a.Failed,10}");
        }
    }

    /// <summary>The nearby matrix; returns the API's peak throughput (the median over rounds of each round's best).</summary>
    private async Task<double> NearbyAsync(NpgsqlDataSource db, ApiHost api, string connectionString, Scripts scripts, string work, CancellationToken ct)
    {
        var points = await RoundsAsync("nearby", options.Concurrency, db, api,
            (c, started) => Wrk.RunAsync(NearbyUrl(api), scripts.NearbyLua, c, options.Duration, started, ct),
            (c, started) => Pgbench.RunAsync(connectionString, scripts.NearbyPgbench, c, options.Duration + ColdStart, work, started, ct,
                skipStart: ColdStart, sessionOptions: GenericPlanDataSource.SessionOptions),
            ct);
        PointTable("Nearby (lat/lon from the city distribution, radius 1000 m, limit 10): API via wrk vs the handler's SQL via pgbench (prepared, generic plan as in the API's pool)", points);

        // Each round's best API rate against the same round's best PostGIS rate: the two sides of one ratio ran
        // within the same minute.
        var rounds = Enumerable.Range(0, options.Rounds).Select(r =>
        {
            var bestApi = points.MaxBy(p => p.Api[r].Result.PerSecond)!;
            var bestDb = points.MaxBy(p => p.Db[r].Result.PerSecond)!;
            return (Api: bestApi.Api[r].Result.PerSecond, ApiC: bestApi.C, Db: bestDb.Db[r].Result.PerSecond, DbC: bestDb.C);
        }).ToList();
        var ratios = rounds.Select(r => r.Api / r.Db).ToList();
        var ratio = LoadResult.Median(ratios);
        var peak = LoadResult.Median(rounds.Select(r => r.Api).ToList());
        var perRound = string.Join(", ", rounds.Select(r => string.Create(CultureInfo.InvariantCulture,
            $"{r.Api:N0} (C={r.ApiC}) ÷ {r.Db:N0} (C={r.DbC}) = {r.Api / r.Db:0.00}")));
        _report.AppendLine(CultureInfo.InvariantCulture,
            $"Target nearby throughput ≥ {TargetRatio} × PostGIS: each round's best API ÷ that round's best PostGIS: {perRound}; median {ratio:0.00}: {Verdict(ratio >= TargetRatio)}");
        return peak;
    }

    private async Task HalfPeakAsync(NpgsqlDataSource db, ApiHost api, double peak, string connectionString, Scripts scripts, string work,
        CancellationToken ct)
    {
        var rate = peak / 2;
        Progress($"nearby open-loop at {rate:N0} req/s: 2 s warm-up, then {options.Rounds} rounds of {options.Duration.TotalSeconds:0} s, each followed by PostGIS at the same rate");
        await OpenLoopLoad.RunAsync(api.BaseAddress, rate, TimeSpan.FromSeconds(2), 99, ct);

        // The same query straight to PostGIS at the same constant rate, over as many connections as the API's pool
        // uses: what the database alone does to the tail at this load on this machine (not a target).
        var poolSize = DatabaseRegistration.DefaultMaxPoolSize;
        var skipStart = TimeSpan.FromSeconds(3);
        var apiRuns = new List<(LoadResult Result, CpuSplit Cpu)>();
        var dbRuns = new List<(LoadResult Result, CpuSplit Cpu)>();
        var lags = new List<double>();
        for (var round = 1; round <= options.Rounds; round++)
        {
            Progress($"nearby open loop, round {round}/{options.Rounds}: generator → API at {rate:N0} req/s");
            OpenLoopResult? result = null;
            var (_, cpu) = await MeasureAsync(db, api, Environment.ProcessId, async _ =>
            {
                result = await OpenLoopLoad.RunAsync(api.BaseAddress, rate, options.Duration, 100 + round, ct);
                return result.Load;
            }, ct);
            apiRuns.Add((result!.Load, cpu));
            lags.Add(result.SendLagP99Ms);
            Progress($"  {Describe(result.Load)}");

            Progress($"nearby open loop, round {round}/{options.Rounds}: pgbench → PostGIS at {rate:N0} q/s, {poolSize} clients");
            var reference = await MeasureAsync(db, api, null, started =>
                Pgbench.RunAsync(connectionString, scripts.NearbyPgbench, poolSize, options.Duration + skipStart, work, started, ct, rate, skipStart,
                    GenericPlanDataSource.SessionOptions), ct);
            dbRuns.Add(reference);
            Progress($"  {Describe(reference.Result)}");
        }
        Cpu("nearby API, open loop", apiRuns);
        Cpu("nearby PostGIS, open loop", dbRuns);

        var apiMedian = LoadResult.Median(apiRuns.Select(r => r.Result).ToList());
        var dbMedian = LoadResult.Median(dbRuns.Select(r => r.Result).ToList());
        static string P99s(IEnumerable<(LoadResult Result, CpuSplit Cpu)> runs) =>
            string.Join(", ", runs.Select(r => string.Create(CultureInfo.InvariantCulture, $"{r.Result.P99Ms:0.0}")));
        _report.AppendLine(CultureInfo.InvariantCulture,
            $"Target nearby p99 ≤ {TargetNearbyP99Ms} ms at half the API's peak: open loop at {rate:N0} req/s (achieved {apiMedian.PerSecond:N0}/s, {apiMedian.Failed} errors): " +
            $"p50 {apiMedian.P50Ms:0.00} ms, p99 {apiMedian.P99Ms:0.00} ms (median of the rounds' p99s {P99s(apiRuns)} ms; generator send lag p99 {LoadResult.Median(lags):0.00} ms): {Verdict(apiMedian.P99Ms <= TargetNearbyP99Ms)}");
        _report.AppendLine(CultureInfo.InvariantCulture,
            $"  Reference: the handler's SQL straight to PostGIS at the same rate after each API round (pgbench -R {rate:0}, {poolSize} clients, latency from the scheduled start, first {skipStart.TotalSeconds:0} s dropped): " +
            $"p50 {dbMedian.P50Ms:0.00} ms, p99 {dbMedian.P99Ms:0.00} ms (rounds {P99s(dbRuns)} ms)");
    }

    private async Task ClustersAsync(NpgsqlDataSource db, ApiHost api, string connectionString, Scripts scripts, string work, CancellationToken ct)
    {
        var points = await RoundsAsync("clusters", options.ClusterConcurrency, db, api,
            (c, started) => Wrk.RunAsync(ClustersUrl(api), scripts.FixedLua, c, options.Duration, started, ct),
            (c, started) => Pgbench.RunAsync(connectionString, scripts.ClustersPgbench, c, options.Duration + ColdStart, work, started, ct, skipStart: ColdStart),
            ct);
        PointTable("Clusters (precomputed grid) for the country viewport: API via wrk vs ClustersHandler.PrecomputedSql via pgbench", points);
        // Every round counts here, not the median: the target is a ceiling on the tail.
        var worst = points.SelectMany(p => p.Api.Select(r => (p.C, r.Result.P99Ms))).MaxBy(r => r.P99Ms);
        _report.AppendLine(CultureInfo.InvariantCulture,
            $"Target clusters p99 ≤ {TargetClustersP99Ms} ms: worst API p99 of any round {worst.P99Ms:0.00} ms (C={worst.C}): {Verdict(worst.P99Ms <= TargetClustersP99Ms)}");
        _report.AppendLine();
    }

    /// <summary>Runs one load with the CPU meter around it; a short pause first lets the previous run's tail drain.</summary>
    private static async Task<(LoadResult Result, CpuSplit Cpu)> MeasureAsync(
        NpgsqlDataSource db, ApiHost api, int? loadGeneratorPid, Func<Action<int>, Task<LoadResult>> run, CancellationToken ct)
    {
        await Task.Delay(Settle, ct);
        await using var meter = await CpuMeter.StartAsync(db, api.ProcessId, loadGeneratorPid, ct);
        var result = await run(meter.TrackLoadGenerator);
        return (result, await meter.StopAsync());
    }

    /// <summary>A CPU line for a load point: all its rounds' CPU over all their requests.</summary>
    private void Cpu(string label, IReadOnlyList<(LoadResult Result, CpuSplit Cpu)> runs)
    {
        var completed = runs.Sum(r => r.Result.Completed);
        var perSecond = LoadResult.Median(runs.Select(r => r.Result.PerSecond).ToList());
        double PerRequest(Func<CpuSplit, double> seconds) => runs.Sum(r => seconds(r.Cpu)) * 1000 / completed;
        var idle = runs.Average(r => r.Cpu.IdleShare);
        _cpuLines.Add(string.Create(CultureInfo.InvariantCulture,
            $"  {label,-26} | {perSecond,8:N0} | {PerRequest(c => c.ApiSeconds),5:0.000} | {PerRequest(c => c.PostgresSeconds),8:0.000} | {PerRequest(c => c.LoadGeneratorSeconds),8:0.000} | {PerRequest(c => c.OtherSeconds),5:0.000} | {idle,7:P0}"));
    }

    private static string Describe(LoadResult r) => string.Create(CultureInfo.InvariantCulture,
        $"{r.PerSecond:N0}/s, p50 {r.P50Ms:0.00} ms, p99 {r.P99Ms:0.00} ms, {r.Completed:N0} done, {r.Failed} failed");

    private static string Verdict(bool met) => met ? "PASS" : "MISS";

    private void Progress(string message) =>
        Console.Error.WriteLine($"[{_clock.Elapsed:mm\\:ss}] {message}");

    private void Warn(string message) => Progress("WARNING: " + message);
}
