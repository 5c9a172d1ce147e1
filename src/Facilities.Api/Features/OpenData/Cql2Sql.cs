using System.Globalization;
using System.Text;

namespace Facilities.Api.Features.OpenData;

/// <summary>
/// A parsed CQL2 filter as one SQL condition on a facilities row aliased <c>f</c>. Property names become SQL only
/// through the collection's queryables (<see cref="PublishedProperty.Sql"/>, a fixed expression per property) and the
/// geometry (<c>f.geom</c>); operators and spatial functions only through fixed tables; every value, a geometry's
/// WKT included, is a parameter. So no text of the filter is ever written into the statement. Values are typed by
/// the queryable they meet: a refusal names the place of a value that does not fit, or of a name that is no queryable.
/// </summary>
public sealed class Cql2Sql
{
    /// <summary>The queryable of the facilities' position, as /queryables names it.</summary>
    public const string GeometryQueryable = "geometry";

    private readonly string _collectionId;
    private readonly OpenDataSchema _schema;
    private readonly OgcCrs _crs;
    private readonly OgcSql _sql;

    private Cql2Sql(string collectionId, OpenDataSchema schema, OgcCrs crs, OgcSql sql)
    {
        _collectionId = collectionId;
        _schema = schema;
        _crs = crs;
        _sql = sql;
    }

    /// <summary>The condition, its values added to <paramref name="sql"/>'s parameters; a <see cref="Cql2Exception"/> for a filter that does not fit.</summary>
    public static string Translate(Cql2Node filter, string collectionId, OpenDataSchema schema, OgcCrs crs, OgcSql sql) =>
        new Cql2Sql(collectionId, schema, crs, sql).Boolean(filter);

    /// <summary>Checks a filter against a collection without keeping its SQL: what the validator asks.</summary>
    public static void Check(Cql2Node filter, string collectionId, OpenDataSchema schema, OgcCrs crs) =>
        Translate(filter, collectionId, schema, crs, new OgcSql());

    private string Boolean(Cql2Node node) => node switch
    {
        Cql2And and => "(" + string.Join(" and ", and.Args.Select(Boolean)) + ")",
        Cql2Or or => "(" + string.Join(" or ", or.Args.Select(Boolean)) + ")",
        Cql2Not not => $"(not {Boolean(not.Arg)})",
        Cql2BooleanLiteral literal => literal.Value ? "true" : "false",
        Cql2Comparison comparison => Comparison(comparison),
        Cql2Like like => Like(like),
        Cql2Between between => Between(between),
        Cql2In @in => In(@in),
        Cql2IsNull isNull => $"({Operand(isNull.Value, allowGeometry: true).Sql} is null)",
        Cql2Spatial spatial => Spatial(spatial),
        _ => throw new Cql2Exception($"At {node.Where}: expected a condition, found a value."),
    };

    /// <summary>A property or CASEI of one, as SQL with its type; null for a literal.</summary>
    private (string Sql, PropertyType Type, string Name)? Property(Cql2Node node, bool allowGeometry = false)
    {
        switch (node)
        {
            case Cql2Property { Name: GeometryQueryable } when allowGeometry:
                return ("f.geom", PropertyType.Uuid, GeometryQueryable);
            case Cql2Property { Name: GeometryQueryable } p:
                throw new Cql2Exception($"At {p.Where}: geometry is compared by the spatial functions (S_INTERSECTS…), not as a value.");
            case Cql2Property p:
                var property = _schema.Queryable(_collectionId, p.Name)
                    ?? throw new Cql2Exception($"At {p.Where}: '{p.Name}' is not a queryable of '{_collectionId}' (see /ogc/collections/{_collectionId}/queryables).");
                return (property.Sql, property.Type, property.Name);
            case Cql2CaseInsensitive { Arg: var arg } casei when Property(arg) is { } inner:
                if (inner.Type is not (PropertyType.Text or PropertyType.Enum))
                {
                    throw new Cql2Exception($"At {casei.Where}: CASEI takes text, and {inner.Name} is not text.");
                }
                return ($"lower({inner.Sql})", PropertyType.Text, inner.Name);
            default:
                return null;
        }
    }

    private (string Sql, PropertyType Type, string Name) Operand(Cql2Node node, bool allowGeometry = false) =>
        Property(node, allowGeometry) ?? throw new Cql2Exception($"At {node.Where}: expected a queryable here, found a value.");

