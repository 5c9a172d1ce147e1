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

    /// <summary>
    /// This process's working folder: uploads as they arrive, and the copy of an upload an import reads. With
    /// <see cref="Storage"/> "directory", also where uploads wait for whichever replica claims them: then it must be
    /// one folder every replica mounts at the same path.
    /// </summary>
    public string Directory { get; set; } = Path.Combine(Path.GetTempPath(), "facilities-imports");

    /// <summary>Where an upload waits for its import: "database" (chunks in import_uploads) or "directory" (<see cref="Directory"/>).</summary>
    public string Storage { get; set; } = DatabaseStorage;

    public const string DatabaseStorage = "database";
    public const string DirectoryStorage = "directory";

    /// <summary>How long a claim on an import holds without renewal: a replica that dies loses its imports after this.</summary>
    public double LeaseSeconds { get; set; } = 30;

    /// <summary>How often the holder renews its lease; a third of the lease unless set.</summary>
    public double? HeartbeatSeconds { get; set; }

    /// <summary>How often a replica looks for imports to claim (an upload it receives itself is claimed at once).</summary>
    public double PollSeconds { get; set; } = 2;
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
        // The import's own connection, its lease's heartbeat, and the claim and finish around them.
        builder.ConnectionStringBuilder.MaxPoolSize = 3;
        builder.ConnectionStringBuilder.CommandTimeout = 0;
        builder.ConnectionStringBuilder.ApplicationName = "facilities-imports";
        // The closure proposals an import opens (SourceClosures) are written through the proposals' own code, which
        // passes their position as a NetTopologySuite point.
        builder.UseNetTopologySuite();
        return new ImportDatabase(builder.Build());
    }

    public void Dispose() => DataSource.Dispose();
}
