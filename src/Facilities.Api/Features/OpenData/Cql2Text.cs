using System.Globalization;
using System.Text;

namespace Facilities.Api.Features.OpenData;

/// <summary>
/// CQL2 text (OGC 21-065r2, the cql2-text encoding), read by recursive descent into <see cref="Cql2Node"/>s. The
/// grammar read, keywords in any case:
/// <code>
/// or        = and { OR and }
/// and       = not { AND not }
/// not       = NOT not | primary
/// primary   = "(" or ")" | spatial "(" geometry "," geometry ")" | scalar [ predicate ]   (a lone TRUE or FALSE)
/// predicate = compare scalar | [NOT] (LIKE | ILIKE) scalar | [NOT] BETWEEN scalar AND scalar
///           | [NOT] IN "(" scalar { "," scalar } ")" | IS [NOT] NULL
/// scalar    = 'text' | number | TRUE | FALSE | DATE('…') | TIMESTAMP('…') | CASEI(scalar) | property | "property"
/// geometry  = property | WKT (POINT … GEOMETRYCOLLECTION) | BBOX(w, s, e, n) | ENVELOPE(w, e, n, s)
/// </code>
/// ILIKE is not CQL2's but GDAL writes it for OGR SQL's ILIKE; ENVELOPE is the earlier drafts' box, in their order.
/// Positions in messages count characters from 1.
/// </summary>
public sealed class Cql2Text
{
    private enum Kind
    {
        Word,
        QuotedName,
        Text,
        Number,
        Symbol,
        End,
    }

    private readonly record struct Token(Kind Kind, string Text, int Position);

    private readonly List<Token> _tokens;
    private int _next;
    private int _depth;

    private Cql2Text(List<Token> tokens) => _tokens = tokens;

    public static Cql2Node Parse(string text)
    {
        var parser = new Cql2Text(Tokenise(text));
        var node = parser.Or();
        if (parser.Peek.Kind != Kind.End)
        {
            throw parser.Expected("AND, OR or the end of the filter");
        }
        return node;
    }

    private static string At(int position) => $"character {position.ToString(CultureInfo.InvariantCulture)}";

    private Token Peek => _tokens[_next];

    private Token Take() => _tokens[_next++];

    private bool IsWord(string word, int ahead = 0) =>
        _tokens[Math.Min(_next + ahead, _tokens.Count - 1)] is { Kind: Kind.Word } t && t.Text.Equals(word, StringComparison.OrdinalIgnoreCase);

    private bool IsSymbol(string symbol) => Peek is { Kind: Kind.Symbol } t && t.Text == symbol;

    private Cql2Exception Expected(string what)
    {
        var token = Peek;
        var found = token.Kind switch
        {
            Kind.End => "the end of the filter",
            Kind.Text => $"the string '{token.Text}'",
            _ => $"'{token.Text}'",
        };
        return new Cql2Exception($"At {At(token.Position)}: expected {what}, found {found}.");
    }

    private void Symbol(string symbol)
    {
        if (!IsSymbol(symbol))
        {
            throw Expected($"'{symbol}'");
        }
        _next++;
    }

    private Cql2Node Or()
    {
        Enter();
        var first = Peek.Position;
        var args = new List<Cql2Node> { And() };
        while (IsWord("OR"))
        {
            _next++;
            args.Add(And());
        }
        _depth--;
        return args.Count == 1 ? args[0] : new Cql2Or(At(first), args);
    }

    private Cql2Node And()
    {
        var first = Peek.Position;
        var args = new List<Cql2Node> { Not() };
        while (IsWord("AND"))
        {
            _next++;
            args.Add(Not());
        }
        return args.Count == 1 ? args[0] : new Cql2And(At(first), args);
    }

    private Cql2Node Not()
    {
        if (IsWord("NOT"))
        {
            var position = Take().Position;
            Enter();
            var arg = Not();
            _depth--;
            return new Cql2Not(At(position), arg);
        }
        return Primary();
    }

    private void Enter()
    {
        if (++_depth > Cql2.MaxDepth)
        {
            throw new Cql2Exception($"At {At(Peek.Position)}: the filter nests deeper than {Cql2.MaxDepth} levels.");
        }
    }

