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
            var builder = new NpgsqlDataSourceBuilder(ConnectionString(configuration));
            if (builder.ConnectionStringBuilder.MaxAutoPrepare == 0)
            {
                builder.ConnectionStringBuilder.MaxAutoPrepare = 64;
                builder.ConnectionStringBuilder.AutoPrepareMinUsages = 2;
            }
            builder.ConnectionStringBuilder.NoResetOnClose = true;
            builder.UseNetTopologySuite();
            return builder.Build();
        });
        return services;
    }

    public static string ConnectionString(IConfiguration configuration) =>
        configuration.GetConnectionString("Facilities")
        ?? throw new InvalidOperationException(
            "No database configured: set ConnectionStrings__Facilities (./run.sh and ./test.sh do this for you).");
}
