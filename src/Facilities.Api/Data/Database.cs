using Npgsql;

namespace Facilities.Api.Data;

public static class DatabaseRegistration
{
    /// <summary>
    /// One pooled <see cref="NpgsqlDataSource"/> for the whole process, with the NetTopologySuite plugin so PostGIS
    /// geometries map to NTS types. Statements used more than twice are prepared automatically, which is what lets
    /// the hot queries (nearby, clusters) run at close to the speed of pgbench's prepared statements. A second pool,
    /// <see cref="GenericPlanDataSource"/>, serves the statements whose plan never depends on their parameters.
    /// </summary>
    public static IServiceCollection AddFacilitiesDatabase(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(_ => Build(ConnectionString(configuration), sessionOptions: null));
        services.AddSingleton(_ => new GenericPlanDataSource(Build(ConnectionString(configuration), GenericPlanDataSource.SessionOptions)));
        return services;
    }

    private static NpgsqlDataSource Build(string connectionString, string? sessionOptions)
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
            builder.ConnectionStringBuilder.MaxPoolSize = DefaultMaxPoolSize;
        }
        if (sessionOptions is not null)
        {
            builder.ConnectionStringBuilder.Options = $"{builder.ConnectionStringBuilder.Options} {sessionOptions}".Trim();
        }
        builder.UseNetTopologySuite();
        return builder.Build();
    }

    /// <summary>The pool size when the connection string sets none: twice the cores, at least four.</summary>
    public static int DefaultMaxPoolSize => Math.Max(4, 2 * Environment.ProcessorCount);

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
