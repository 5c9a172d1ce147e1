using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Facilities.Api.Features.Categories;
using Facilities.Api.Features.Facilities;

namespace Facilities.Api.Features.Imports.Mapping;

/// <summary>
/// Where one attribute comes from: a column (or OSM tag), an optional value map (keys compared trimmed and
/// case-insensitively; <c>"*"</c> catches any other non-empty value, <c>""</c> an empty one), or a constant.
/// </summary>
public sealed record FieldSpec(string? Column, IReadOnlyDictionary<string, JsonNode?>? Values, JsonNode? Constant);

/// <summary>
/// A dataset's mapping from its columns to the service's attributes, as the partner wrote it:
/// <c>{"id": "FacilityID", "lon": "Longitude", "lat": "Latitude", "wheelchair": {"column": "Accessible",
/// "values": {"TRUE": "yes", "FALSE": "no"}}, "access": {"value": "public"}}</c>. <c>lon</c>/<c>lat</c> or
/// <c>x</c>/<c>y</c> name the coordinate columns, in the dataset's CRS; files with their own geometry (GeoJSON, KML,
/// OSM, Shapefile) need none.
/// </summary>
public sealed class DatasetMapping
{
    private static readonly string[] Reserved = ["id", "lon", "lat", "x", "y"];

    public FieldSpec? Id { get; private init; }
    public string? XColumn { get; private init; }
    public string? YColumn { get; private init; }
    public IReadOnlyDictionary<string, FieldSpec> Attributes { get; private init; } = new Dictionary<string, FieldSpec>();

    /// <summary>Every column the mapping reads, to check against a file's header.</summary>
    public IEnumerable<string> Columns() =>
        new[] { Id?.Column, XColumn, YColumn }.Concat(Attributes.Values.Select(a => a.Column)).OfType<string>().Distinct(StringComparer.OrdinalIgnoreCase);

    /// <summary>Reads a mapping; problems go into <paramref name="errors"/> keyed by the field (<c>mapping.fee</c>).</summary>
    public static DatasetMapping Parse(JsonObject? json, Category? category, IDictionary<string, string> errors)
    {
        var attributes = new Dictionary<string, FieldSpec>(StringComparer.Ordinal);
        string? Column(string key)
        {
            var node = json?[key];
            if (node is null)
            {
                return null;
            }
            if (node.GetValueKind() == JsonValueKind.String && node.GetValue<string>().Trim() is { Length: > 0 } name)
            {
                return name;
            }
            errors[$"mapping.{key}"] = "must be a column name";
            return null;
        }
        var x = Column("x") ?? Column("lon");
        var y = Column("y") ?? Column("lat");
        if ((x is null) != (y is null))
        {
            errors["mapping"] = "name both coordinate columns (lon and lat, or x and y) or neither";
        }
        FieldSpec? id = null;
        foreach (var (key, node) in json ?? [])
        {
            if (key is "lon" or "lat" or "x" or "y")
            {
                continue;
            }
            var spec = ParseSpec(key, node, errors);
            if (spec is null)
            {
                continue;
            }
            if (key == "id")
            {
                id = spec;
                continue;
            }
            if (key is "category" or "location" or "status_until" || AttributeType(key, category) is null)
            {
                errors[$"mapping.{key}"] = $"'{key}' is not an attribute a mapping can fill";
                continue;
            }
            attributes[key] = spec;
        }
        return new DatasetMapping { Id = id, XColumn = x, YColumn = y, Attributes = attributes };
    }

    private static FieldSpec? ParseSpec(string key, JsonNode? node, IDictionary<string, string> errors)
    {
        switch (node?.GetValueKind())
        {
            case JsonValueKind.String when node.GetValue<string>().Trim().Length > 0:
                return new FieldSpec(node.GetValue<string>().Trim(), null, null);
            case JsonValueKind.Object:
                var obj = node.AsObject();
                var column = obj["column"] ?? obj["tag"];
                if (column is not null && (column.GetValueKind() != JsonValueKind.String || column.GetValue<string>().Trim().Length == 0))
                {
                    errors[$"mapping.{key}.column"] = "must be a column name";
                    return null;
                }
                Dictionary<string, JsonNode?>? values = null;
                if (obj["values"] is { } map)
                {
                    if (map.GetValueKind() != JsonValueKind.Object)
                    {
                        errors[$"mapping.{key}.values"] = "must be an object from the file's values to the attribute's";
                        return null;
                    }
                    values = new Dictionary<string, JsonNode?>(StringComparer.OrdinalIgnoreCase);
                    foreach (var (from, to) in map.AsObject())
                    {
                        values[from.Trim()] = to?.DeepClone();
                    }
                }
                var constant = obj["value"]?.DeepClone();
                if (column is null && constant is null)
                {
                    errors[$"mapping.{key}"] = "needs a column (or tag) or a constant value";
                    return null;
                }
                return new FieldSpec(column?.GetValue<string>().Trim(), values, constant);
            default:
                errors[$"mapping.{key}"] = "must be a column name or {column, values} or {value}";
                return null;
        }
    }

    /// <summary>The type of a public attribute: a core one from <see cref="CoreAttributes"/>, else the category's schema.</summary>
    public static string? AttributeType(string attribute, Category? category)
    {
        if (CoreAttributes.Definitions.TryGetValue(attribute, out var core))
        {
            return core.Type;
        }
        if (category is not null && category.AttributeSchema.TryGetProperty(attribute, out var schema)
            && schema.TryGetProperty("type", out var type))
        {
            return type.GetString();
        }
        return null;
    }

    internal static string Invariant(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
