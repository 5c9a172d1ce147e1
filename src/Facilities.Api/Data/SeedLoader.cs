using Facilities.Api.Web;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Npgsql;

namespace Facilities.Api.Data;

/// <summary>
/// Loads data-seed/facilities.geojson (synthetic demo data, see data-seed/README.md) on the first start of a
/// database: its datasets, then every feature through <see cref="FacilityChanges"/>, all in one transaction, so a
/// failed load leaves nothing behind and is retried on the next start.
/// </summary>
public sealed class SeedLoader(NpgsqlDataSource dataSource, ConfidenceParameters confidence, ILogger<SeedLoader> logger)
{
    public const string FileName = "facilities.geojson";

    public async Task LoadIfNeverLoadedAsync(string directory, CancellationToken cancellationToken = default)
    {
        var path = Path.Combine(directory, FileName);
        if (!File.Exists(path))
        {
            logger.LogWarning("No seed file at {Path}; starting without demo data.", path);
            return;
        }

        var unitOfWork = new UnitOfWork(dataSource, confidence);
        var count = await unitOfWork.RunAsync(ct => LoadAsync(unitOfWork, path, ct), cancellationToken);
        if (count is not null)
        {
            logger.LogInformation("Loaded {Count} demo facilities from {Path}.", count, path);
        }
    }

    /// <returns>How many facilities were loaded; null when the file was loaded before.</returns>
    private static async ValueTask<int?> LoadAsync(UnitOfWork unitOfWork, string path, CancellationToken cancellationToken)
    {
        var (connection, transaction) = (unitOfWork.Connection, unitOfWork.Transaction);
        // Two processes starting together must not both load: the lock makes the second wait and see the marker.
        await using (var lockCommand = new NpgsqlCommand("lock table seed_loads in exclusive mode", connection, transaction))
        {
            await lockCommand.ExecuteNonQueryAsync(cancellationToken);
        }
        await using (var check = new NpgsqlCommand("select count(*) from seed_loads where file = $1", connection, transaction))
        {
            check.Parameters.AddWithValue(FileName);
            if ((long)(await check.ExecuteScalarAsync(cancellationToken))! > 0)
            {
                return null;
            }
        }

        var bytes = await File.ReadAllBytesAsync(path, cancellationToken);
        var root = JsonNode.Parse(bytes) as JsonObject ?? throw new InvalidDataException($"{path} is not a GeoJSON object.");
        var datasetIds = new Dictionary<string, Guid>(StringComparer.Ordinal);
        foreach (var dataset in root["datasets"]?.AsArray() ?? [])
        {
            var id = Guid.CreateVersion7();
            await using var insert = new NpgsqlCommand(
                "insert into datasets (id, kind, name, license, attribution) values ($1, $2, $3, $4, $5)", connection, transaction);
            insert.Parameters.AddWithValue(id);
            insert.Parameters.AddWithValue(Text(dataset, "kind")!);
            insert.Parameters.AddWithValue(Text(dataset, "name")!);
            insert.Parameters.AddWithValue(Text(dataset, "license")!);
            insert.Parameters.AddWithValue(Text(dataset, "attribution")!);
            await insert.ExecuteNonQueryAsync(cancellationToken);
            datasetIds[Text(dataset, "key")!] = id;
        }

        var count = 0;
        foreach (var feature in root["features"]?.AsArray() ?? [])
        {
            var p = feature!["properties"]!.AsObject();
            var coordinates = feature["geometry"]!["coordinates"]!.AsArray();
            var state = new FacilityState
            {
                Category = Text(p, "category")!,
                Lon = coordinates[0]!.GetValue<double>(),
                Lat = coordinates[1]!.GetValue<double>(),
                Name = Text(p, "name"),
                Operator = Text(p, "operator"),
                Status = WireName.Parse<FacilityStatus>(Text(p, "status")) ?? FacilityStatus.Open,
                StatusUntil = p["status_until"]?.GetValue<DateTime>().ToUniversalTime(),
                Access = Text(p, "access") ?? "unknown",
                Fee = p["fee"]?.GetValue<bool>(),
                Charge = Text(p, "charge"),
                OpeningHours = Text(p, "opening_hours"),
                Wheelchair = Text(p, "wheelchair") ?? "unknown",
                ChangingTable = p["changing_table"]?.GetValue<bool>(),
                AdultChangingTable = p["adult_changing_table"]?.GetValue<bool>(),
                Gender = p["gender"]?.AsArray().Select(g => g!.GetValue<string>()).ToArray() ?? [],
                KeyScheme = Text(p, "key_scheme"),
                OfficialGrade = Text(p, "official_grade"),
                Attributes = p["attributes"]?.DeepClone().AsObject() ?? [],
                Confidence = p["confidence"]?.GetValue<double>() ?? 0.5,
                LastVerifiedAt = p["last_verified_at"]?.GetValue<DateTime>().ToUniversalTime(),
            };
            var source = new VersionSource(datasetIds[Text(p, "dataset")!], Text(p, "record_id")!,
                state.LastVerifiedAt ?? DateTime.UtcNow, state.Confidence, "Demo data (synthetic) loaded on first start");
            // The file's confidence is where the facility starts; what is published follows the one definition (its
            // sources, here), recomputed before commit like every later write.
            await unitOfWork.Facilities.CreateAsync(state, source, cancellationToken);
            count++;
        }

        await using (var mark = new NpgsqlCommand("insert into seed_loads (file, sha256) values ($1, $2)", connection, transaction))
        {
            mark.Parameters.AddWithValue(FileName);
            mark.Parameters.AddWithValue(Convert.ToHexStringLower(SHA256.HashData(bytes)));
            await mark.ExecuteNonQueryAsync(cancellationToken);
        }
        return count;
    }

    private static string? Text(JsonNode? node, string name) =>
        node?[name] is JsonValue value && value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : null;
}
