using System.Text.Json;

namespace Facilities.Api.Features.OpenData;

/// <summary>
/// CQL2 JSON (OGC 21-065r2, the cql2-json encoding) into <see cref="Cql2Node"/>s: <c>{"op": "=", "args": [{"property":
/// "wheelchair"}, "yes"]}</c>, with <c>and</c>, <c>or</c>, <c>not</c>, the comparisons, <c>like</c>, <c>between</c>,
/// <c>in</c>, <c>isNull</c>, <c>casei</c> and the spatial functions; literals as JSON values, <c>{"date": …}</c>,
/// <c>{"timestamp": …}</c>, GeoJSON geometries and <c>{"bbox": [w, s, e, n]}</c>. A refusal names its place as a JSON
/// Pointer into the filter.
/// </summary>
public static class Cql2Json
{
    public static Cql2Node Parse(string json)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = Cql2.MaxDepth * 2 });
        }
        catch (JsonException e)
        {
            throw new Cql2Exception($"At line {(e.LineNumber ?? 0) + 1}, byte {(e.BytePositionInLine ?? 0) + 1}: the filter is not well-formed JSON.");
        }
        using (document)
        {
            try
            {
                return Boolean(document.RootElement, "");
            }
            catch (FormatException)
            {
                // GetDouble of a number beyond a double's range.
                throw new Cql2Exception("At /: a number is beyond the range of a double.");
            }
        }
    }

    private static string At(string pointer) => pointer.Length == 0 ? "/" : pointer;

    private static Cql2Exception Expected(string pointer, string what) => new($"At {At(pointer)}: expected {what}.");

    private static Cql2Node Boolean(JsonElement e, string pointer)
    {
        if (e.ValueKind is JsonValueKind.True or JsonValueKind.False)
        {
            return new Cql2BooleanLiteral(At(pointer), e.GetBoolean());
        }
        var (op, args) = Operation(e, pointer, "a boolean expression: an object with op and args, or true or false");
        var where = At(pointer);
        switch (op)
        {
            case "and" or "or":
                if (args.Count < 2)
                {
                    throw Arguments(pointer, op, "two or more");
                }
                var operands = args.Select((a, i) => Boolean(a, $"{pointer}/args/{i}")).ToList();
                return op == "and" ? new Cql2And(where, operands) : new Cql2Or(where, operands);
            case "not":
                Count(args, 1, pointer, op);
                return new Cql2Not(where, Boolean(args[0], $"{pointer}/args/0"));
            case "=" or "<>" or "<" or "<=" or ">" or ">=":
                Count(args, 2, pointer, op);
                return new Cql2Comparison(where, op, Scalar(args[0], $"{pointer}/args/0"), Scalar(args[1], $"{pointer}/args/1"));
            case "like":
                Count(args, 2, pointer, op);
                return new Cql2Like(where, Scalar(args[0], $"{pointer}/args/0"), Scalar(args[1], $"{pointer}/args/1"), IgnoreCase: false);
            case "between":
                Count(args, 3, pointer, op);
                return new Cql2Between(where, Scalar(args[0], $"{pointer}/args/0"), Scalar(args[1], $"{pointer}/args/1"), Scalar(args[2], $"{pointer}/args/2"));
            case "in":
                Count(args, 2, pointer, op);
                if (args[1].ValueKind != JsonValueKind.Array || args[1].GetArrayLength() == 0)
                {
                    throw Expected($"{pointer}/args/1", "an array of one or more values");
                }
                return new Cql2In(where, Scalar(args[0], $"{pointer}/args/0"),
                    [.. args[1].EnumerateArray().Select((v, i) => Scalar(v, $"{pointer}/args/1/{i}"))]);
            case "isnull":
                Count(args, 1, pointer, op);
                return new Cql2IsNull(where, Scalar(args[0], $"{pointer}/args/0"));
            case var spatial when Cql2.SpatialFunctions.ContainsKey(spatial):
                Count(args, 2, pointer, op);
                return new Cql2Spatial(where, spatial, Geometry(args[0], $"{pointer}/args/0"), Geometry(args[1], $"{pointer}/args/1"));
            default:
                throw new Cql2Exception($"At {pointer}/op: '{op}' is not a function or operator of CQL2 that this service evaluates.");
        }
    }

    /// <summary>The op, lower-cased (isNull is isnull, S_INTERSECTS s_intersects), and the args of an operation.</summary>
    private static (string Op, List<JsonElement> Args) Operation(JsonElement e, string pointer, string what)
    {
        if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty("op", out var op) || op.ValueKind != JsonValueKind.String)
        {
            throw Expected(pointer, what);
        }
        if (!e.TryGetProperty("args", out var args) || args.ValueKind != JsonValueKind.Array)
        {
            throw Expected($"{pointer}/args", "an array of the operation's arguments");
        }
        return (op.GetString()!.ToLowerInvariant(), [.. args.EnumerateArray()]);
    }

    private static void Count(List<JsonElement> args, int n, string pointer, string op)
    {
        if (args.Count != n)
        {
            throw Arguments(pointer, op, n.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    private static Cql2Exception Arguments(string pointer, string op, string count) =>
        new($"At {pointer}/args: '{op}' takes {count} arguments.");

    private static Cql2Node Scalar(JsonElement e, string pointer)
    {
        var where = At(pointer);
        switch (e.ValueKind)
        {
            case JsonValueKind.String:
                return new Cql2Literal(where, e.GetString()!);
            case JsonValueKind.Number:
                return e.TryGetInt64(out var whole) ? new Cql2Literal(where, whole) : new Cql2Literal(where, e.GetDouble());
            case JsonValueKind.True or JsonValueKind.False:
                return new Cql2Literal(where, e.GetBoolean());
            case JsonValueKind.Object when e.TryGetProperty("property", out var property) && property.ValueKind == JsonValueKind.String:
                return new Cql2Property(where, property.GetString()!);
            case JsonValueKind.Object when Instant(e, out var text, out var date):
                if (!Cql2.TryInstant(text, date, out var first, out var last))
                {
                    throw new Cql2Exception($"At {where}: '{text}' is not an RFC 3339 date (DATE) or date-time with an offset (TIMESTAMP).");
                }
                return new Cql2Instant(where, first, last);
            case JsonValueKind.Object when e.TryGetProperty("op", out _):
                var (op, args) = Operation(e, pointer, "a value");
                if (op != "casei")
                {
                    throw new Cql2Exception($"At {pointer}/op: '{op}' is not a function or operator of CQL2 that this service evaluates.");
                }
                Count(args, 1, pointer, op);
                return new Cql2CaseInsensitive(where, Scalar(args[0], $"{pointer}/args/0"));
            default:
                throw Expected(pointer, "a value: a string, a number, a boolean, {\"property\": …}, {\"date\": …} or {\"timestamp\": …}");
        }
    }

    private static bool Instant(JsonElement e, out string text, out bool date)
    {
        text = "";
        date = e.TryGetProperty("date", out var value);
        if ((date || e.TryGetProperty("timestamp", out value)) && value.ValueKind == JsonValueKind.String)
        {
            text = value.GetString()!;
            return true;
        }
        return false;
    }

    private static Cql2Node Geometry(JsonElement e, string pointer)
    {
        var where = At(pointer);
        if (e.ValueKind == JsonValueKind.Object && e.TryGetProperty("property", out var property) && property.ValueKind == JsonValueKind.String)
        {
            return new Cql2Property(where, property.GetString()!);
        }
        return GeometryLiteral(e, pointer, 0);
    }

    private static Cql2Geometry GeometryLiteral(JsonElement e, string pointer, int depth)
    {
        var where = At(pointer);
        if (e.ValueKind == JsonValueKind.Object && e.TryGetProperty("bbox", out var bbox))
        {
            var numbers = bbox.ValueKind == JsonValueKind.Array ? bbox.EnumerateArray().ToList() : [];
            if (numbers.Count is not (4 or 6) || numbers.Any(n => n.ValueKind != JsonValueKind.Number))
            {
                throw Expected($"{pointer}/bbox", "four numbers: west, south, east, north");
            }
            var v = numbers.Select(n => n.GetDouble()).ToArray();
            return new Cql2Geometry(where, "BBox", v.Length == 4 ? v : new[] { v[0], v[1], v[3], v[4] });
        }
        if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String)
        {
            throw Expected(pointer, "a geometry: {\"property\": \"geometry\"}, a GeoJSON geometry or {\"bbox\": [west, south, east, north]}");
        }
        var kind = type.GetString()!;
        if (kind == "GeometryCollection")
        {
            // Not empty, as in CQL2 text: PostGIS reads no WKT for an empty collection but GEOMETRYCOLLECTION EMPTY.
            if (depth >= Cql2.MaxDepth || !e.TryGetProperty("geometries", out var geometries) || geometries.ValueKind != JsonValueKind.Array
                || geometries.GetArrayLength() == 0)
            {
                throw Expected($"{pointer}/geometries", "an array of one or more geometries");
            }
            return new Cql2Geometry(where, kind, null, [.. geometries.EnumerateArray().Select((g, i) => GeometryLiteral(g, $"{pointer}/geometries/{i}", depth + 1))]);
        }
        if (!e.TryGetProperty("coordinates", out var coordinates))
        {
            throw Expected($"{pointer}/coordinates", "the coordinates of the geometry");
        }
        var c = $"{pointer}/coordinates";
        object value = kind switch
        {
            "Point" => Position(coordinates, c),
            "MultiPoint" => Positions(coordinates, c, 1),
            "LineString" => Positions(coordinates, c, 2),
            "MultiLineString" => Each(coordinates, c, (l, p) => Positions(l, p, 2)),
            "Polygon" => Rings(coordinates, c),
            "MultiPolygon" => Each(coordinates, c, Rings),
            _ => throw Expected($"{pointer}/type", "a GeoJSON geometry type: Point, LineString, Polygon, MultiPoint, MultiLineString, MultiPolygon or GeometryCollection"),
        };
        return new Cql2Geometry(where, kind, value);
    }

    private static List<T> Each<T>(JsonElement e, string pointer, Func<JsonElement, string, T> item)
    {
        if (e.ValueKind != JsonValueKind.Array || e.GetArrayLength() == 0)
        {
            throw Expected(pointer, "a non-empty array");
        }
        return [.. e.EnumerateArray().Select((x, i) => item(x, $"{pointer}/{i}"))];
    }

    private static List<List<double[]>> Rings(JsonElement e, string pointer) => Each(e, pointer, (r, p) =>
    {
        var ring = Positions(r, p, 4);
        Cql2Geometries.CheckRing(ring, p);
        return ring;
    });

    private static List<double[]> Positions(JsonElement e, string pointer, int atLeast)
    {
        var positions = Each(e, pointer, Position);
        if (positions.Count < atLeast)
        {
            throw Expected(pointer, $"at least {atLeast} positions");
        }
        return positions;
    }

    private static double[] Position(JsonElement e, string pointer)
    {
        if (e.ValueKind != JsonValueKind.Array || e.GetArrayLength() is not (2 or 3) || e.EnumerateArray().Any(n => n.ValueKind != JsonValueKind.Number))
        {
            throw Expected(pointer, "a position: [x, y] or [x, y, z]");
        }
        return [e[0].GetDouble(), e[1].GetDouble()];
    }
}