    private Cql2Node Primary()
    {
        var token = Peek;
        if (IsSymbol("("))
        {
            _next++;
            var inner = Or();
            Symbol(")");
            return inner;
        }
        if (token.Kind == Kind.Word && Cql2.SpatialFunctions.ContainsKey(token.Text.ToLowerInvariant()))
        {
            _next++;
            Symbol("(");
            var a = GeometryOperand();
            Symbol(",");
            var b = GeometryOperand();
            Symbol(")");
            return new Cql2Spatial(At(token.Position), token.Text.ToLowerInvariant(), a, b);
        }
        var value = Scalar();
        var where = At(token.Position);
        if (Peek.Kind == Kind.Symbol && Cql2.ComparisonOperators.Contains(Peek.Text))
        {
            var op = Take().Text;
            return new Cql2Comparison(where, op, value, Scalar());
        }
        var negated = false;
        if (IsWord("NOT") && (IsWord("LIKE", 1) || IsWord("ILIKE", 1) || IsWord("BETWEEN", 1) || IsWord("IN", 1)))
        {
            _next++;
            negated = true;
        }
        Cql2Node predicate;
        if (IsWord("LIKE") || IsWord("ILIKE"))
        {
            var ignoreCase = IsWord("ILIKE");
            _next++;
            predicate = new Cql2Like(where, value, Scalar(), ignoreCase);
        }
        else if (IsWord("BETWEEN"))
        {
            _next++;
            var low = Scalar();
            if (!IsWord("AND"))
            {
                throw Expected("AND");
            }
            _next++;
            predicate = new Cql2Between(where, value, low, Scalar());
        }
        else if (IsWord("IN"))
        {
            _next++;
            Symbol("(");
            var list = new List<Cql2Node> { Scalar() };
            while (IsSymbol(","))
            {
                _next++;
                list.Add(Scalar());
            }
            Symbol(")");
            predicate = new Cql2In(where, value, list);
        }
        else if (!negated && IsWord("IS"))
        {
            _next++;
            var not = false;
            if (IsWord("NOT"))
            {
                _next++;
                not = true;
            }
            if (!IsWord("NULL"))
            {
                throw Expected("NULL");
            }
            _next++;
            predicate = new Cql2IsNull(where, value);
            negated = not;
        }
        else if (value is Cql2Literal { Value: bool flag })
        {
            return new Cql2BooleanLiteral(where, flag);
        }
        else
        {
            throw Expected("a comparison (=, <>, <, <=, >, >=), LIKE, BETWEEN, IN or IS NULL");
        }
        return negated ? new Cql2Not(where, predicate) : predicate;
    }

    private Cql2Node Scalar()
    {
        var token = Peek;
        var where = At(token.Position);
        switch (token.Kind)
        {
            case Kind.Text:
                _next++;
                return new Cql2Literal(where, token.Text);
            case Kind.Number:
                _next++;
                return Number(token, negative: false);
            case Kind.Symbol when token.Text is "-" or "+" && _tokens[_next + 1].Kind == Kind.Number:
                _next++;
                return Number(Take(), token.Text == "-") with { Where = where };
            case Kind.QuotedName:
                _next++;
                return new Cql2Property(where, token.Text);
            case Kind.Word when IsWord("TRUE") || IsWord("FALSE"):
                {
                    var flag = IsWord("TRUE");
                    _next++;
                    return new Cql2Literal(where, flag);
                }
            case Kind.Word when (IsWord("DATE") || IsWord("TIMESTAMP")) && _tokens[_next + 1] is { Kind: Kind.Symbol, Text: "(" }:
                {
                    var date = IsWord("DATE");
                    _next += 2;
                    var literal = Peek;
                    if (literal.Kind != Kind.Text)
                    {
                        throw Expected(date ? "a date in quotes, DATE('2026-11-24')" : "a time in quotes, TIMESTAMP('2026-11-24T10:00:00Z')");
                    }
                    _next++;
                    Symbol(")");
                    if (!Cql2.TryInstant(literal.Text, date, out var first, out var last))
                    {
                        throw new Cql2Exception($"At {At(literal.Position)}: '{literal.Text}' is not an RFC 3339 date (DATE) or date-time with an offset (TIMESTAMP).");
                    }
                    return new Cql2Instant(where, first, last);
                }
            case Kind.Word when IsWord("CASEI") && _tokens[_next + 1] is { Kind: Kind.Symbol, Text: "(" }:
                {
                    _next += 2;
                    Enter();
                    var arg = Scalar();
                    _depth--;
                    Symbol(")");
                    return new Cql2CaseInsensitive(where, arg);
                }
            case Kind.Word when _tokens[_next + 1] is { Kind: Kind.Symbol, Text: "(" }:
                throw new Cql2Exception($"At {where}: '{token.Text}' is not a function or operator of CQL2 that this service evaluates.");
            case Kind.Word when !IsKeyword(token.Text):
                _next++;
                return new Cql2Property(where, token.Text);
            default:
                throw Expected("a property name or a literal ('text', a number, TRUE, FALSE, DATE('…'), TIMESTAMP('…'))");
        }
    }

