using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Facilities.Api.Features.Imports.Crs;

namespace Facilities.Api.Features.Imports.Formats;

/// <summary>
/// An Overpass API JSON answer (<c>elements[]</c>), streamed. Tagged nodes are records at their position; ways are
/// records at their centre (<c>out center</c>) or the centroid of their <c>geometry</c> (<c>out geom</c>). Fields are
/// the OSM tags; the record id is <c>node/123</c> or <c>way/456</c>, stable across extracts.
/// </summary>
public sealed class OverpassJsonRecords(Stream stream) : IRecordSource
{
    public IReadOnlyCollection<string>? DeclaredFields => null;

    public IEnumerable<SourceRecord> Read(CancellationToken cancellationToken)
    {
        var wgs84 = CoordinateSystems.Find("EPSG:4326")!;
        long row = 0;
        foreach (var element in JsonArrayElements.Read(stream, "elements", cancellationToken))
        {
            if (JsonArrayElements.RecordOrRejected(row + 1, "element", () => Record(row + 1, element, wgs84)) is not { } record)
            {
                continue; // the untagged nodes of ways are not facilities
            }
            row++;
            yield return record;
        }
    }

    /// <summary>The element as a record; null for an element without tags.</summary>
    private static SourceRecord? Record(long row, JsonObject element, SourceCrs wgs84)
    {
        if (element["tags"] is not JsonObject tags || tags.Count == 0)
        {
            return null;
        }
        var type = GeoJsonRecords.FieldText(element["type"]) ?? "node";
        var id = GeoJsonRecords.FieldText(element["id"]);
        var fields = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in tags)
        {
            fields.TryAdd(key, GeoJsonRecords.FieldText(value));
        }
        fields["@id"] = $"{type}/{id}";
        (double X, double Y)? position = null;
        if (Number(element["lon"]) is { } lon && Number(element["lat"]) is { } lat)
        {
            position = (lon, lat);
        }
        else if (element["center"] is JsonObject center && Number(center["lon"]) is { } clon && Number(center["lat"]) is { } clat)
        {
            position = (clon, clat);
        }
        else if (element["geometry"] is JsonArray geometry)
        {
            position = GeometryPoints.Centroid([.. geometry.OfType<JsonObject>()
                .Where(p => Number(p["lon"]) is not null && Number(p["lat"]) is not null)
                .Select(p => (Number(p["lon"])!.Value, Number(p["lat"])!.Value))]);
        }
        return new SourceRecord(row, fields)
        {
            Position = position,
            PositionCrs = wgs84,
            NativeId = id is null ? null : $"{type}/{id}",
            Error = position is null ? $"{type} {id} has no position (query with 'out center')" : null,
        };
    }

    private static double? Number(JsonNode? node) => node?.GetValueKind() switch
    {
        JsonValueKind.Number => node.GetValue<double>(),
        JsonValueKind.String when double.TryParse(node.GetValue<string>(), NumberStyles.Float, CultureInfo.InvariantCulture, out var v) => v,
        _ => null,
    };
}
