using System.Diagnostics;
using System.Globalization;
using Npgsql;

namespace Facilities.Bench.Nearby;

/// <summary>CPU seconds spent during one load run, by who spent them.</summary>
public sealed record CpuSplit(double ApiSeconds, double PostgresSeconds, double LoadGeneratorSeconds, double MachineBusySeconds, double MachineCapacitySeconds)
{
    /// <summary>Busy CPU time not accounted for by the three above: other processes on the machine (noise).</summary>
    public double OtherSeconds => Math.Max(0, MachineBusySeconds - ApiSeconds - PostgresSeconds - LoadGeneratorSeconds);

    public double IdleShare => MachineCapacitySeconds <= 0 ? 0 : 1 - MachineBusySeconds / MachineCapacitySeconds;
}

/// <summary>
/// Samples /proc while a load runs: the API process, the PostgreSQL backends connected to the benchmark database
/// (from pg_stat_activity), the load generator, and the machine as a whole. A process first seen after the start
/// (a pgbench backend, a new pooled connection) is counted from its birth. A backend's last tenth of a second
/// before it exits is lost: under 1 % of a 15 s run.
/// </summary>
public sealed class CpuMeter : IAsyncDisposable
{
    // USER_HZ: the unit of /proc/<pid>/stat times; 100 on every Linux architecture .NET runs on.
    private const double TicksPerSecond = 100;

    private readonly NpgsqlDataSource _db;
    private readonly int? _apiPid;
    private readonly Dictionary<int, (long First, long Last)> _api = [];
    private readonly Dictionary<int, (long First, long Last)> _postgres = [];
    private readonly Dictionary<int, (long First, long Last)> _loadGenerator = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Stopwatch _elapsed = Stopwatch.StartNew();
    private readonly (long Busy, long Total) _machineAtStart = MachineTicks();
    private HashSet<int> _backends = [];
    private Task _sampling = Task.CompletedTask;

    private CpuMeter(NpgsqlDataSource db, int? apiPid)
    {
        _db = db;
        _apiPid = apiPid;
    }

    public static async Task<CpuMeter> StartAsync(NpgsqlDataSource db, int? apiPid, int? loadGeneratorPid, CancellationToken ct)
    {
        var meter = new CpuMeter(db, apiPid);
        meter._backends = await BackendsAsync(db, ct);
        foreach (var pid in meter._backends)
        {
            Observe(meter._postgres, pid, fromBirth: false);
        }
        if (apiPid is { } api)
        {
            Observe(meter._api, api, fromBirth: false);
        }
        if (loadGeneratorPid is { } own)
        {
            Observe(meter._loadGenerator, own, fromBirth: false);
        }
        meter._sampling = meter.SampleAsync();
        return meter;
    }

    /// <summary>A load generator process started after the meter: counted from its birth.</summary>
    public void TrackLoadGenerator(int pid)
    {
        lock (_loadGenerator)
        {
            Observe(_loadGenerator, pid, fromBirth: true);
        }
    }

    public async Task<CpuSplit> StopAsync()
    {
        await _stop.CancelAsync();
        await _sampling;
        SampleProcesses();
        var machine = MachineTicks();
        return new CpuSplit(
            Sum(_api), Sum(_postgres), Sum(_loadGenerator),
            (machine.Busy - _machineAtStart.Busy) / TicksPerSecond,
            _elapsed.Elapsed.TotalSeconds * Environment.ProcessorCount);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _sampling;
        }
        catch (OperationCanceledException)
        {
        }
        _stop.Dispose();
    }

    private async Task SampleAsync()
    {
        var round = 0;
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(100, _stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            // New backends appear when pgbench connects or the API's pool grows; look for them every half second.
            if (++round % 5 == 1)
            {
                try
                {
                    foreach (var pid in await BackendsAsync(_db, _stop.Token))
                    {
                        if (_backends.Add(pid))
                        {
                            Observe(_postgres, pid, fromBirth: true);
                        }
                    }
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
            SampleProcesses();
        }
    }

    private void SampleProcesses()
    {
        if (_apiPid is { } api)
        {
            Observe(_api, api, fromBirth: false);
        }
        foreach (var pid in _postgres.Keys.ToList())
        {
            Observe(_postgres, pid, fromBirth: true);
        }
        lock (_loadGenerator)
        {
            foreach (var pid in _loadGenerator.Keys.ToList())
            {
                Observe(_loadGenerator, pid, fromBirth: true);
            }
        }
    }

    private static void Observe(Dictionary<int, (long First, long Last)> seen, int pid, bool fromBirth)
    {
        if (ProcessTicks(pid) is not { } ticks)
        {
            return;
        }
        seen[pid] = seen.TryGetValue(pid, out var known) ? (known.First, ticks) : (fromBirth ? 0 : ticks, ticks);
    }

    private static double Sum(Dictionary<int, (long First, long Last)> seen) =>
        seen.Values.Sum(v => v.Last - v.First) / TicksPerSecond;

    private static async Task<HashSet<int>> BackendsAsync(NpgsqlDataSource db, CancellationToken ct)
    {
        await using var command = db.CreateCommand(
            "select pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()");
        await using var reader = await command.ExecuteReaderAsync(ct);
        var pids = new HashSet<int>();
        while (await reader.ReadAsync(ct))
        {
            pids.Add(reader.GetInt32(0));
        }
        return pids;
    }

    /// <summary>utime + stime of a process, or null once it has gone.</summary>
    public static long? ProcessTicks(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            // The command name (field 2) is in parentheses and may hold spaces: count fields after the last ')'.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static (long Busy, long Total) MachineTicks()
    {
        // First line of /proc/stat: cpu user nice system idle iowait irq softirq steal ...
        var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries)[1..]
            .Take(8).Select(f => long.Parse(f, CultureInfo.InvariantCulture)).ToArray();
        var total = fields.Sum();
        return (total - fields[3] - fields[4], total);
    }
}
