using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Facilities.Api.Data;
using Facilities.Api.Features.Imports;
using Facilities.Bench.Nearby;
using Facilities.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Facilities.Bench.Import;

/// <summary>
/// <c>bench.sh import</c> (bench.sh runs each mode in its own process, so peak memory is the mode's own):
/// <list type="bullet">
/// <item>throughput: a 100,000-row CSV (half of it within 20 m of existing toilets, half new) imported and conflated
/// against the synthetic layer of 1,000,000 facilities; target 30 s. Prints rows/s, phases and peak RSS.</item>
/// <item>memory: a 1,000,000-row CSV, dry run (all the work, rolled back) against the same layer; target peak RSS
/// 500 MB.</item>
/// <item>rerun: the throughput import run by the API as a process of its own, then again on a fresh copy with the
/// API killed -9 late in the write phase and started again: how long the re-run takes and where that time goes (the
/// wait for the dead process's lease, the killed transaction's backend, the phases of the re-run, dead tuples).</item>
/// <item>quality: all 22,513 rows of the national toilet map and a noisy community copy (ConflationQuality.Realistic);
/// targets precision 0.995, recall 0.98, next-door facilities wrongly merged 5 %, duplicates left 0.5 %.</item>
/// </list>
/// Each throughput or memory run works on a fresh copy of the layer (<see cref="SyntheticFacilities"/>), so runs are
/// repeatable and the layer stays as the other benchmarks read it.
/// </summary>
public static class ImportBenchmark
{
    public const string Usage = "Usage: bench.sh import [throughput|memory|quality|rerun [rows]] [--read-interval-ms N]   (no mode: the first three, each in its own process;\n" +
        "       reads every N ms while throughput and memory import, default 200, 0 for none)\n";

