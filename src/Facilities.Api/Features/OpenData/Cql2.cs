namespace Facilities.Api.Features.OpenData;

/// <summary>
/// A CQL2 filter (OGC 21-065r2) as the two encodings parse to it: the part of the language this service evaluates
/// (basic CQL2, the advanced comparison operators, case-insensitive comparison, the spatial functions). Every node
/// carries <see cref="Where"/>, the place in the filter it came from ("character 14" in CQL2 text, a JSON Pointer such
/// as "/args/1" in CQL2 JSON), so that a refusal names it.
/// </summary>
public abstract record Cql2Node(string Where);

public sealed record Cql2And(string Where, IReadOnlyList<Cql2Node> Args) : Cql2Node(Where);

public sealed record Cql2Or(string Where, IReadOnlyList<Cql2Node> Args) : Cql2Node(Where);

public sealed record Cql2Not(string Where, Cql2Node Arg) : Cql2Node(Where);

public sealed record Cql2BooleanLiteral(string Where, bool Value) : Cql2Node(Where);

/// <summary>A binary comparison: <c>=</c>, <c>&lt;&gt;</c>, <c>&lt;</c>, <c>&lt;=</c>, <c>&gt;</c>, <c>&gt;=</c>.</summary>
public sealed record Cql2Comparison(string Where, string Op, Cql2Node Left, Cql2Node Right) : Cql2Node(Where);

/// <summary>LIKE with CQL2's wildcards (<c>%</c>, <c>_</c>, escaped by a backslash); ILIKE, which GDAL writes, ignores case.</summary>
public sealed record Cql2Like(string Where, Cql2Node Value, Cql2Node Pattern, bool IgnoreCase) : Cql2Node(Where);

public sealed record Cql2Between(string Where, Cql2Node Value, Cql2Node Low, Cql2Node High) : Cql2Node(Where);

public sealed record Cql2In(string Where, Cql2Node Value, IReadOnlyList<Cql2Node> List) : Cql2Node(Where);

public sealed record Cql2IsNull(string Where, Cql2Node Value) : Cql2Node(Where);

/// <summary>A spatial function (S_INTERSECTS, S_WITHIN...) of two geometries, by its lower-case CQL2 name.</summary>
public sealed record Cql2Spatial(string Where, string Function, Cql2Node A, Cql2Node B) : Cql2Node(Where);

public sealed record Cql2Property(string Where, string Name) : Cql2Node(Where);

/// <summary>A string, a number (long or double) or a boolean.</summary>
public sealed record Cql2Literal(string Where, object Value) : Cql2Node(Where);

/// <summary>DATE('…') or TIMESTAMP('…'): the first and last instant it stands for (a date is its whole UTC day).</summary>
public sealed record Cql2Instant(string Where, DateTime First, DateTime Last) : Cql2Node(Where);

/// <summary>CASEI(…): its operand compared without regard to case.</summary>
public sealed record Cql2CaseInsensitive(string Where, Cql2Node Arg) : Cql2Node(Where);

/// <summary>
/// A geometry literal in the filter's CRS (filter-crs), in that CRS's axis order: a Point (<see cref="Coordinates"/> a
/// double[]), LineString or MultiPoint (a list of positions), Polygon or MultiLineString (a list of those),
/// MultiPolygon (one more level), GeometryCollection (<see cref="Parts"/>), or a BBox (four numbers: west, south, east,
/// north).
/// </summary>
public sealed record Cql2Geometry(string Where, string Kind, object? Coordinates, IReadOnlyList<Cql2Geometry>? Parts = null) : Cql2Node(Where);

/// <summary>A filter that does not parse, or names what the collection does not have: a 400 whose message says where.</summary>
public sealed class Cql2Exception(string message) : Exception(message);

public static class Cql2
{
    /// <summary>Nesting deeper than this is no filter a person writes, and would only cost stack.</summary>
    public const int MaxDepth = 40;

    /// <summary>The longest filter read: a city's boundary as a polygon fits with room to spare.</summary>
    public const int MaxLength = 20_000;

    public const int MaxInList = 1000;

    /// <summary>The spatial functions of CQL2 and the PostGIS function each one is, the only names written into the SQL.</summary>
    public static readonly IReadOnlyDictionary<string, string> SpatialFunctions = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["s_intersects"] = "ST_Intersects",
        ["s_disjoint"] = "ST_Disjoint",
        ["s_equals"] = "ST_Equals",
        ["s_touches"] = "ST_Touches",
        ["s_within"] = "ST_Within",
        ["s_contains"] = "ST_Contains",
        ["s_crosses"] = "ST_Crosses",
        ["s_overlaps"] = "ST_Overlaps",
    };

    public static readonly string[] ComparisonOperators = ["=", "<>", "<", "<=", ">", ">="];

    public const string TextLanguage = "cql2-text";
    public const string JsonLanguage = "cql2-json";

    /// <summary>The drafts' name of CQL2 text, the one GDAL 3.6 looks for in the API definition before it sends a filter.</summary>
    public const string DraftTextLanguage = "cql-text";

    public static readonly string[] Languages = [TextLanguage, JsonLanguage, DraftTextLanguage];

    /// <summary>The filter in its language (filter-lang; CQL2 text without one).</summary>
    public static Cql2Node Parse(string filter, string? language) =>
        language == JsonLanguage ? Cql2Json.Parse(filter) : Cql2Text.Parse(filter);

    /// <summary>An instant as CQL2 writes one: DATE's yyyy-MM-dd, TIMESTAMP's RFC 3339 with an offset.</summary>
    public static bool TryInstant(string text, bool date, out DateTime first, out DateTime last)
    {
        first = last = default;
        var isDate = text.Length == 10;
        if (date != isDate || !OgcDateTime.TryParse(text, out var from, out var to, out _) || text.Contains('/', StringComparison.Ordinal))
        {
            return false;
        }
        (first, last) = (from!.Value, to!.Value);
        return true;
    }
}