    private static Cql2Literal Number(Token token, bool negative)
    {
        var where = At(token.Position);
        if (!token.Text.Contains('.', StringComparison.Ordinal) && !token.Text.Contains('e', StringComparison.OrdinalIgnoreCase)
            && long.TryParse(token.Text, NumberStyles.None, CultureInfo.InvariantCulture, out var whole))
        {
            return new Cql2Literal(where, negative ? -whole : whole);
        }
        if (!double.TryParse(token.Text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) || !double.IsFinite(number))
        {
            throw new Cql2Exception($"At {where}: '{token.Text}' is not a number.");
        }
        return new Cql2Literal(where, negative ? -number : number);
    }

    private static readonly string[] Keywords = ["AND", "OR", "NOT", "LIKE", "ILIKE", "BETWEEN", "IN", "IS", "NULL", "TRUE", "FALSE"];

    private static bool IsKeyword(string word) => Keywords.Contains(word, StringComparer.OrdinalIgnoreCase);

    private Cql2Node GeometryOperand()
    {
        var token = Peek;
        if (token.Kind == Kind.QuotedName || (token.Kind == Kind.Word && _tokens[_next + 1] is not { Kind: Kind.Symbol, Text: "(" }
                                                 && !IsGeometryWord(token.Text)))
        {
            _next++;
            return new Cql2Property(At(token.Position), token.Text);
        }
        return GeometryLiteral();
    }

    private static readonly string[] GeometryWords =
        ["POINT", "LINESTRING", "POLYGON", "MULTIPOINT", "MULTILINESTRING", "MULTIPOLYGON", "GEOMETRYCOLLECTION", "BBOX", "ENVELOPE"];

    private static bool IsGeometryWord(string word) => GeometryWords.Contains(word, StringComparer.OrdinalIgnoreCase);

    private Cql2Geometry GeometryLiteral()
    {
        var token = Peek;
        if (token.Kind != Kind.Word || !IsGeometryWord(token.Text))
        {
            throw Expected("a geometry: the geometry property, POINT(…), LINESTRING(…), POLYGON(…), a MULTI… or GEOMETRYCOLLECTION(…), or BBOX(…)");
        }
        _next++;
        var kind = token.Text.ToUpperInvariant();
        var where = At(token.Position);
        if (kind is "BBOX" or "ENVELOPE")
        {
            Symbol("(");
            var numbers = new List<double> { SignedNumber() };
            while (IsSymbol(","))
            {
                _next++;
                numbers.Add(SignedNumber());
            }
            Symbol(")");
            if (kind == "ENVELOPE" && numbers.Count == 4)
            {
                // ENVELOPE(west, east, north, south).
                numbers = [numbers[0], numbers[3], numbers[1], numbers[2]];
            }
            if (numbers.Count == 6 && kind == "BBOX")
            {
                // A 3D box: the facilities have no height, so its lower and upper heights are dropped.
                numbers = [numbers[0], numbers[1], numbers[3], numbers[4]];
            }
            if (numbers.Count != 4)
            {
                throw new Cql2Exception($"At {where}: a box has four numbers: BBOX(west, south, east, north).");
            }
            return new Cql2Geometry(where, "BBox", numbers.ToArray());
        }
        if (IsWord("Z"))
        {
            _next++;
        }
        Symbol("(");
        Cql2Geometry geometry = kind switch
        {
            "POINT" => new(where, "Point", Position()),
            "LINESTRING" => new(where, "LineString", Line(where)),
            "POLYGON" => new(where, "Polygon", Polygon(where)),
            "MULTIPOINT" => new(where, "MultiPoint", MultiPoint()),
            "MULTILINESTRING" => new(where, "MultiLineString", List(() => { Symbol("("); var l = Line(where); Symbol(")"); return l; })),
            "MULTIPOLYGON" => new(where, "MultiPolygon", List(() => { Symbol("("); var p = Polygon(where); Symbol(")"); return p; })),
            _ => GeometryCollection(where),
        };
        Symbol(")");
        return geometry;
    }

    private Cql2Geometry GeometryCollection(string where)
    {
        Enter();
        var parts = List(GeometryLiteral);
        _depth--;
        return new Cql2Geometry(where, "GeometryCollection", null, parts);
    }

    private List<T> List<T>(Func<T> item)
    {
        var items = new List<T> { item() };
        while (IsSymbol(","))
        {
            _next++;
            items.Add(item());
        }
        return items;
    }

