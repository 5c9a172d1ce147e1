using Npgsql;

namespace Facilities.Api.Data;

public static class DatabaseRegistration
{
    /// <summary>
    /// One pooled <see cref="NpgsqlDataSource"/> for the whole process, with the NetTopologySuite plugin so PostGIS
    /// geometries map to NTS types. Statements used more than twice are prepared automatically, which is what lets
    /// the hot queries (nearby, clusters) run at close to the speed of pgbench's prepared statements.
    /// </summary>
    public static IServiceCollection AddFacilitiesDatabase(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(_ =>
        {
            var connectionString = ConnectionString(configuration);
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
            builder.UseNetTopologySuite();
            return builder.Build();
        });
        return services;
    }

    /// <summary>The pool size when the connection string sets none: twice the cores, at least four.</summary>
    public static int DefaultMaxPoolSize => Math.Max(4, 2 * Environment.ProcessorCount);

    public static string ConnectionString(IConfiguration configuration) =>
        configuration.GetConnectionString("Facilities")
        ?? throw new InvalidOperationException(
            "No database configured: set ConnectionStrings__Facilities (./run.sh and ./test.sh do this for you).");
}
