using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using Npgsql;
using NpgsqlTypes;

namespace Facilities.Api.Data;

/// <summary>
/// The offline gazetteer: data-seed/places/places.tsv.gz (GeoNames cities, made by tools/gazetteer.cs), embedded in
/// the assembly and copied into the places table when the schema is migrated. seed_loads keeps the file's hash, so an
/// unchanged file is not loaded again and a changed one replaces the table in the migration's transaction.
/// </summary>
public static class Places
{
    public const string FileName = "places.tsv.gz";
    private const string ResourceName = "Facilities.Api.Data.places.tsv.gz";

    public static async Task LoadAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var resource = typeof(Places).Assembly.GetManifestResourceStream(ResourceName)
                                   ?? throw new InvalidOperationException($"The assembly has no {ResourceName}.");
        using var bytes = new MemoryStream();
        await resource.CopyToAsync(bytes, cancellationToken);
        var sha256 = Convert.ToHexStringLower(SHA256.HashData(bytes.ToArray()));

        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var check = new NpgsqlCommand("select sha256 from seed_loads where file = $1", connection, transaction))
        {
            check.Parameters.AddWithValue(FileName);
            if (await check.ExecuteScalarAsync(cancellationToken) is string loaded && loaded == sha256)
            {
                return;
            }
        }

        await Execute(connection, transaction,
            "create temporary table places_load (geonames_id bigint, name text, ascii_name text, name_zh text, country text, " +
            "admin1 text, population bigint, lat float8, lon float8) on commit drop", cancellationToken);
        bytes.Position = 0;
        using (var reader = new StreamReader(new GZipStream(bytes, CompressionMode.Decompress)))
        {
            await using var importer = await connection.BeginBinaryImportAsync(
                "copy places_load (geonames_id, name, ascii_name, name_zh, country, admin1, population, lat, lon) from stdin (format binary)",
                cancellationToken);
            // The first line names the columns.
            await reader.ReadLineAsync(cancellationToken);
            while (await reader.ReadLineAsync(cancellationToken) is { Length: > 0 } line)
            {
                var c = line.Split('\t');
                await importer.StartRowAsync(cancellationToken);
                await importer.WriteAsync(long.Parse(c[0], CultureInfo.InvariantCulture), NpgsqlDbType.Bigint, cancellationToken);
                await importer.WriteAsync(c[1], NpgsqlDbType.Text, cancellationToken);
                await WriteOptionalAsync(importer, c[2], cancellationToken);
                await WriteOptionalAsync(importer, c[3], cancellationToken);
                await importer.WriteAsync(c[4], NpgsqlDbType.Text, cancellationToken);
                await WriteOptionalAsync(importer, c[5], cancellationToken);
                await importer.WriteAsync(long.Parse(c[6], CultureInfo.InvariantCulture), NpgsqlDbType.Bigint, cancellationToken);
                await importer.WriteAsync(double.Parse(c[7], CultureInfo.InvariantCulture), NpgsqlDbType.Double, cancellationToken);
                await importer.WriteAsync(double.Parse(c[8], CultureInfo.InvariantCulture), NpgsqlDbType.Double, cancellationToken);
            }
            await importer.CompleteAsync(cancellationToken);
        }
        await Execute(connection, transaction, "truncate places", cancellationToken);
        await Execute(connection, transaction,
            "insert into places (geonames_id, name, ascii_name, name_zh, country, admin1, population, geom) " +
            "select geonames_id, name, ascii_name, name_zh, country, admin1, population, ST_SetSRID(ST_MakePoint(lon, lat), 4326) from places_load",
            cancellationToken);
        await using (var mark = new NpgsqlCommand(
                         "insert into seed_loads (file, sha256) values ($1, $2) on conflict (file) do update set sha256 = excluded.sha256, loaded_at = now()",
                         connection, transaction))
        {
            mark.Parameters.AddWithValue(FileName);
            mark.Parameters.AddWithValue(sha256);
            await mark.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
    }

    private static Task WriteOptionalAsync(NpgsqlBinaryImporter importer, string value, CancellationToken cancellationToken) =>
        value.Length == 0 ? importer.WriteNullAsync(cancellationToken) : importer.WriteAsync(value, NpgsqlDbType.Text, cancellationToken);

    private static async Task Execute(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        await command.ExecuteNonQueryAsync(ct);
    }
}
