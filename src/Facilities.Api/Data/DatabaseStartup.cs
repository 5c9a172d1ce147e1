namespace Facilities.Api.Data;

public static class DatabaseStartup
{
    /// <summary>
    /// Before the first request: migrate the schema (Facilities:MigrateOnStartup, on by default) and load the demo
    /// data on the first start when Facilities:SeedDirectory names it.
    /// </summary>
    public static async Task PrepareDatabaseAsync(this IServiceProvider services, CancellationToken cancellationToken = default)
    {
        var configuration = services.GetRequiredService<IConfiguration>();
        if (configuration.GetValue("Facilities:MigrateOnStartup", true))
        {
            await Migrator.MigrateAsync(DatabaseRegistration.ConnectionString(configuration), cancellationToken);
        }
        if (configuration["Facilities:SeedDirectory"] is { Length: > 0 } seedDirectory)
        {
            await services.GetRequiredService<SeedLoader>().LoadIfNeverLoadedAsync(seedDirectory, cancellationToken);
        }
    }
}
