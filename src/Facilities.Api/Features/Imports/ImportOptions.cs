using Npgsql;

namespace Facilities.Api.Features.Imports;

/// <summary>Limits and places for imports (configuration section Facilities:Imports).</summary>
public sealed class ImportOptions
{
    /// <summary>The largest upload accepted; more is a 413. 512 MB holds a few million CSV rows.</summary>
    public long MaxFileBytes { get; set; } = 512L << 20;

    /// <summary>The most a zipped Shapefile may inflate to.</summary>
    public long MaxUnpackedBytes { get; set; } = 2L << 30;

    /// <summary>
    /// How many uploads one partner may have in progress at once; one more is a 429 with Retry-After. Each holds a
    /// socket and a file for as long as the client takes to send, so one partner's slow links cannot pile up.
    /// </summary>
    public int MaxConcurrentUploadsPerPartner { get; set; } = 2;

    /// <summary>Where uploads wait for the runner.</summary>
    public string Directory { get; set; } = Path.Combine(Path.GetTempPath(), "facilities-imports");
}

/// <summary>
/// The connections imports use: a data source of their own, apart from the API's pool (capped at 2 × cores), so a
/// long import holds its connection without taking one from the readers, and without the API's statement timeout.
/// </summary>
public sealed class ImportDatabase(NpgsqlDataSource dataSource) : IDisposable
{
    public NpgsqlDataSource DataSource { get; } = dataSource;

    public static ImportDatabase Create(string connectionString)
    {
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        builder.ConnectionStringBuilder.MaxPoolSize = 2;
        builder.ConnectionStringBuilder.CommandTimeout = 0;
        builder.ConnectionStringBuilder.ApplicationName = "facilities-imports";
        // The closure proposals an import opens (SourceClosures) are written through the proposals' own code, which
        // passes their position as a NetTopologySuite point.
        builder.UseNetTopologySuite();
        return new ImportDatabase(builder.Build());
    }

    public void Dispose() => DataSource.Dispose();
}
