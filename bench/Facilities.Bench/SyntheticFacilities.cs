using System.Diagnostics;
using Facilities.Api.Data;
using NetTopologySuite.Geometries;
using Npgsql;
using NpgsqlTypes;

namespace Facilities.Bench;

/// <summary>
/// The benchmarks' one synthetic layer: a million facilities around 200 cities (<see cref="CityDistribution"/>), in
/// the database facilities_bench, made once and read by every benchmark (the import benchmark works on copies).
/// Deterministic: the same seed gives the same rows, so figures from different runs measure the same data.
/// </summary>
public static class SyntheticFacilities
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

    /// <summary>The database created if missing, migrated and loaded if it does not hold the layer; its connection string.</summary>
    public static async Task<string> EnsureLoadedAsync(string serverConnectionString, Action<string> progress, CancellationToken ct)
    {
        var connectionString = ConnectionString(serverConnectionString);
        await CreateDatabaseIfMissingAsync(serverConnectionString, ct);
        await Migrator.MigrateAsync(connectionString, ct);
        await using (var db = NpgsqlDataSource.Create(connectionString))
        {
            if (await IsLoadedAsync(db, ct))
            {
                return connectionString;
            }
        }
        progress($"loading {Rows:N0} synthetic facilities into {DatabaseName} (once)");
        var took = await LoadAsync(connectionString, progress, ct);
        progress($"loaded in {took.TotalSeconds:0} s");
        return connectionString;
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
    /// The load runs synchronously, on a thread of its own and a connection of its own that no async call ever
    /// touched. The nearby benchmark runs socket completions on the event thread (NearbyCommand), so an async COPY's
    /// continuations run on that thread: on a fresh machine the COPY stopped after 120,000–340,000 rows (the backend
    /// waiting for data, nothing in the socket's send queue, the process idle) until Npgsql's write timeout, and ran
    /// through with that setting off. Why exactly was not traced; anything that blocks the event thread stops every
    /// socket of the process. A socket only ever used synchronously blocks in the kernel and needs no event thread.
    /// </summary>
    public static Task<TimeSpan> LoadAsync(string connectionString, Action<string> progress, CancellationToken ct) =>
        Task.Factory.StartNew(() => Load(connectionString, progress, ct), ct, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private static TimeSpan Load(string connectionString, Action<string> progress, CancellationToken ct)
    {
        var stopwatch = Stopwatch.StartNew();
        var builder = new NpgsqlDataSourceBuilder(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        builder.UseNetTopologySuite();
        using var source = builder.Build();
        using (var connection = source.OpenConnection())
        {
            using var transaction = connection.BeginTransaction();
            Execute(connection, "set local maintenance_work_mem = '512MB'", ct);
            Execute(connection, "truncate facilities, cluster_cells cascade", ct);
            // The trigger would update 13 grid rows per inserted facility; rebuild_cluster_cells does it in one pass.
            Execute(connection, "alter table facilities disable trigger facilities_cluster_cells", ct);

            // Secondary indexes are dropped and recreated from their own definitions (pg_get_indexdef), so the schema
            // stays exactly what the migrations made, and the GiST index gets PostGIS's sorted bulk build.
            var indexes = new List<(string Name, string Definition)>();
            using (var command = new NpgsqlCommand(
                "select indexrelid::regclass::text, pg_get_indexdef(indexrelid) from pg_index i " +
                "where indrelid = 'facilities'::regclass and not exists (select 1 from pg_constraint c where c.conindid = i.indexrelid)",
                connection))
            using (var reader = command.ExecuteReader())
            {
                while (reader.Read())
                {
                    indexes.Add((reader.GetString(0), reader.GetString(1)));
                }
            }
            foreach (var (name, _) in indexes)
            {
                Execute(connection, $"drop index {name}", ct);
            }

            progress($"copying {Rows:N0} rows");
            var copyTime = Stopwatch.StartNew();
            CopyRows(connection, ct);
            progress($"copied in {copyTime.Elapsed.TotalSeconds:0.0} s ({Rows / copyTime.Elapsed.TotalSeconds:N0} rows/s); building indexes");
            foreach (var (_, definition) in indexes)
            {
                Execute(connection, definition, ct);
            }
            progress("rebuilding the cluster grid");
            Execute(connection, "select rebuild_cluster_cells()", ct);
            Execute(connection, "alter table facilities enable trigger facilities_cluster_cells", ct);
            transaction.Commit();

            progress("vacuum analyze");
            Execute(connection, "vacuum analyze facilities, cluster_cells", ct);
        }
        return stopwatch.Elapsed;
    }

    private static void CopyRows(NpgsqlConnection connection, CancellationToken ct)
    {
        var random = new Random(Seed);
        var totalWeight = Categories.Sum(c => c.Weight);
        using var writer = connection.BeginBinaryImport(
            "copy facilities (id, category, geom, status, access, wheelchair, fee, opening_hours) from stdin (format binary)");
        var idBytes = new byte[16];
        for (var i = 0; i < Rows; i++)
        {
            if (i % 10_000 == 0)
            {
                // Leaving without Complete rolls the COPY back.
                ct.ThrowIfCancellationRequested();
            }
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

            writer.StartRow();
            writer.Write(new Guid(idBytes), NpgsqlDbType.Uuid);
            writer.Write(category, NpgsqlDbType.Text);
            writer.Write(new Point(lon, lat) { SRID = 4326 }, NpgsqlDbType.Geometry);
            writer.Write("open", NpgsqlDbType.Text);
            writer.Write("public", NpgsqlDbType.Text);
            writer.Write(Wheelchair[random.Next(Wheelchair.Length)], NpgsqlDbType.Text);
            switch (random.Next(3))
            {
                case 0:
                    writer.WriteNull();
                    break;
                case var fee:
                    writer.Write(fee == 1, NpgsqlDbType.Boolean);
                    break;
            }
            if (OpeningHours[random.Next(OpeningHours.Length)] is { } hours)
            {
                writer.Write(hours, NpgsqlDbType.Text);
            }
            else
            {
                writer.WriteNull();
            }
        }
        writer.Complete();
    }

    /// <summary>Runs one statement without a time limit (index builds take tens of seconds); Ctrl-C cancels it.</summary>
    private static void Execute(NpgsqlConnection connection, string sql, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
        using var cancel = ct.Register(command.Cancel);
        command.ExecuteNonQuery();
    }
}
