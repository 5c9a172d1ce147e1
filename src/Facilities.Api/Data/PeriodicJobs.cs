using Npgsql;

namespace Facilities.Api.Data;

/// <summary>A job that one replica runs every <see cref="Interval"/> (registered with <c>AddPeriodicJob</c>).</summary>
public interface IPeriodicJob
{
    /// <summary>Its name in periodic_jobs and in the logs.</summary>
    string Name { get; }

    TimeSpan Interval { get; }

    /// <summary>The work, in a scope of its own; it opens its own connections or commands.</summary>
    Task RunAsync(IServiceProvider services, CancellationToken ct);
}

/// <summary>
/// Runs the periodic jobs, each by one replica at a time and once per interval across all of them. Every replica
/// checks every <c>Facilities:Jobs:CheckSeconds</c> (a minute): in a transaction it tries the job's advisory lock
/// (another replica running the job holds it, and this one moves on without waiting), reads when the job last ran,
/// and when it is due runs it and records the run before committing. A failed run or a replica killed mid-run
/// records nothing, so the job is due again at the next check, on whichever replica comes first.
/// </summary>
public sealed class PeriodicJobs(IEnumerable<IPeriodicJob> jobs, NpgsqlDataSource dataSource, IServiceScopeFactory scopes,
    IConfiguration configuration, TimeProvider clock, ILogger<PeriodicJobs> logger) : BackgroundService
{
    private const int AdvisoryLockClass = 0x4A4F42; // "JOB": the first key of pg_try_advisory_xact_lock(int, int)

    private readonly IPeriodicJob[] _jobs = jobs.ToArray();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(configuration.GetValue("Facilities:Jobs:CheckSeconds", 60.0)), clock);
        do
        {
            await RunDueAsync(stoppingToken);
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>Runs every job that is due and that no other replica is running; answers the names of those it ran.</summary>
    public async Task<IReadOnlyList<string>> RunDueAsync(CancellationToken ct)
    {
        var ran = new List<string>();
        foreach (var job in _jobs)
        {
            try
            {
                if (await RunIfDueAsync(job, ct))
                {
                    ran.Add(job.Name);
                }
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException)
            {
                logger.LogWarning(e, "The periodic job {Job} failed; it is due again at the next check", job.Name);
            }
        }
        return ran;
    }

    private async Task<bool> RunIfDueAsync(IPeriodicJob job, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await using (var lockJob = new NpgsqlCommand("select pg_try_advisory_xact_lock($1, hashtext($2))", connection, transaction))
        {
            lockJob.Parameters.AddWithValue(AdvisoryLockClass);
            lockJob.Parameters.AddWithValue(job.Name);
            if (await lockJob.ExecuteScalarAsync(ct) is not true)
            {
                return false;
            }
        }
        // The lock is taken before the row is read, so the row read is the last committed run.
        await using (var known = new NpgsqlCommand(
            "insert into periodic_jobs (name, last_run_at) values ($1, '-infinity') on conflict (name) do nothing", connection, transaction))
        {
            known.Parameters.AddWithValue(job.Name);
            await known.ExecuteNonQueryAsync(ct);
        }
        await using (var due = new NpgsqlCommand(
            "select last_run_at <= now() - make_interval(secs => $2) from periodic_jobs where name = $1", connection, transaction))
        {
            due.Parameters.AddWithValue(job.Name);
            due.Parameters.AddWithValue(job.Interval.TotalSeconds);
            if (await due.ExecuteScalarAsync(ct) is not true)
            {
                return false;
            }
        }
        await using (var scope = scopes.CreateAsyncScope())
        {
            await job.RunAsync(scope.ServiceProvider, ct);
        }
        await using (var record = new NpgsqlCommand(
            "update periodic_jobs set last_run_at = now(), runs = runs + 1, run_by = $2 where name = $1", connection, transaction))
        {
            record.Parameters.AddWithValue(job.Name);
            record.Parameters.AddWithValue(Environment.MachineName + ":" + Environment.ProcessId);
            await record.ExecuteNonQueryAsync(ct);
        }
        await transaction.CommitAsync(ct);
        return true;
    }
}

public static class PeriodicJobsRegistration
{
    public static IServiceCollection AddPeriodicJob<TJob>(this IServiceCollection services) where TJob : class, IPeriodicJob
    {
        services.AddSingleton<IPeriodicJob, TJob>();
        if (!services.Any(s => s.ServiceType == typeof(PeriodicJobs)))
        {
            services.AddSingleton<PeriodicJobs>();
            services.AddHostedService(s => s.GetRequiredService<PeriodicJobs>());
        }
        return services;
    }
}
