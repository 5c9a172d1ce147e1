using System.Text.Json;
using System.Text.Json.Nodes;

namespace Facilities.Api.Features.Imports.Formats;

/// <summary>
/// GeoJSON FeatureCollections, streamed feature by feature. Points are taken as they are, polygons become their
/// interior point; other geometries are rejected per feature. Positions are in the dataset's CRS (RFC 7946 says
/// WGS 84, which is the default; older files in a national grid name it through the dataset).
/// </summary>
public sealed class GeoJsonRecords(Stream stream) : IRecordSource
{
    public IReadOnlyCollection<string>? DeclaredFields => null;

    public IEnumerable<SourceRecord> Read(CancellationToken cancellationToken)
    {
        long row = 0;
        foreach (var feature in JsonArrayElements.Read(stream, "features", cancellationToken))
        {
            row++;
            yield return JsonArrayElements.RecordOrRejected(row, "feature", () => Record(row, feature))!;
        }
    }

    private static SourceRecord Record(long row, JsonObject feature)
    {
        var fields = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        if (feature["properties"] is JsonObject properties)
        {
            foreach (var (key, value) in properties)
            {
                fields.TryAdd(key.Trim(), FieldText(value));
            }
        }
        var (position, error) = Position(feature["geometry"] as JsonObject);
        return new SourceRecord(row, fields)
        {
            Position = position,
            Error = error,
            NativeId = feature["id"] is { } id ? FieldText(id) : null,
        };
    }

    internal static string? FieldText(JsonNode? value) => value?.GetValueKind() switch
    {
        null or JsonValueKind.Null => null,
        JsonValueKind.String => value.GetValue<string>(),
        _ => value.ToJsonString(),
    };

    private static ((double X, double Y)?, string?) Position(JsonObject? geometry)
    {
        var type = geometry?["type"]?.GetValueKind() == JsonValueKind.String ? geometry["type"]!.GetValue<string>() : null;
        try
        {
            switch (type)
            {
                case "Point":
                    return (Pair(geometry!["coordinates"]), null);
                case "MultiPoint" when geometry!["coordinates"] is JsonArray { Count: 1 } single:
                    return (Pair(single[0]), null);
                case "Polygon" when geometry!["coordinates"] is JsonArray { Count: > 0 } rings:
                    return Ring(rings[0]);
                case "MultiPolygon" when geometry!["coordinates"] is JsonArray { Count: > 0 } polygons && polygons[0] is JsonArray { Count: > 0 } first:
                    // The largest part would be better for archipelagos; facilities are buildings, whose first part is the building.
                    return Ring(first[0]);
                case null:
                    return (null, "the feature has no geometry");
                default:
                    return (null, $"a {type} geometry cannot be a facility (points and polygons can)");
            }
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or ArgumentException)
        {
            return (null, "the geometry's coordinates are malformed");
        }
    }

    private static ((double X, double Y)?, string?) Ring(JsonNode? ring)
    {
        var points = (ring as JsonArray ?? []).Select(p => Pair(p) ?? throw new FormatException()).ToList();
        var interior = GeometryPoints.InteriorOfRing(points);
        return interior is null ? (null, "the polygon has no interior") : (interior, null);
    }

    /// <summary>A position's x and y; anything else (null, strings, fewer than two numbers) is a malformed geometry.</summary>
    private static (double X, double Y)? Pair(JsonNode? node) =>
        node is JsonArray { Count: >= 2 } pair && pair[0] is JsonValue x && x.TryGetValue<double>(out var lon)
        && pair[1] is JsonValue y && y.TryGetValue<double>(out var lat)
            ? (lon, lat)
            : throw new FormatException();
}