    public static async Task<int> RunAsync(string[] args)
    {
        // --read-interval-ms N: the pause between two rounds of reads while throughput and memory import (0: no reads).
        // A round every 200 ms probes whether the import holds readers up; a round every 20 ms (150 requests/s) was a
        // load of its own, which on 2 cores took as much CPU as the import and doubled its time.
        var readIntervalMs = 200;
        var at = Array.IndexOf(args, "--read-interval-ms");
        if (at >= 0 && at + 1 < args.Length)
        {
            readIntervalMs = int.Parse(args[at + 1], CultureInfo.InvariantCulture);
            args = [.. args[..at], .. args[(at + 2)..]];
        }
        var mode = args.Length > 0 ? args[0] : "throughput";
        var rows = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : mode == "memory" ? 1_000_000 : 100_000;
        if (mode is not ("throughput" or "memory" or "quality" or "rerun"))
        {
            await Console.Error.WriteLineAsync(Usage);
            return 2;
        }
        if (await BenchmarkEnvironment.ServerOrExplainAsync(Usage) is not { } server)
        {
            return 2;
        }
        const string LayerDb = SyntheticFacilities.DatabaseName;
        const int LayerRows = SyntheticFacilities.Rows;

        string Db(string name) => new NpgsqlConnectionStringBuilder(server) { Database = name, CommandTimeout = 0 }.ConnectionString;
        async Task Admin(string sql)
        {
            NpgsqlConnection.ClearAllPools();
            await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(server) { Database = "postgres", Pooling = false }.ConnectionString);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
            await command.ExecuteNonQueryAsync();
        }
        async Task<object?> Scalar(string connectionString, string sql)
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
            return await command.ExecuteScalarAsync();
        }

        long PeakRssBytes()
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
            {
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                {
                    return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
                }
            }
            return Process.GetCurrentProcess().PeakWorkingSet64;
        }

        async Task<(double Seconds, JsonNode Report, CpuSplit Cpu)> ImportAsync(string database, string csvPath, bool dryRun, Guid datasetId, bool probeReads)
        {
            // The service itself (any type of its assembly names it), so the import runs with the same wiring (its
            // closure proposals are commands) and through the runner's own claim: queued, woken, awaited.
            await using var app = new WebApplicationFactory<ImportRunner>().WithWebHostBuilder(builder =>
            {
                builder.UseEnvironment("Benchmark");
                // The factory guesses the content root from the solution folder and the assembly name (./Facilities.Api),
                // which is not where the project lives.
                builder.UseContentRoot(Path.Combine(RepositoryPaths.Root, "src", "Facilities.Api"));
                builder.UseSetting("ConnectionStrings:Facilities", Db(database));
                builder.UseSetting("Facilities:SeedDirectory", "");
                // The reads below would log a line each; their slowest answers are printed instead.
                builder.UseSetting("Logging:LogLevel:Facilities.Requests", "Warning");
            });
            var runner = app.Services.GetRequiredService<ImportRunner>();
            var dataSource = new NpgsqlDataSourceBuilder(Db(database)).Build();
            var importId = Guid.CreateVersion7();
            await using (var command = dataSource.CreateCommand(
                $"insert into imports (id, dataset_id, partner_id, dry_run, format, file_name, file_path, file_bytes) " +
                $"select '{importId}', id, partner_id, {dryRun}, 'csv', 'bench.csv', '{csvPath}', {new FileInfo(csvPath).Length} from datasets where id = '{datasetId}'"))
            {
                await command.ExecuteNonQueryAsync();
            }
            // Reads go on while the import runs, as residents' would: the slowest answer of each says whether the
            // import holds them up (a lock, a starved thread pool, an exhausted pool) beyond what the CPU it takes explains.
            // The quality mode starts from an empty layer and probes nothing: it measures matches, not latency.
            double lon = 0, lat = 0;
            await using (var one = dataSource.CreateCommand("select ST_X(geom), ST_Y(geom) from facilities order by id limit 1"))
            await using (var reader = await one.ExecuteReaderAsync())
            {
                if (probeReads && await reader.ReadAsync())
                {
                    (lon, lat) = (reader.GetDouble(0), reader.GetDouble(1));
                }
                else
                {
                    probeReads = false;
                }
            }
            var box = string.Create(CultureInfo.InvariantCulture, $"{lon - 0.02:F5},{lat - 0.02:F5},{lon + 0.02:F5},{lat + 0.02:F5}");
            string[] probes = ["/healthz", $"/api/v1/facilities?bbox={box}&limit=100", $"/api/v1/facilities/clusters?bbox={box}&zoom=14"];
            var worst = new double[probes.Length];
            var failures = 0;
            using var probing = new CancellationTokenSource();
            using var client = app.CreateClient();
            // Once before the import: the first answers of a fresh process are compiled and open connections.
            foreach (var probe in probes)
            {
                using var warm = await client.GetAsync(probe);
            }
            var rounds = 0;
            var prober = Task.Run(async () =>
            {
                while (probeReads && !probing.IsCancellationRequested)
                {
                    for (var i = 0; i < probes.Length; i++)
                    {
                        var started = Stopwatch.GetTimestamp();
                        using var response = await client.GetAsync(probes[i], CancellationToken.None);
                        failures += response.IsSuccessStatusCode ? 0 : 1;
                        worst[i] = Math.Max(worst[i], Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                    }
                    rounds++;
                    await Task.Delay(readIntervalMs, CancellationToken.None);
                }
            });
            // CPU seconds by who spent them: on a machine shared with other work the wall time says more about the
            // others than about the import, the import's own CPU far less.
            await using var meter = await CpuMeter.StartAsync(dataSource, Environment.ProcessId, null, CancellationToken.None);
            var stopwatch = Stopwatch.StartNew();
            runner.Wake();
            await using (var state = dataSource.CreateCommand($"select state from imports where id = '{importId}'"))
            {
                while ((string?)await state.ExecuteScalarAsync() is "queued" or "running")
                {
                    await Task.Delay(50);
                }
            }
            var seconds = stopwatch.Elapsed.TotalSeconds;
            var cpu = await meter.StopAsync();
            await probing.CancelAsync();
            await prober;
            if (probeReads)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  slowest read during the import: health {worst[0]:F0} ms, bbox {worst[1]:F0} ms, clusters {worst[2]:F0} ms ({rounds} rounds every {readIntervalMs} ms, {failures} failed)"));
            }
            await using var read = dataSource.CreateCommand($"select jsonb_build_object('state', state, 'error', error, 'report', report)::text from imports where id = '{importId}'");
            var report = JsonNode.Parse((string)(await read.ExecuteScalarAsync())!)!;
            await dataSource.DisposeAsync();
            return (seconds, report, cpu);
        }

        async Task<Guid> DatasetAsync(string database, string name, string kind, string mapping, int matchDistanceM = 50)
        {
            var id = Guid.CreateVersion7();
            await Scalar(Db(database),
                $"with p as (insert into partners (id, name) values (gen_random_uuid(), '{name}') returning id) " +
                $"insert into datasets (id, partner_id, kind, name, license, attribution, category, crs, mapping, match_distance_m) " +
                $"select '{id}', id, '{kind}', '{name}', 'CC-BY-4.0', '{name}', 'toilet', 'EPSG:4326', '{mapping}'::jsonb, {matchDistanceM} from p");
            return id;
        }

        // Half the rows sit 0–20 m from an existing toilet (they merge), half 300 m+ away from a city centre's toilets in
        // open space (they create), east of it across the antimeridian if need be.
        async Task<string> WriteCsvAsync()
        {
            // Per process: /tmp is shared, and another run of the benchmark deletes its own file when it ends.
            var csv = Path.Combine(Path.GetTempPath(), $"bench-import-{rows}-{Environment.ProcessId}.csv");
            Console.Error.WriteLine($"writing {rows:N0} rows to {csv}...");
            var anchors = new List<(double Lon, double Lat)>();
            await using (var dataSource = new NpgsqlDataSourceBuilder(Db(LayerDb)).Build())
            await using (var command = dataSource.CreateCommand(
                $"select ST_X(geom), ST_Y(geom) from facilities where category = 'toilet' order by id limit {Math.Min(rows, 400_000)}"))
            await using (var reader = await command.ExecuteReaderAsync())
            {
                while (await reader.ReadAsync())
                {
                    anchors.Add((reader.GetDouble(0), reader.GetDouble(1)));
                }
            }
            var random = new Random(7);
            await using (var writer = new StreamWriter(csv, false, new UTF8Encoding(false)))
            {
                await writer.WriteLineAsync("id,lon,lat,name,wheelchair");
                for (var i = 0; i < rows; i++)
                {
                    var anchor = anchors[i % anchors.Count];
                    var near = i % 2 == 0;
                    var (lon, lat) = near
                        ? (anchor.Lon + (random.NextDouble() - 0.5) * 0.0003, anchor.Lat + (random.NextDouble() - 0.5) * 0.0002)
                        : (CityDistribution.WrapLon(anchor.Lon + 0.5 + random.NextDouble() * 0.3), anchor.Lat + random.NextDouble() * 0.2);
                    await writer.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                        $"b{i},{lon:F7},{lat:F7},Facility {i},{(i % 3 == 0 ? "yes" : "no")}"));
                }
            }
            return csv;
        }

        string Cpu(CpuSplit cpu) => string.Create(CultureInfo.InvariantCulture,
            $"CPU during the import: this process (the API and its reads) {cpu.ApiSeconds:F1} s, PostgreSQL's backends {cpu.PostgresSeconds:F1} s; " +
            $"the machine busy {cpu.MachineBusySeconds:F0} of {cpu.MachineCapacitySeconds:F0} CPU-seconds, {cpu.OtherSeconds:F0} of them other work");

        string Phases(JsonNode report) => string.Join(", ", report["report"]!["phases_ms"]!.AsObject().Select(p => $"{p.Key} {p.Value}"));

        const string BenchMapping = """{"id": "id", "lon": "lon", "lat": "lat", "name": "name", "wheelchair": "wheelchair"}""";

        switch (mode)
        {
            case "throughput" or "memory":
                {
                    await SyntheticFacilities.EnsureLoadedAsync(server, Console.Error.WriteLine, CancellationToken.None);
                    var csv = await WriteCsvAsync();
                    var dryRun = mode == "memory";
                    const string database = LayerDb + "_import";
                    Console.Error.WriteLine($"copying the layer to {database}...");
                    await Admin($"drop database if exists {database} with (force)");
                    await Admin($"create database {database} template {LayerDb}");
                    var dataset = await DatasetAsync(database, "Bench partner", "official", BenchMapping);
                    Console.Error.WriteLine($"importing ({(dryRun ? "dry run" : "committed")})...");
                    var (seconds, report, cpu) = await ImportAsync(database, csv, dryRun, dataset, probeReads: readIntervalMs > 0);
                    var r = report["report"]!;
                    var peak = PeakRssBytes() / 1024.0 / 1024.0;
                    Console.WriteLine($"mode {mode}: {rows:N0} rows against {LayerRows:N0} facilities, {(dryRun ? "dry run" : "committed")}");
                    Console.WriteLine($"  state {report["state"]} {report["error"]}");
                    Console.WriteLine($"  created {r["created"]}, merged {r["merged"]}, needing review {r["needing_review"]}, rejected {r["rejected_count"]}");
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  time {seconds:F1} s, {rows / seconds:N0} rows/s, peak RSS {peak:F0} MB"));
                    Console.WriteLine($"  phases (ms): {Phases(report)}");
                    Console.WriteLine($"  {Cpu(cpu)}");
                    Console.WriteLine(mode == "throughput"
                        ? $"  target <= 30 s: {(seconds <= 30 ? "PASS" : "MISS")}"
                        : $"  target peak RSS <= 500 MB: {(peak <= 500 ? "PASS" : "MISS")}");
                    await Admin($"drop database if exists {database} with (force)");
                    File.Delete(csv);
                    break;
                }
            case "rerun":
                {
                    await SyntheticFacilities.EnsureLoadedAsync(server, Console.Error.WriteLine, CancellationToken.None);
                    var csv = await WriteCsvAsync();
                    var work = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), $"facilities-bench-rerun-{Environment.ProcessId}"));
                    var apiDirectory = ApiHost.CopyBuildOutput(work.FullName, w => Console.Error.WriteLine("warning: " + w));
                    const string database = LayerDb + "_rerun";
                    // The API's own settings but for a quick poll, so that the time to the claim is the lease's, not the poll's.
                    var environment = new Dictionary<string, string> { ["Facilities__Imports__PollSeconds"] = "0.2" };

                    async Task<(Guid Dataset, Guid Import)> FreshCopyWithImportAsync()
                    {
                        Console.Error.WriteLine($"copying the layer to {database}...");
                        await Admin($"drop database if exists {database} with (force)");
                        await Admin($"create database {database} template {LayerDb}");
                        var dataset = await DatasetAsync(database, "Bench partner", "official", BenchMapping);
                        var import = Guid.CreateVersion7();
                        // The runner deletes an import's file when the import ends.
                        var upload = Path.Combine(work.FullName, $"{import}.csv");
                        File.Copy(csv, upload);
                        await Scalar(Db(database),
                            $"insert into imports (id, dataset_id, partner_id, dry_run, format, file_name, file_path, file_bytes) " +
                            $"select '{import}', id, partner_id, false, 'csv', 'bench.csv', '{upload}', {new FileInfo(upload).Length} from datasets where id = '{dataset}'");
                        return (dataset, import);
                    }
                    async Task<string> StateAsync(Guid import) => (string)(await Scalar(Db(database), $"select state from imports where id = '{import}'"))!;
                    async Task<double> UntilEndedAsync(Guid import)
                    {
                        var watch = Stopwatch.StartNew();
                        while (await StateAsync(import) is "queued" or "running")
                        {
                            await Task.Delay(50);
                        }
                        return watch.Elapsed.TotalSeconds;
                    }
                    async Task<JsonNode> ReportAsync(Guid import) => JsonNode.Parse((string)(await Scalar(Db(database),
                        $"select jsonb_build_object('state', state, 'attempts', attempts, 'interruptions', interruptions, 'report', report)::text from imports where id = '{import}'"))!)!;
                    async Task<string> DeadTuplesAsync() => (string)(await Scalar(Db(database),
                        "select coalesce(string_agg(relname || ' ' || n_dead_tup, ', ' order by n_dead_tup desc), 'none') from " +
                        "(select relname, n_dead_tup from pg_stat_user_tables where n_dead_tup > 1000 order by n_dead_tup desc limit 6) t"))!;
                    async Task<long> ImportBackendsAsync() => (long)(await Scalar(Db("postgres"),
                        $"select count(*) from pg_stat_activity where datname = '{database}' and application_name = 'facilities-imports' and state <> 'idle'"))!;

                    Console.Error.WriteLine("uninterrupted import...");
                    var (_, first) = await FreshCopyWithImportAsync();
                    double uninterrupted;
                    JsonNode whole;
                    await using (var api = await ApiHost.StartAsync(apiDirectory, Db(database), GcMode.Server, environment, CancellationToken.None))
                    {
                        uninterrupted = await UntilEndedAsync(first);
                        whole = await ReportAsync(first);
                    }
                    var phases = whole["report"]!["phases_ms"]!.AsObject().ToDictionary(p => p.Key, p => (long)p.Value!);
                    var writeStartsMs = phases.TakeWhile(p => p.Key != "write").Sum(p => p.Value);
                    // The import's own clock starts after reading the upload; the claim-to-end time covers it.
                    var beforeApplyMs = uninterrupted * 1000 - phases.Values.Sum();
                    var killAtMs = beforeApplyMs + writeStartsMs + 0.8 * phases.GetValueOrDefault("write");
                    Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"uninterrupted: {uninterrupted:F1} s; phases (ms): {Phases(whole)}"));

                    Console.Error.WriteLine($"import killed -9 after {killAtMs / 1000:F1} s (80 % into its write phase), then the API started again...");
                    var (_, second) = await FreshCopyWithImportAsync();
                    string stateAtKill;
                    await using (var api = await ApiHost.StartAsync(apiDirectory, Db(database), GcMode.Server, environment, CancellationToken.None))
                    {
                        while (await StateAsync(second) == "queued")
                        {
                            await Task.Delay(20);
                        }
                        await Task.Delay(TimeSpan.FromMilliseconds(Math.Max(0, killAtMs)));
                        stateAtKill = await StateAsync(second);
                    }
                    var killed = Stopwatch.StartNew();
                    // The killed client's backend goes on with its statement until it next writes to the socket.
                    while (await ImportBackendsAsync() > 0 && killed.Elapsed < TimeSpan.FromMinutes(5))
                    {
                        await Task.Delay(50);
                    }
                    var backendGone = killed.Elapsed.TotalSeconds;
                    await Task.Delay(1000);
                    var dead = await DeadTuplesAsync();
                    double restartToEnd, restartToClaim;
                    JsonNode rerun;
                    var restarted = Stopwatch.StartNew();
                    await using (var api = await ApiHost.StartAsync(apiDirectory, Db(database), GcMode.Server, environment, CancellationToken.None))
                    {
                        var up = restarted.Elapsed.TotalSeconds;
                        while ((int)(await Scalar(Db(database), $"select attempts from imports where id = '{second}'"))! < 2)
                        {
                            await Task.Delay(50);
                        }
                        restartToClaim = restarted.Elapsed.TotalSeconds;
                        await UntilEndedAsync(second);
                        restartToEnd = restarted.Elapsed.TotalSeconds;
                        rerun = await ReportAsync(second);
                        Console.WriteLine($"mode rerun: {rows:N0} rows against {LayerRows:N0} facilities, committed, the API a process of its own");
                        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                            $"  uninterrupted: {uninterrupted:F1} s from queued to succeeded; phases (ms): {Phases(whole)}"));
                        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                            $"  killed -9 at {killAtMs / 1000:F1} s ({stateAtKill}); its backend ended {backendGone:F1} s later; dead tuples then: {dead}"));
                        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                            $"  restarted: healthy after {up:F1} s, claimed after {restartToClaim:F1} s, {rerun["state"]} after {restartToEnd:F1} s " +
                            $"(the re-run itself {restartToEnd - restartToClaim:F1} s); attempts {rerun["attempts"]}"));
                        Console.WriteLine($"  re-run phases (ms): {Phases(rerun)}");
                    }
                    Console.WriteLine($"  dead tuples after the re-run: {await DeadTuplesAsync()}");
                    await Admin($"drop database if exists {database} with (force)");
                    File.Delete(csv);
                    work.Delete(recursive: true);
                    break;
                }
            case "quality":
                {
                    const string database = "facilities_quality_bench";
                    await Admin($"drop database if exists {database} with (force)");
                    await Admin($"create database {database}");
                    await Migrator.MigrateAsync(Db(database));
                    var mapping = """{"id": "FacilityID", "lat": "Latitude", "lon": "Longitude", "wheelchair": {"column": "Accessible", "values": {"TRUE": "yes", "FALSE": "no"}}}""";
                    var official = await DatasetAsync(database, "NPTM", "official", mapping);
                    // The copy's positions are off by up to 60 m, so its dataset says so, as a partner would.
                    var community = await DatasetAsync(database, "Community copy", "osm", mapping, matchDistanceM: 75);
                    var officialCsv = ConflationQuality.Official(null);
                    var noisy = ConflationQuality.Realistic(officialCsv);
                    var officialPath = Path.GetTempFileName();
                    var communityPath = Path.GetTempFileName();
                    await File.WriteAllTextAsync(officialPath, officialCsv);
                    await File.WriteAllTextAsync(communityPath, noisy.Csv);
                    var (s1, _, _) = await ImportAsync(database, officialPath, false, official, probeReads: false);
                    // How often the real map itself has a toilet next door: the official toilets whose nearest other one
                    // stands under 15 m or 15–40 m away (the copy adds a new one 15–40 m from 10 % of them).
                    string nextDoorInTheMap;
                    await using (var neighbours = new NpgsqlConnection(Db(database)))
                    {
                        await neighbours.OpenAsync();
                        await using var command = new NpgsqlCommand(
                            "select count(*) filter (where d < 15), count(*) filter (where d >= 15 and d <= 40), count(*) from (" +
                            "  select (select ST_Distance(f.geom::geography, g.geom::geography) from facilities g where g.id <> f.id " +
                            "          order by g.geom <-> f.geom limit 1) as d from facilities f) x", neighbours)
                        { CommandTimeout = 0 };
                        await using var reader = await command.ExecuteReaderAsync();
                        await reader.ReadAsync();
                        var all = reader.GetInt64(2);
                        nextDoorInTheMap = string.Create(CultureInfo.InvariantCulture,
                            $"  the official map's own next-door toilets: nearest other official toilet under 15 m for {reader.GetInt64(0):N0} ({(double)reader.GetInt64(0) / all:P1}), 15-40 m for {reader.GetInt64(1):N0} ({(double)reader.GetInt64(1) / all:P1}) of {all:N0}");
                    }
                    var (s2, report, _) = await ImportAsync(database, communityPath, false, community, probeReads: false);
                    await using var dataSource = new NpgsqlDataSourceBuilder(Db(database)).Build();
                    var f = await ConflationQuality.MeasureAsync(dataSource, official, community, noisy.Copies, noisy.NextDoor);
                    string Mark(bool pass) => pass ? "PASS" : "MISS";
                    var nextDoorShare = (double)f.NextDoorMerged / noisy.NextDoor;
                    var duplicateShare = (double)f.DuplicatesLeft / noisy.Copies;
                    Console.WriteLine("mode quality: Australia's National Public Toilet Map (22,513 rows) + a noisy community copy (ConflationQuality.Realistic)");
                    Console.WriteLine($"  copies {f.Copies:N0}, next door {noisy.NextDoor:N0}, rows repeated {noisy.RepeatedRows:N0} (rejected {report["report"]!["rejected_count"]})");
                    Console.WriteLine(nextDoorInTheMap);
                    Console.WriteLine($"  merged {f.Merged:N0}, correct {f.Correct:N0}, wrong {f.WrongMerges:N0}, in review {f.InReview:N0}");
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"  precision {f.Precision:F4} (target 0.995: {Mark(f.Precision >= 0.995)}), recall {f.Recall:F4} (target 0.98: {Mark(f.Recall >= 0.98)})"));
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"  next door wrongly merged {f.NextDoorMerged:N0} = {nextDoorShare:P1} (target 5 %: {Mark(nextDoorShare <= 0.05)}), " +
                        $"duplicates left {f.DuplicatesLeft:N0} = {duplicateShare:P2} of the copies (target 0.5 %: {Mark(duplicateShare <= 0.005)})"));
                    Console.WriteLine("  merges by distance to the facility merged into (correct / copy into another facility / next door):");
                    foreach (var band in await ConflationQuality.MergeBandsAsync(dataSource, official, community))
                    {
                        var label = band.FromM >= 70 ? $"{band.FromM}+ m" : $"{band.FromM}-{band.FromM + 10} m";
                        Console.WriteLine($"    {label,-9} {band.Correct,6:N0} / {band.WrongCopy,4:N0} / {band.NextDoor,4:N0}");
                    }
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  official import {s1:F1} s, community import {s2:F1} s; phases (ms): {Phases(report)}"));
                    await dataSource.DisposeAsync();
                    await Admin($"drop database if exists {database} with (force)");
                    File.Delete(officialPath);
                    File.Delete(communityPath);
                    break;
                }
        }
        return 0;
    }
}
