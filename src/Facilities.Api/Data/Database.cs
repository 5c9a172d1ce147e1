using Npgsql;

namespace Facilities.Api.Data;

public static class DatabaseRegistration
{
    /// <summary>
    /// The process's pooled data sources, each with the NetTopologySuite plugin so PostGIS geometries map to NTS
    /// types. Statements used more than twice are prepared automatically, which is what lets the hot queries
    /// (nearby, clusters) run at close to the speed of pgbench's prepared statements. Three pools: the writers'
    /// (the plain <see cref="NpgsqlDataSource"/>), the readers' and <see cref="GenericPlanDataSource"/>, which serves
    /// the statements whose plan never depends on their parameters.
    /// </summary>
    /// <remarks>
    /// The plain <see cref="NpgsqlDataSource"/> is the writers' pool. A write may wait for the change-feed lock
    /// while a partner's import holds it, and waits holding its connection: that pool is larger than the CPU
    /// would want (<see cref="WritersMaxPoolSize"/>), its sessions give up a lock wait after
    /// <c>Facilities:LockTimeoutSeconds</c> (a 503 with Retry-After, not a request hanging until its command timeout),
    /// and the short reads that must keep answering during an import (a facility, a box, clusters, OGC features,
    /// health) take their connections from the readers' pool, keyed <see cref="Readers"/>, which no waiting writer
    /// can drain. Whole-layer exports, which hold a connection for as long as they stream, stay on the larger
    /// writers' pool.
    /// </remarks>
    public static IServiceCollection AddFacilitiesDatabase(this IServiceCollection services, IConfiguration configuration)
    {
        var lockTimeout = TimeSpan.FromSeconds(configuration.GetValue("Facilities:LockTimeoutSeconds", DefaultLockTimeoutSeconds));
        services.AddSingleton(_ => Build(ConnectionString(configuration),
            sessionOptions: $"-c lock_timeout={(int)lockTimeout.TotalMilliseconds}", WritersMaxPoolSize, "facilities-writers"));
        services.AddKeyedSingleton(Readers, (_, _) => Build(ConnectionString(configuration), sessionOptions: null, DefaultMaxPoolSize, "facilities-readers"));
        services.AddSingleton(_ => new GenericPlanDataSource(Build(ConnectionString(configuration), GenericPlanDataSource.SessionOptions,
            DefaultMaxPoolSize, "facilities-nearby")));
        // Reads on standbys (Data/ReadSource.cs): a multi-host connection string (Target Session Attributes=prefer-standby,
        // Load Balance Hosts=true) or a load balancer's read port; without one, the standby pools are the primary's.
        var standby = configuration.GetConnectionString(StandbyConnectionName);
        services.AddKeyedSingleton(StandbyReaders, (services, _) => string.IsNullOrEmpty(standby)
            ? services.GetRequiredKeyedService<NpgsqlDataSource>(Readers)
            : Build(standby, sessionOptions: null, DefaultMaxPoolSize, "facilities-readers-standby"));
        services.AddKeyedSingleton(StandbyReaders, (services, _) => string.IsNullOrEmpty(standby)
            ? services.GetRequiredService<GenericPlanDataSource>()
            : new GenericPlanDataSource(Build(standby, GenericPlanDataSource.SessionOptions, DefaultMaxPoolSize, "facilities-nearby-standby")));
        services.AddHttpContextAccessor();
        services.AddSingleton<StandbyLag>();
        services.AddHostedService(services => services.GetRequiredService<StandbyLag>());
        services.AddScoped<ReadSource>();
        services.AddScoped<UnitOfWork>();
        return services;
    }

    /// <summary>The service key of the standby pools (readers' and nearby's); the primary's when no standby is configured.</summary>
    public const string StandbyReaders = "standby-readers";

    /// <summary>The connection string naming the standbys: <c>ConnectionStrings:FacilitiesReads</c>.</summary>
    public const string StandbyConnectionName = "FacilitiesReads";

    /// <summary>The service key of the readers' pool: <c>[FromKeyedServices(DatabaseRegistration.Readers)] NpgsqlDataSource</c>.</summary>
    public const string Readers = "readers";

    /// <summary>How long a write waits for a lock (the change feed's, while an import holds it) before it is refused.</summary>
    public const double DefaultLockTimeoutSeconds = 5;

