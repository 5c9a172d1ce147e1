using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.RegularExpressions;
using Facilities.Api.Data;
using Facilities.Api.Features.Categories;
using Facilities.Api.Web;

namespace Facilities.Api.Features.OpenData;

/// <summary>The JSON type of a published property, as the queryables, the feature schema and CQL2 see it.</summary>
public enum PropertyType
{
    /// <summary>A string.</summary>
    Text,

    /// <summary>A string from a fixed list (<see cref="PublishedProperty.Values"/>).</summary>
    Enum,

    Boolean,

    WholeNumber,

    Number,

    /// <summary>An RFC 3339 date-time string, UTC.</summary>
    Instant,

    /// <summary>An array of strings from a fixed list (gender): in the schema, neither queryable nor sortable.</summary>
    TextList,

    /// <summary>A UUID string (the id): not queryable; sortable, as the order without sortby is the id's.</summary>
    Uuid,
}

/// <summary>
/// One property of the open layer's features: its name, type, English title, allowed values and bounds, and
/// <see cref="Sql"/>, the expression that reads it from a facilities row aliased <c>f</c>. Filters and sorting name
/// columns only through this expression, so a client's text never becomes a column name.
/// </summary>
public sealed record PublishedProperty(
    string Name,
    PropertyType Type,
    string Title,
    string Sql,
    IReadOnlyList<string>? Values = null,
    long? Minimum = null,
    long? Maximum = null,
    int? MaxLength = null,
    bool Sortable = false)
{
    public JsonEncodedText EncodedName { get; } = JsonEncodedText.Encode(Name);

    /// <summary>Whether <c>filter</c> and the query parameters may name it (lists and ids may not).</summary>
    public bool Queryable => Type is not (PropertyType.TextList or PropertyType.Uuid);
}

/// <summary>
/// The properties of each collection's features, derived from the core columns (<see cref="CoreColumns"/>) and the
/// categories' attribute schemas: a category's features carry every attribute of their category as a property of
/// its own (null when unknown), typed as the category declares it, so GIS tools see booleans as booleans and numbers
/// as numbers instead of one JSON text. The <c>facilities</c> collection's schema is the union of the categories'
/// attributes (an attribute two categories type differently is left out of the union's queryables, never mistyped);
/// each of its features carries its own category's attributes. Built once per loaded category catalogue.
/// </summary>
public sealed partial class OpenDataSchema
{
    private static readonly ConditionalWeakTable<IReadOnlyList<Category>, OpenDataSchema> Built = new();

    /// <summary>The properties before the category attributes: the id and the published core attributes.</summary>
    public IReadOnlyList<PublishedProperty> Leading { get; }

    /// <summary>The properties after the category attributes: what the service keeps about each facility.</summary>
    public IReadOnlyList<PublishedProperty> Trailing { get; }

    private readonly Dictionary<string, IReadOnlyList<PublishedProperty>> _attributes;
    private readonly Dictionary<string, IReadOnlyList<PublishedProperty>> _collections;

    /// <summary>The schema of the categories <paramref name="catalog"/> holds now (rebuilt if it reloads).</summary>
    public static OpenDataSchema Of(CategoryCatalog catalog) => Built.GetValue(catalog.All, categories => new OpenDataSchema(categories));

    private OpenDataSchema(IReadOnlyList<Category> categories)
    {
        Leading = [new("id", PropertyType.Uuid, "Id", "f.id", Sortable: true), .. CoreColumns.Published.Select(c => Core(c, categories))];
        Trailing =
        [
            new("confidence", PropertyType.Number, "Confidence (0 to 1)", "f.confidence", Minimum: 0, Maximum: 1, Sortable: true),
            new("last_verified_at", PropertyType.Instant, "Last verified", "f.last_verified_at", Sortable: true),
            new("version", PropertyType.WholeNumber, "Version", "f.version", Minimum: 1, Maximum: int.MaxValue, Sortable: true),
            new("updated_at", PropertyType.Instant, "Updated", "f.updated_at", Sortable: true),
        ];
        _attributes = categories.ToDictionary(c => c.Id, c => (IReadOnlyList<PublishedProperty>)[.. Attributes(c)], StringComparer.Ordinal);

        var reserved = Leading.Concat(Trailing).Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        var union = new List<PublishedProperty>();
        foreach (var group in _attributes.Values.SelectMany(a => a).Where(a => !reserved.Contains(a.Name)).GroupBy(a => a.Name, StringComparer.Ordinal))
        {
            // The same name in several categories (indoor): one property if they agree on its type.
            var first = group.First();
            if (group.All(a => a.Type == first.Type && (a.Values ?? []).SequenceEqual(first.Values ?? [])))
            {
                union.Add(first with
                {
                    Minimum = group.Min(a => a.Minimum),
                    Maximum = group.Max(a => a.Maximum),
                    MaxLength = group.Max(a => a.MaxLength),
                });
            }
        }
        _collections = new Dictionary<string, IReadOnlyList<PublishedProperty>>(StringComparer.Ordinal)
        {
            [Ogc.AllFacilities] = [.. Leading, .. union, .. Trailing],
        };
        foreach (var (id, attributes) in _attributes)
        {
            _collections[id] = [.. Leading, .. attributes.Where(a => !reserved.Contains(a.Name)), .. Trailing];
        }
    }