    private string Comparison(Cql2Comparison c)
    {
        var left = Property(c.Left);
        var right = Property(c.Right);
        if (left is { } l && right is { } r)
        {
            if (Family(l.Type) != Family(r.Type))
            {
                throw new Cql2Exception($"At {c.Where}: {l.Name} and {r.Name} are of different types and cannot be compared.");
            }
            return $"({l.Sql} {c.Op} {r.Sql})";
        }
        if (left is null && right is null)
        {
            throw new Cql2Exception($"At {c.Where}: a comparison needs a queryable on one side.");
        }
        // A literal on the left is the same test with the operator mirrored: 3 < seats is seats > 3.
        var (property, literal, op) = left is { } p ? (p, c.Right, c.Op) : (right!.Value, c.Left, Mirror(c.Op));
        if (property.Type == PropertyType.Instant)
        {
            var (first, last) = Instant(literal, property.Name);
            return op switch
            {
                "=" => $"({property.Sql} between {_sql.Parameter(first)} and {_sql.Parameter(last)})",
                "<>" => $"({property.Sql} not between {_sql.Parameter(first)} and {_sql.Parameter(last)})",
                "<" => $"({property.Sql} < {_sql.Parameter(first)})",
                "<=" => $"({property.Sql} <= {_sql.Parameter(last)})",
                ">" => $"({property.Sql} > {_sql.Parameter(last)})",
                _ => $"({property.Sql} >= {_sql.Parameter(first)})",
            };
        }
        return $"({property.Sql} {op} {Value(literal, property)})";
    }

    private static string Mirror(string op) => op switch
    {
        "<" => ">",
        "<=" => ">=",
        ">" => "<",
        ">=" => "<=",
        _ => op,
    };

    private static int Family(PropertyType type) => type switch
    {
        PropertyType.Text or PropertyType.Enum => 0,
        PropertyType.WholeNumber or PropertyType.Number => 1,
        PropertyType.Boolean => 2,
        PropertyType.Instant => 3,
        _ => 4,
    };

    /// <summary>A literal as a parameter of the property's type; CASEI of a literal is its lower case.</summary>
    private string Value(Cql2Node literal, (string Sql, PropertyType Type, string Name) property)
    {
        if (literal is Cql2CaseInsensitive { Arg: Cql2Literal { Value: string folded } })
        {
            return $"lower({_sql.Parameter(folded)})";
        }
        object? value = (property.Type, literal) switch
        {
            (PropertyType.Text or PropertyType.Enum, Cql2Literal { Value: string text }) => text,
            (PropertyType.Boolean, Cql2Literal { Value: bool flag }) => flag,
            // GDAL writes a boolean field's condition as 1 or 0: OGR's booleans are integers.
            (PropertyType.Boolean, Cql2Literal { Value: 1L }) => true,
            (PropertyType.Boolean, Cql2Literal { Value: 0L }) => false,
            (PropertyType.WholeNumber or PropertyType.Number, Cql2Literal { Value: long whole }) => (double)whole,
            (PropertyType.WholeNumber or PropertyType.Number, Cql2Literal { Value: double number }) => number,
            _ => null,
        };
        return value is null
            ? throw new Cql2Exception($"At {literal.Where}: the value does not fit {property.Name}, which is {TypeName(property.Type)}.")
            : _sql.Parameter(value);
    }

    private (DateTime First, DateTime Last) Instant(Cql2Node literal, string name) => literal switch
    {
        Cql2Instant instant => (instant.First, instant.Last),
        // GDAL and people write instants as strings: '2026-11-24T10:00:00Z', or a date for its whole day.
        Cql2Literal { Value: string text } when !text.Contains('/', StringComparison.Ordinal) && OgcDateTime.TryParse(text, out var from, out var to, out _)
            => (from!.Value, to!.Value),
        _ => throw new Cql2Exception($"At {literal.Where}: the value does not fit {name}, which is {TypeName(PropertyType.Instant)}."),
    };

