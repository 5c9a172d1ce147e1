using System.Collections.Concurrent;

namespace Facilities.Api.Features.OpenData;

/// <summary>
/// The <c>properties</c> parameter (OGC API – Features Part 6 draft, property selection): the comma-separated names of
/// what each feature carries. The names are a collection's properties (see its /schema) and the two members of a
/// Feature that are not properties, <c>geometry</c> and <c>sources</c>: a feature without its geometry selected has a
/// null geometry, as the draft's example shows. The Feature's id is always written; an unknown name is a 400.
/// </summary>
public sealed class OgcPropertySelection
{
    public const string GeometryMember = "geometry";
    public const string SourcesMember = "sources";

    /// <summary>More names than a collection could have is no selection: the bound keeps a request's cost flat.</summary>
    public const int MaxNames = 100;

    private readonly HashSet<string> _names;
    private readonly ConcurrentDictionary<string, IReadOnlyList<PublishedProperty>> _attributes = new(StringComparer.Ordinal);

    private OgcPropertySelection(HashSet<string> names) => _names = names;

    public bool Geometry => _names.Contains(GeometryMember);

    public bool Sources => _names.Contains(SourcesMember);

    public bool Includes(PublishedProperty property) => _names.Contains(property.Name);

    /// <summary>A category's selected attributes, in the category's order: worked out once per category of a page.</summary>
    public IReadOnlyList<PublishedProperty> AttributesOf(OpenDataSchema schema, string category) =>
        _attributes.GetOrAdd(category, c => [.. schema.AttributesOf(c).Where(Includes)]);

    /// <summary>The names as the links write them back, in the order the features write them.</summary>
    public static string Normalised(string text) => string.Join(",", text.Split(',').Select(n => n.Trim()));

    public static OgcPropertySelection? TryParse(string text, IReadOnlyList<PublishedProperty> properties, string collectionId, out string? error)
    {
        error = null;
        var names = new HashSet<string>(StringComparer.Ordinal);
        var parts = text.Split(',');
        if (parts.Length > MaxNames)
        {
            error = $"Names more than {MaxNames} properties.";
            return null;
        }
        foreach (var part in parts.Select(p => p.Trim()))
        {
            if (part.Length == 0)
            {
                error = "Must be a comma-separated list of property names: properties=name,wheelchair,geometry.";
                return null;
            }
            if (part is not (GeometryMember or SourcesMember) && !properties.Any(p => p.Name == part))
            {
                error = $"'{part}' is not a property of the features of '{collectionId}' (see /ogc/collections/{collectionId}/schema), " +
                        "nor geometry or sources.";
                return null;
            }
            names.Add(part);
        }
        return new OgcPropertySelection(names);
    }
}