    /// <summary>The category attributes a facility of <paramref name="category"/> carries, in the order written.</summary>
    public IReadOnlyList<PublishedProperty> AttributesOf(string category) => _attributes.GetValueOrDefault(category) ?? [];

    /// <summary>Every property of a collection's features, in the order written; null for an unknown collection.</summary>
    public IReadOnlyList<PublishedProperty>? Properties(string collectionId) => _collections.GetValueOrDefault(collectionId);

    /// <summary>A queryable property of the collection by name, or null.</summary>
    public PublishedProperty? Queryable(string collectionId, string name) =>
        Properties(collectionId)?.FirstOrDefault(p => p.Queryable && p.Name == name);

    /// <summary>Every queryable of any collection, each name once: what the API definition lists for the items path.</summary>
    public IEnumerable<PublishedProperty> AllQueryables() =>
        _collections.Values.SelectMany(p => p).Where(p => p.Queryable).DistinctBy(p => p.Name);

    private static PublishedProperty Core(CoreColumn column, IReadOnlyList<Category> categories)
    {
        var definition = CoreAttributes.Definitions.GetValueOrDefault(column.Name);
        var title = definition?.Labels.GetValueOrDefault("en") ?? (column.Name == "category" ? "Category" : column.Name);
        var sql = "f." + column.Name;
        return column.Name switch
        {
            "category" => new(column.Name, PropertyType.Enum, title, sql, [.. categories.Select(c => c.Id)], Sortable: true),
            // A removed facility is in no collection: its status is never seen.
            "status" => new(column.Name, PropertyType.Enum, title, sql,
                [.. CoreAttributes.Statuses.Where(s => s != FacilityStatus.Removed.Name())], Sortable: true),
            _ => column.Type switch
            {
                CoreColumnType.Boolean => new(column.Name, PropertyType.Boolean, title, sql, Sortable: true),
                CoreColumnType.Timestamp => new(column.Name, PropertyType.Instant, title, sql, Sortable: true),
                CoreColumnType.TextList => new(column.Name, PropertyType.TextList, title, sql, definition?.Values),
                _ when definition?.Values is { } values => new(column.Name, PropertyType.Enum, title, sql, values, Sortable: true),
                _ => new(column.Name, PropertyType.Text, title, sql, Sortable: true),
            },
        };
    }

    /// <summary>
    /// A category's attributes from its schema (categories.attribute_schema), in the schema's order. The key is
    /// written into the SQL as a literal, so only plain lower-case names are published; the catalogue has no other.
    /// </summary>
    private static IEnumerable<PublishedProperty> Attributes(Category category)
    {
        if (category.AttributeSchema.ValueKind != JsonValueKind.Object)
        {
            yield break;
        }
        foreach (var attribute in category.AttributeSchema.EnumerateObject())
        {
            var key = attribute.Name;
            var schema = attribute.Value;
            if (!PlainName().IsMatch(key) || schema.ValueKind != JsonValueKind.Object || !schema.TryGetProperty("type", out var type))
            {
                continue;
            }
            var title = schema.TryGetProperty("labels", out var labels) && labels.TryGetProperty("en", out var en) ? en.GetString() ?? key : key;
            long? min = schema.TryGetProperty("min", out var lo) && lo.TryGetInt64(out var l) ? l : null;
            long? max = schema.TryGetProperty("max", out var hi) && hi.TryGetInt64(out var h) ? h : null;
            int? maxLength = schema.TryGetProperty("max_length", out var m) && m.TryGetInt32(out var n) ? n : null;
            // ->> gives the value as text (SQL null for JSON null or absence), then the cast to its type.
            var text = $"(f.attributes ->> '{key}')";
            PublishedProperty? property = type.GetString() switch
            {
                "boolean" => new(key, PropertyType.Boolean, title, $"{text}::boolean", Sortable: true),
                "integer" => new(key, PropertyType.WholeNumber, title, $"{text}::bigint", Minimum: min ?? int.MinValue, Maximum: max ?? int.MaxValue, Sortable: true),
                "number" => new(key, PropertyType.Number, title, $"{text}::double precision", Minimum: min, Maximum: max, Sortable: true),
                "enum" when schema.TryGetProperty("values", out var values) && values.ValueKind == JsonValueKind.Array =>
                    new(key, PropertyType.Enum, title, text, [.. values.EnumerateArray().Select(v => v.GetString() ?? "")], Sortable: true),
                "string" => new(key, PropertyType.Text, title, text, MaxLength: maxLength, Sortable: true),
                _ => null,
            };
            if (property is not null)
            {
                yield return property;
            }
        }
    }

    [GeneratedRegex("^[a-z][a-z0-9_]{0,62}$")]
    private static partial Regex PlainName();
}