    private static string TypeName(PropertyType type) => type switch
    {
        PropertyType.Text or PropertyType.Enum => "text",
        PropertyType.Boolean => "a boolean",
        PropertyType.WholeNumber => "a whole number",
        PropertyType.Number => "a number",
        PropertyType.Instant => "a date-time (TIMESTAMP('2026-11-24T10:00:00Z') or DATE('2026-11-24'))",
        _ => "not comparable",
    };

    private string Like(Cql2Like like)
    {
        var value = Operand(like.Value);
        if (value.Type is not (PropertyType.Text or PropertyType.Enum))
        {
            throw new Cql2Exception($"At {like.Where}: LIKE compares text, and {value.Name} is not text.");
        }
        var (text, lower) = like.Pattern switch
        {
            Cql2Literal { Value: string literal } => (literal, false),
            Cql2CaseInsensitive { Arg: Cql2Literal { Value: string literal } } => (literal, true),
            _ => throw new Cql2Exception($"At {like.Pattern.Where}: a LIKE pattern is a text literal, such as 'Camden%'."),
        };
        // PostgreSQL's LIKE escapes with a backslash, as CQL2's does. A pattern ending in an escape of nothing is an
        // error there, but only once a row's text gets that far, so it is refused here, whatever the rows are.
        if (EndsInLoneEscape(text))
        {
            throw new Cql2Exception($"At {like.Pattern.Where}: the LIKE pattern ends in an escape character with nothing after it to escape; double it to match a backslash.");
        }
        var pattern = lower ? $"lower({_sql.Parameter(text)})" : _sql.Parameter(text);
        return $"({value.Sql} {(like.IgnoreCase ? "ilike" : "like")} {pattern})";
    }

    private static bool EndsInLoneEscape(string pattern) => (pattern.Length - pattern.TrimEnd('\\').Length) % 2 == 1;

    private string Between(Cql2Between between)
    {
        var value = Operand(between.Value);
        switch (value.Type)
        {
            case PropertyType.Instant:
                return $"({value.Sql} between {_sql.Parameter(Instant(between.Low, value.Name).First)} and {_sql.Parameter(Instant(between.High, value.Name).Last)})";
            case PropertyType.WholeNumber or PropertyType.Number:
                return $"({value.Sql} between {Value(between.Low, value)} and {Value(between.High, value)})";
            default:
                throw new Cql2Exception($"At {between.Where}: BETWEEN compares numbers or date-times, and {value.Name} is neither.");
        }
    }

    private string In(Cql2In @in)
    {
        var value = Operand(@in.Value);
        if (@in.List.Count > Cql2.MaxInList)
        {
            throw new Cql2Exception($"At {@in.Where}: IN has more than {Cql2.MaxInList} values.");
        }
        if (value.Type == PropertyType.Instant)
        {
            return "(" + string.Join(" or ", @in.List.Select(v => Instant(v, value.Name))
                .Select(i => $"{value.Sql} between {_sql.Parameter(i.First)} and {_sql.Parameter(i.Last)}")) + ")";
        }
        return $"({value.Sql} in ({string.Join(", ", @in.List.Select(v => Value(v, value)))}))";
    }

    private string Spatial(Cql2Spatial spatial) =>
        $"{Cql2.SpatialFunctions[spatial.Function]}({Geometry(spatial.A, spatial.Function)}, {Geometry(spatial.B, spatial.Function)})";

    private string Geometry(Cql2Node node, string function)
    {
        switch (node)
        {
            case Cql2Property { Name: GeometryQueryable }:
                return "f.geom";
            case Cql2Property p:
                throw new Cql2Exception(_schema.Queryable(_collectionId, p.Name) is null
                    ? $"At {p.Where}: '{p.Name}' is not a queryable of '{_collectionId}' (see /ogc/collections/{_collectionId}/queryables)."
                    : $"At {p.Where}: {function.ToUpperInvariant()} compares geometries: the geometry queryable or a geometry literal.");
            case Cql2Geometry { Kind: "BBox", Coordinates: double[] box } g when _crs.IsCrs84:
                if (box[1] > box[3])
                {
                    throw new Cql2Exception($"At {g.Where}: a box's south is north of its north.");
                }
                // West greater than east crosses the antimeridian: two boxes, as bbox reads them.
                return box[0] <= box[2]
                    ? Envelope(box[0], box[1], box[2], box[3])
                    : $"ST_Union({Envelope(box[0], box[1], 180, box[3])}, {Envelope(-180, box[1], box[2], box[3])})";
            case Cql2Geometry { Kind: "BBox", Coordinates: double[] box } g:
                var polygon = OgcCrsBbox.TryParse(string.Join(",", box.Select(v => v.ToString("R", CultureInfo.InvariantCulture))), _crs, out var error)
                    ?? throw new Cql2Exception($"At {g.Where}: {error}");
                return $"ST_GeomFromText({_sql.Parameter(polygon)}, 4326)";
            case Cql2Geometry g:
                var wkt = new StringBuilder();
                Wkt(wkt, g);
                // A ring that crosses itself is no valid polygon, and GEOS refuses to compare with one: made valid first,
                // once per statement (the subquery), not once per row.
                return $"(select ST_MakeValid(ST_GeomFromText({_sql.Parameter(wkt.ToString())}, 4326)))";
            default:
                throw new Cql2Exception($"At {node.Where}: {function.ToUpperInvariant()} compares geometries: the geometry queryable or a geometry literal.");
        }
    }