    /// <summary>Every pool of the process, for clearing them all when PostgreSQL restarts under them.</summary>
    public static IEnumerable<NpgsqlDataSource> AllPools(IServiceProvider services) => new[]
    {
        services.GetRequiredService<NpgsqlDataSource>(),
        services.GetRequiredKeyedService<NpgsqlDataSource>(Readers),
        services.GetRequiredService<GenericPlanDataSource>().DataSource,
        services.GetRequiredKeyedService<NpgsqlDataSource>(StandbyReaders),
        services.GetRequiredKeyedService<GenericPlanDataSource>(StandbyReaders).DataSource,
    }.Distinct();

    private static NpgsqlDataSource Build(string connectionString, string? sessionOptions, int maxPoolSize, string applicationName)
    {
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        if (builder.ConnectionStringBuilder.MaxAutoPrepare == 0)
        {
            builder.ConnectionStringBuilder.MaxAutoPrepare = 64;
            builder.ConnectionStringBuilder.AutoPrepareMinUsages = 2;
        }
        builder.ConnectionStringBuilder.NoResetOnClose = true;
        // PostgreSQL runs one process per connection: more connections than cores only queue the work inside
        // the database, where it also competes with the API for the same cores. Measured on 2 cores under
        // open-loop load at half the peak rate (bench.sh): the default pool of 100 let p99 reach 10.4 ms, four
        // connections kept it at 4.6 ms with the same throughput. A connection string that sets its own
        // Maximum Pool Size keeps it.
        if (!connectionString.Contains("Maximum Pool Size", StringComparison.OrdinalIgnoreCase)
            && !connectionString.Contains("Max Pool Size", StringComparison.OrdinalIgnoreCase))
        {
            builder.ConnectionStringBuilder.MaxPoolSize = maxPoolSize;
        }
        // Names the pool in pg_stat_activity, where a stalled or waiting session is looked for.
        builder.ConnectionStringBuilder.ApplicationName ??= applicationName;
        if (sessionOptions is not null)
        {
            builder.ConnectionStringBuilder.Options = $"{builder.ConnectionStringBuilder.Options} {sessionOptions}".Trim();
        }
        builder.UseNetTopologySuite();
        return builder.Build();
    }

    /// <summary>The pool size when the connection string sets none: twice the cores, at least four.</summary>
    public static int DefaultMaxPoolSize => Math.Max(4, 2 * Environment.ProcessorCount);

    /// <summary>
    /// The writers' pool: four times the readers'. A writer waiting for a lock holds a PostgreSQL backend that uses no
    /// CPU, so the room is for waiting, not for running more at once; beyond it a write waits for a connection and
    /// is refused with a 503 like one that waited out the lock.
    /// </summary>
    public static int WritersMaxPoolSize => 4 * DefaultMaxPoolSize;

    public static string ConnectionString(IConfiguration configuration) =>
        configuration.GetConnectionString("Facilities")
        ?? throw new InvalidOperationException(
            "No database configured: set ConnectionStrings__Facilities (./run.sh and ./test.sh do this for you).");
}

/// <summary>
/// A pool whose sessions run prepared statements with PostgreSQL's generic plan, planned once per connection
/// instead of at every execution. Left to itself PostgreSQL re-plans the nearby query on every call: its generic
/// plan, costed without the box and the limit, looks dearer than the custom ones, yet it is the same GiST KNN scan.
/// Planning that query costs about 0.1 ms (PostGIS estimates the box's selectivity from the column's statistics
/// each time), as much as running it; with the generic plan pgbench serves it ~40 % faster (bench.sh).
/// Only for statements with one right plan whatever their parameters (a nearest-neighbour scan on the GiST
/// index): a query whose best plan depends on its values (a big box or a small one, a rare category or a common
/// one) belongs on the ordinary <see cref="NpgsqlDataSource"/>.
/// </summary>
public sealed record GenericPlanDataSource(NpgsqlDataSource DataSource)
{
    /// <summary>The session setting, as libpq's PGOPTIONS would pass it (the benchmark gives pgbench the same).</summary>
    public const string SessionOptions = "-c plan_cache_mode=force_generic_plan";
}
