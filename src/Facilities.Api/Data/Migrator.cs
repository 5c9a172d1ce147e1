using System.Reflection;
using Npgsql;

namespace Facilities.Api.Data;

/// <summary>
/// Applies the SQL files in Data/Migrations (embedded in the assembly) in name order, each once, each in its own
/// transaction, recorded in schema_migrations, then loads the offline gazetteer (<see cref="Places"/>). An advisory
/// lock keeps two starting processes from racing.
/// </summary>
public static class Migrator
{
    private const long MigrationLockKey = 0x46_61_63_69_6C; // "Facil"

    public static async Task MigrateAsync(string connectionString, CancellationToken cancellationToken = default)
    {
        // A plain connection, not the application's data source: that one must first open after PostGIS exists,
        // because Npgsql learns the geometry type's OID when a data source opens its first connection.
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await Execute(connection, null, $"select pg_advisory_lock({MigrationLockKey})", cancellationToken);
        try
        {
            await Execute(connection, null,
                "create table if not exists schema_migrations (id text primary key, applied_at timestamptz not null default now())",
                cancellationToken);
            var applied = new HashSet<string>(StringComparer.Ordinal);
            await using (var command = new NpgsqlCommand("select id from schema_migrations", connection))
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
            {
                while (await reader.ReadAsync(cancellationToken))
                {
                    applied.Add(reader.GetString(0));
                }
            }

            foreach (var (id, sql) in Scripts())
            {
                if (applied.Contains(id))
                {
                    continue;
                }
                await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                await Execute(connection, transaction, sql, cancellationToken);
                await using (var record = new NpgsqlCommand("insert into schema_migrations (id) values ($1)", connection, transaction))
                {
                    record.Parameters.AddWithValue(id);
                    await record.ExecuteNonQueryAsync(cancellationToken);
                }
                await transaction.CommitAsync(cancellationToken);
            }
            // Data the schema carries rather than demo data: every database gets the gazetteer search reads.
            await Places.LoadAsync(connection, cancellationToken);
        }
        finally
        {
            await Execute(connection, null, $"select pg_advisory_unlock({MigrationLockKey})", CancellationToken.None);
        }
    }

    /// <summary>The migrations in the order they apply: (file name without extension, SQL text).</summary>
    public static IEnumerable<(string Id, string Sql)> Scripts()
    {
        var assembly = typeof(Migrator).Assembly;
        const string prefix = "Facilities.Api.Data.Migrations.";
        foreach (var name in assembly.GetManifestResourceNames()
                     .Where(n => n.StartsWith(prefix, StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal))
                     .Order(StringComparer.Ordinal))
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var reader = new StreamReader(stream);
            yield return (name[prefix.Length..^4], reader.ReadToEnd());
        }
    }

    private static async Task Execute(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        await command.ExecuteNonQueryAsync(ct);
    }
}