    private string Envelope(double west, double south, double east, double north) =>
        $"ST_MakeEnvelope({_sql.Parameter(west)}, {_sql.Parameter(south)}, {_sql.Parameter(east)}, {_sql.Parameter(north)}, 4326)";

    /// <summary>The literal as WKT in WGS 84 longitude, latitude, written from its numbers alone.</summary>
    private void Wkt(StringBuilder wkt, Cql2Geometry g)
    {
        switch (g.Kind)
        {
            case "Point":
                wkt.Append("POINT(");
                Position(wkt, (double[])g.Coordinates!, g.Where);
                wkt.Append(')');
                break;
            case "LineString" or "MultiPoint":
                wkt.Append(g.Kind == "LineString" ? "LINESTRING" : "MULTIPOINT");
                Positions(wkt, (List<double[]>)g.Coordinates!, g.Where);
                break;
            case "Polygon" or "MultiLineString":
                wkt.Append(g.Kind == "Polygon" ? "POLYGON(" : "MULTILINESTRING(");
                Join(wkt, (List<List<double[]>>)g.Coordinates!, ring => Positions(wkt, ring, g.Where));
                wkt.Append(')');
                break;
            case "MultiPolygon":
                wkt.Append("MULTIPOLYGON(");
                Join(wkt, (List<List<List<double[]>>>)g.Coordinates!, polygon =>
                {
                    wkt.Append('(');
                    Join(wkt, polygon, ring => Positions(wkt, ring, g.Where));
                    wkt.Append(')');
                });
                wkt.Append(')');
                break;
            case "GeometryCollection":
                wkt.Append("GEOMETRYCOLLECTION(");
                Join(wkt, g.Parts!, part =>
                {
                    if (part.Kind == "BBox")
                    {
                        throw new Cql2Exception($"At {part.Where}: a box cannot be part of a GEOMETRYCOLLECTION; write it as a POLYGON.");
                    }
                    Wkt(wkt, part);
                });
                wkt.Append(')');
                break;
            default:
                throw new Cql2Exception($"At {g.Where}: a box cannot be part of a GEOMETRYCOLLECTION; write it as a POLYGON.");
        }
    }

    private static void Join<T>(StringBuilder wkt, IEnumerable<T> items, Action<T> write)
    {
        var first = true;
        foreach (var item in items)
        {
            if (!first)
            {
                wkt.Append(',');
            }
            first = false;
            write(item);
        }
    }

    private void Positions(StringBuilder wkt, List<double[]> positions, string where)
    {
        wkt.Append('(');
        Join(wkt, positions, p => Position(wkt, p, where));
        wkt.Append(')');
    }

    private void Position(StringBuilder wkt, double[] position, string where)
    {
        if (!double.IsFinite(position[0]) || !double.IsFinite(position[1]))
        {
            throw new Cql2Exception($"At {where}: a coordinate is not a finite number.");
        }
        var (lon, lat) = _crs.ToWgs84(position[0], position[1])
            ?? throw new Cql2Exception($"At {where}: a position is outside the area where {_crs.Uri} is used: check the numbers and their axis order.");
        wkt.Append(lon.ToString("R", CultureInfo.InvariantCulture)).Append(' ').Append(lat.ToString("R", CultureInfo.InvariantCulture));
    }
}