    private List<double[]> MultiPoint() => List(() =>
    {
        if (IsSymbol("("))
        {
            _next++;
            var p = Position();
            Symbol(")");
            return p;
        }
        return Position();
    });

    private List<double[]> Line(string where)
    {
        var line = List(Position);
        if (line.Count < 2)
        {
            throw new Cql2Exception($"At {where}: a line has at least two positions.");
        }
        return line;
    }

    private List<List<double[]>> Polygon(string where) => List(() =>
    {
        Symbol("(");
        var ring = List(Position);
        Symbol(")");
        Cql2Geometries.CheckRing(ring, where);
        return ring;
    });

    private double[] Position()
    {
        var x = SignedNumber();
        var y = SignedNumber();
        if (Peek.Kind == Kind.Number || (Peek is { Kind: Kind.Symbol, Text: "-" or "+" }))
        {
            // A height: the facilities have none, so it is read and dropped.
            SignedNumber();
        }
        return [x, y];
    }

    private double SignedNumber()
    {
        var negative = false;
        if (Peek is { Kind: Kind.Symbol, Text: "-" or "+" } sign && _tokens[_next + 1].Kind == Kind.Number)
        {
            negative = sign.Text == "-";
            _next++;
        }
        if (Peek.Kind != Kind.Number)
        {
            throw Expected("a number");
        }
        var value = Number(Take(), negative).Value;
        return value is long l ? l : (double)value;
    }

    private static List<Token> Tokenise(string text)
    {
        var tokens = new List<Token>();
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            var start = i;
            if (char.IsWhiteSpace(c))
            {
                i++;
            }
            else if (c == '\'' || c == '"')
            {
                // '' inside a string and "" inside a quoted name stand for the quote itself.
                var value = new StringBuilder();
                i++;
                while (true)
                {
                    if (i >= text.Length)
                    {
                        throw new Cql2Exception(c == '\''
                            ? $"At {At(start + 1)}: the string that starts here has no closing quote."
                            : $"At {At(start + 1)}: the quoted name that starts here has no closing quote.");
                    }
                    if (text[i] == c)
                    {
                        if (i + 1 < text.Length && text[i + 1] == c)
                        {
                            value.Append(c);
                            i += 2;
                            continue;
                        }
                        i++;
                        break;
                    }
                    value.Append(text[i++]);
                }
                tokens.Add(new Token(c == '\'' ? Kind.Text : Kind.QuotedName, value.ToString(), start + 1));
            }
            else if (char.IsAsciiDigit(c) || (c == '.' && i + 1 < text.Length && char.IsAsciiDigit(text[i + 1])))
            {
                while (i < text.Length && (char.IsAsciiDigit(text[i]) || text[i] == '.'))
                {
                    i++;
                }
                if (i < text.Length && text[i] is 'e' or 'E')
                {
                    i++;
                    if (i < text.Length && text[i] is '+' or '-')
                    {
                        i++;
                    }
                    while (i < text.Length && char.IsAsciiDigit(text[i]))
                    {
                        i++;
                    }
                }
                tokens.Add(new Token(Kind.Number, text[start..i], start + 1));
            }
            else if (char.IsLetter(c) || c == '_')
            {
                while (i < text.Length && (char.IsLetterOrDigit(text[i]) || text[i] is '_' or '.' or ':'))
                {
                    i++;
                }
                tokens.Add(new Token(Kind.Word, text[start..i], start + 1));
            }
            else if (c is '<' or '>' && i + 1 < text.Length && (text[i + 1] == '=' || (c == '<' && text[i + 1] == '>')))
            {
                tokens.Add(new Token(Kind.Symbol, text.Substring(i, 2), start + 1));
                i += 2;
            }
            else if (c is '(' or ')' or ',' or '=' or '<' or '>' or '-' or '+')
            {
                tokens.Add(new Token(Kind.Symbol, c.ToString(), start + 1));
                i++;
            }
            else
            {
                throw new Cql2Exception($"At {At(start + 1)}: '{c}' has no meaning in CQL2 text.");
            }
        }
        tokens.Add(new Token(Kind.End, "", text.Length + 1));
        return tokens;
    }
}

/// <summary>What every geometry literal must be, whichever encoding it came in, before PostGIS sees it.</summary>
public static class Cql2Geometries
{
    public static void CheckRing(IReadOnlyList<double[]> ring, string where)
    {
        if (ring.Count < 4 || ring[0][0] != ring[^1][0] || ring[0][1] != ring[^1][1])
        {
            throw new Cql2Exception($"At {where}: a polygon's ring is closed (its last position is its first) and has at least four positions.");
        }
    }
}
