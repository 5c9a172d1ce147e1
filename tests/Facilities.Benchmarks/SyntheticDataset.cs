using System.Diagnostics;
using NetTopologySuite.Geometries;
using Npgsql;
using NpgsqlTypes;

namespace Facilities.Benchmarks;

/// <summary>The benchmark database: created on the server if missing, migrated, and filled with a million facilities.</summary>
public static class SyntheticDataset
{
    public const string DatabaseName = "facilities_bench";
    public const int Rows = 1_000_000;
    private const int Seed = 20_251_124;

    // Weights in percent; toilets dominate as they do in real data.
    private static readonly (string Category, int Weight)[] Categories =
        [("toilet", 45), ("drinking_water", 20), ("bench", 20), ("aed", 10), ("shower", 5)];

    private static readonly string[] Wheelchair = ["yes", "limited", "no", "unknown"];

    // A weekday rule besides 24/7 so that open_now, which the API evaluates for every row it returns, parses
    // something real; null (unknown hours) for half of them.
    private static readonly string?[] OpeningHours = ["24/7", "24/7", "24/7", "Mo-Fr 08:00-20:00; Sa 09:00-14:00", "Mo-Fr 08:00-20:00; Sa 09:00-14:00", null, null, null, null, null];

    /// <summary>The connection string of the benchmark database on the server <paramref name="serverConnectionString"/> names.</summary>
    public static string ConnectionString(string serverConnectionString) =>
        new NpgsqlConnectionStringBuilder(serverConnectionString) { Database = DatabaseName }.ConnectionString;

    public static async Task CreateDatabaseIfMissingAsync(string serverConnectionString, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(serverConnectionString);
        await connection.OpenAsync(ct);
        await using var exists = new NpgsqlCommand("select 1 from pg_database where datname = $1", connection);
        exists.Parameters.AddWithValue(DatabaseName);
        if (await exists.ExecuteScalarAsync(ct) is null)
        {
            await using var create = new NpgsqlCommand($"create database {DatabaseName}", connection);
            await create.ExecuteNonQueryAsync(ct);
        }
    }

    /// <summary>True when the table holds exactly the benchmark's row count and the cluster grid was built.</summary>
    public static async Task<bool> IsLoadedAsync(NpgsqlDataSource db, CancellationToken ct)
    {
        await using var command = db.CreateCommand(
            "select (select count(*) from facilities), exists (select 1 from cluster_cells), " +
            "(select tgenabled <> 'D' from pg_trigger where tgname = 'facilities_cluster_cells')");
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return reader.GetInt64(0) == Rows && reader.GetBoolean(1) && reader.GetBoolean(2);
    }

    /// <summary>
    /// Replaces the facilities with <see cref="Rows"/> synthetic ones in one transaction, so an interrupted load
    /// leaves the previous state. Returns the time the whole load took, vacuum included.
    /// </summary>
    public static async Task<TimeSpan> LoadAsync(NpgsqlDataSource db, Action<string> progress, CancellationToken ct)
    {
        var stopwatch = Stopwatch.StartNew();
        await using (var connection = await db.OpenConnectionAsync(ct))
        {
            await using var transaction = await connection.BeginTransactionAsync(ct);
            await ExecuteAsync(connection, "set local maintenance_work_mem = '512MB'", ct);
            await ExecuteAsync(connection, "truncate facilities, cluster_cells cascade", ct);
            // The trigger would update 13 grid rows per inserted facility; rebuild_cluster_cells does it in one pass.
            await ExecuteAsync(connection, "alter table facilities disable trigger facilities_cluster_cells", ct);

            // Secondary indexes are dropped and recreated from their own definitions (pg_get_indexdef), so the schema
            // stays exactly what the migrations made, and the GiST index gets PostGIS's sorted bulk build.
            var indexes = new List<(string Name, string Definition)>();
            await using (var command = new NpgsqlCommand(
                "select indexrelid::regclass::text, pg_get_indexdef(indexrelid) from pg_index i " +
                "where indrelid = 'facilities'::regclass and not exists (select 1 from pg_constraint c where c.conindid = i.indexrelid)",
                connection))
            await using (var reader = await command.ExecuteReaderAsync(ct))
            {
                while (await reader.ReadAsync(ct))
                {
                    indexes.Add((reader.GetString(0), reader.GetString(1)));
                }
            }
            foreach (var (name, _) in indexes)
            {
                await ExecuteAsync(connection, $"drop index {name}", ct);
            }

            progress($"copying {Rows:N0} rows");
            var copyTime = Stopwatch.StartNew();
            await CopyRowsAsync(connection, ct);
            progress($"copied in {copyTime.Elapsed.TotalSeconds:0.0} s ({Rows / copyTime.Elapsed.TotalSeconds:N0} rows/s); building indexes");
            foreach (var (_, definition) in indexes)
            {
                await ExecuteAsync(connection, definition, ct);
            }
            progress("rebuilding the cluster grid");
            await ExecuteAsync(connection, "select rebuild_cluster_cells()", ct);
            await ExecuteAsync(connection, "alter table facilities enable trigger facilities_cluster_cells", ct);
            await transaction.CommitAsync(ct);
        }
        progress("vacuum analyze");
        await using (var connection = await db.OpenConnectionAsync(ct))
        {
            await ExecuteAsync(connection, "vacuum analyze facilities, cluster_cells", ct);
        }
        return stopwatch.Elapsed;
    }

    private static async Task CopyRowsAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        var random = new Random(Seed);
        var totalWeight = Categories.Sum(c => c.Weight);
        await using var writer = await connection.BeginBinaryImportAsync(
            "copy facilities (id, category, geom, status, access, wheelchair, fee, opening_hours) from stdin (format binary)", ct);
        var idBytes = new byte[16];
        for (var i = 0; i < Rows; i++)
        {
            var (lon, lat) = CityDistribution.FacilityPoint(random);
            var pick = random.Next(totalWeight);
            var category = Categories[0].Category;
            foreach (var (name, weight) in Categories)
            {
                if (pick < weight)
                {
                    category = name;
                    break;
                }
                pick -= weight;
            }
            random.NextBytes(idBytes);
            // Version 4 UUID bits, so the ids look like the ones the service makes.
            idBytes[7] = (byte)((idBytes[7] & 0x0F) | 0x40);
            idBytes[8] = (byte)((idBytes[8] & 0x3F) | 0x80);

            await writer.StartRowAsync(ct);
            await writer.WriteAsync(new Guid(idBytes), NpgsqlDbType.Uuid, ct);
            await writer.WriteAsync(category, NpgsqlDbType.Text, ct);
            await writer.WriteAsync(new Point(lon, lat) { SRID = 4326 }, NpgsqlDbType.Geometry, ct);
            await writer.WriteAsync("open", NpgsqlDbType.Text, ct);
            await writer.WriteAsync("public", NpgsqlDbType.Text, ct);
            await writer.WriteAsync(Wheelchair[random.Next(Wheelchair.Length)], NpgsqlDbType.Text, ct);
            switch (random.Next(3))
            {
                case 0:
                    await writer.WriteNullAsync(ct);
                    break;
                case var fee:
                    await writer.WriteAsync(fee == 1, NpgsqlDbType.Boolean, ct);
                    break;
            }
            if (OpeningHours[random.Next(OpeningHours.Length)] is { } hours)
            {
                await writer.WriteAsync(hours, NpgsqlDbType.Text, ct);
            }
            else
            {
                await writer.WriteNullAsync(ct);
            }
        }
        await writer.CompleteAsync(ct);
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
        await command.ExecuteNonQueryAsync(ct);
    }
}
