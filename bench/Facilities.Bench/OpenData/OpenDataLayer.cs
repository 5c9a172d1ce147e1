using Npgsql;

namespace Facilities.Bench.OpenData;

/// <summary>
/// The open-data benchmark's copy of the synthetic layer (<see cref="SyntheticFacilities"/>) with sources, so that
/// the exports write each feature's <c>sources</c> as they would for real data: three facilities in four have a record
/// of an official dataset, one in two a record of an OpenStreetMap one (so most have one source, some two, a few none).
/// A copy, because the other benchmarks read the shared layer as it is. Made once, reused while it matches.
/// </summary>
public static class OpenDataLayer
{
    public const string DatabaseName = SyntheticFacilities.DatabaseName + "_opendata";

    private static readonly Guid Official = Guid.Parse("0bec0000-0000-4000-8000-000000000001");
    private static readonly Guid Osm = Guid.Parse("0bec0000-0000-4000-8000-000000000002");

    /// <summary>
    /// The records: hashes of the id pick the facilities, so every copy gets the same ones. One insert per dataset,
    /// set-based; the record's position is the facility's. (The dataset ids are this file's constants.)
    /// </summary>
    private static readonly string SourcesSql = $"""
        insert into datasets (id, kind, name, license, attribution) values
          ('{Official}', 'official', 'Synthetic council facilities', 'OGL-UK-3.0', 'Contains public sector information (synthetic)'),
          ('{Osm}', 'osm', 'Synthetic OpenStreetMap extract', 'ODbL-1.0', '© OpenStreetMap contributors (synthetic)');
        insert into source_records (dataset_id, external_id, facility_id, geom)
          select '{Official}', 'C-' || substr(md5(id::text), 1, 12), id, geom from facilities where (hashtext(id::text) & 3) <> 0
          on conflict (dataset_id, external_id) do nothing;
        insert into source_records (dataset_id, external_id, facility_id, geom)
          select '{Osm}', 'node/' || (abs(hashtext(id::text)) % 1000000000), id, geom from facilities where (hashtext(id::text) & 4) = 0
          on conflict (dataset_id, external_id) do nothing;
        """;

    /// <summary>The copy's connection string; made (or made again when the shared layer changed) first.</summary>
    public static async Task<string> EnsureAsync(string serverConnectionString, Action<string> progress, CancellationToken ct)
    {
        var layer = await SyntheticFacilities.EnsureLoadedAsync(serverConnectionString, progress, ct);
        var copy = new NpgsqlConnectionStringBuilder(serverConnectionString) { Database = DatabaseName }.ConnectionString;
        if (await IsCurrentAsync(layer, copy, ct))
        {
            return copy;
        }
        progress($"copying the synthetic layer to {DatabaseName} and giving it sources (once)");
        // CREATE DATABASE ... TEMPLATE needs the template without sessions: the pools above hold some.
        NpgsqlConnection.ClearAllPools();
        await using (var admin = NpgsqlDataSource.Create(serverConnectionString))
        {
            await using var drop = admin.CreateCommand($"drop database if exists {DatabaseName} with (force)");
            await drop.ExecuteNonQueryAsync(ct);
            await using var create = admin.CreateCommand($"create database {DatabaseName} template {SyntheticFacilities.DatabaseName}");
            create.CommandTimeout = 0;
            await create.ExecuteNonQueryAsync(ct);
        }
        await using (var db = NpgsqlDataSource.Create(copy))
        {
            await using var sources = db.CreateCommand(SourcesSql);
            sources.CommandTimeout = 0;
            await sources.ExecuteNonQueryAsync(ct);
            await using var vacuum = db.CreateCommand("vacuum analyze source_records, datasets");
            vacuum.CommandTimeout = 0;
            await vacuum.ExecuteNonQueryAsync(ct);
        }
        return copy;
    }

    /// <summary>The copy exists, has its sources, and holds the same facilities as the shared layer (same count and ids at both ends).</summary>
    private static async Task<bool> IsCurrentAsync(string layer, string copy, CancellationToken ct)
    {
        const string Fingerprint =
            "select (select count(*) from facilities)::text || ' ' || coalesce((select id::text from facilities order by id limit 1), '') " +
            "|| ' ' || coalesce((select id::text from facilities order by id desc limit 1), '')";
        await using var shared = NpgsqlDataSource.Create(layer);
        await using var expected = shared.CreateCommand(Fingerprint);
        var fingerprint = (string?)await expected.ExecuteScalarAsync(ct);
        try
        {
            await using var db = NpgsqlDataSource.Create(copy);
            await using var actual = db.CreateCommand($"select ({Fingerprint}), exists (select 1 from source_records where dataset_id = $1)");
            actual.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = Official });
            await using var reader = await actual.ExecuteReaderAsync(ct);
            return await reader.ReadAsync(ct) && reader.GetString(0) == fingerprint && reader.GetBoolean(1);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InvalidCatalogName)
        {
            return false;
        }
    }
}
