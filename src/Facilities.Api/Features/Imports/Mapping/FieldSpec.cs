using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Facilities.Api.Features.Imports.Formats;

namespace Facilities.Api.Features.Imports.Mapping;

/// <summary>
/// Where one value comes from, in the order it is worked out: the text of the first non-empty of
/// <see cref="Columns"/> (or OSM tags), or <see cref="Template"/> filled from several; each <see cref="Transforms"/>
/// cleanup; <see cref="Pattern"/>'s group; the value map; <see cref="Constant"/> when nothing is left. A list
/// attribute can instead be built from <see cref="Flags"/>: each item whose column reads yes (or a count above 0).
/// </summary>
public sealed class FieldSpec
{
    public static readonly TimeSpan PatternTimeout = TimeSpan.FromMilliseconds(100);

    public IReadOnlyList<string> Columns { get; init; } = [];
    public FieldTemplate? Template { get; init; }
    public IReadOnlyList<FieldTransform> Transforms { get; init; } = [];
    public Regex? Pattern { get; init; }
    public ValueMap? Values { get; init; }
    public JsonNode? Constant { get; init; }
    public IReadOnlyList<(string Item, string Column)>? Flags { get; init; }

    /// <summary>Every column the field reads.</summary>
    public IEnumerable<string> ReadColumns() =>
        Columns.Concat(Template?.Columns ?? []).Concat(Flags?.Select(f => f.Column) ?? []);

    /// <summary>The columns a file must have for this field: any one of <see cref="Columns"/> (they are fallbacks),
    /// every column of the template and of the flags.</summary>
    public IEnumerable<IReadOnlyList<string>> ColumnNeeds()
    {
        if (Columns.Count > 0)
        {
            yield return Columns;
        }
        foreach (var column in (Template?.Columns ?? []).Concat(Flags?.Select(f => f.Column) ?? []))
        {
            yield return [column];
        }
    }

    /// <summary>The field's value for one record (null: the record says nothing), or a reason it could not be read.</summary>
    public JsonNode? Read(SourceRecord record, out string? failure)
    {
        failure = null;
        if (Flags is { } flags)
        {
            var items = flags.Where(f => IsSet(record.Get(f.Column))).Select(f => (JsonNode)f.Item).ToArray();
            return items.Length > 0 ? new JsonArray(items) : Constant?.DeepClone();
        }
        string? text = null;
        if (Template is { } template)
        {
            text = template.Fill(record);
        }
        else
        {
            foreach (var column in Columns)
            {
                if (record.Get(column)?.Trim() is { Length: > 0 } found)
                {
                    text = found;
                    break;
                }
            }
        }
        foreach (var transform in Transforms)
        {
            text = text is null ? null : transform.Apply(text);
        }
        if (Pattern is not null && !string.IsNullOrEmpty(text))
        {
            try
            {
                text = FieldPatterns.Extract(Pattern, text);
            }
            catch (RegexMatchTimeoutException)
            {
                failure = $"the pattern took longer than {PatternTimeout.TotalMilliseconds} ms";
                return null;
            }
        }
        text = string.IsNullOrWhiteSpace(text) ? null : text.Trim();
        if (Values is { } map && map.TryMap(text, out var mapped))
        {
            return mapped?.DeepClone();
        }
        return text is null ? Constant?.DeepClone() : JsonValue.Create(text);
    }

    private static bool IsSet(string? text)
    {
        text = text?.Trim();
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }
        if (AttributeFit.Booleans.TryGetValue(text, out var flag))
        {
            return flag;
        }
        return RowMapper.TryNumber(text, out var count) && count > 0;
    }
}

/// <summary>"{Building Name}, {Street}": the literal text between two columns is kept only when both are non-empty,
/// so a missing building name gives "Street", not ", Street". <c>{{</c> and <c>}}</c> are braces.</summary>
public sealed class FieldTemplate
{
    private readonly List<(string Text, bool IsColumn)> _parts;

    private FieldTemplate(List<(string Text, bool IsColumn)> parts) => _parts = parts;

    public IEnumerable<string> Columns => _parts.Where(p => p.IsColumn).Select(p => p.Text);

    public static FieldTemplate? Parse(string template, out string? error)
    {
        error = null;
        var parts = new List<(string, bool)>();
        var literal = new StringBuilder();
        for (var i = 0; i < template.Length; i++)
        {
            var c = template[i];
            if ((c == '{' || c == '}') && i + 1 < template.Length && template[i + 1] == c)
            {
                literal.Append(c);
                i++;
            }
            else if (c == '{')
            {
                var end = template.IndexOf('}', i + 1);
                var column = end < 0 ? "" : template[(i + 1)..end].Trim();
                if (column.Length == 0 || column.Contains('{', StringComparison.Ordinal))
                {
                    error = "each { must name a column and close with } (write {{ for a brace)";
                    return null;
                }
                parts.Add((literal.ToString(), false));
                literal.Clear();
                parts.Add((column, true));
                i = end;
            }
            else if (c == '}')
            {
                error = "a } closes no {column} (write }} for a brace)";
                return null;
            }
            else
            {
                literal.Append(c);
            }
        }
        parts.Add((literal.ToString(), false));
        if (!parts.Any(p => p.Item2))
        {
            error = "names no {column}";
            return null;
        }
        return new FieldTemplate(parts);
    }

    public string? Fill(SourceRecord record)
    {
        // The parts alternate literal, column, literal ... literal; a column's separator is the literal just before it.
        var result = new StringBuilder(_parts[0].Text);
        var any = false;
        for (var i = 1; i < _parts.Count; i += 2)
        {
            if (record.Get(_parts[i].Text)?.Trim() is not { Length: > 0 } value)
            {
                continue;
            }
            if (any)
            {
                result.Append(_parts[i - 1].Text);
            }
            result.Append(value);
            any = true;
        }
        return any ? result.Append(_parts[^1].Text).ToString() : null;
    }
}

/// <summary>The named cleanups a field can apply, in the order written.</summary>
public sealed partial class FieldTransform
{
    public static readonly string[] Names = ["trim_prefix:<text>", "trim_suffix:<text>", "strip_html", "collapse_spaces", "lowercase", "hours_24_7"];

    private readonly Func<string, string> _apply;

    private FieldTransform(Func<string, string> apply) => _apply = apply;

    public string Apply(string text) => _apply(text);

    public static FieldTransform? Parse(string spec)
    {
        var colon = spec.IndexOf(':', StringComparison.Ordinal);
        var name = colon < 0 ? spec.Trim() : spec[..colon].Trim();
        var argument = colon < 0 ? null : spec[(colon + 1)..];
        return (name, argument) switch
        {
            ("trim_prefix", { Length: > 0 } prefix) => new(t =>
            {
                var trimmed = t.TrimStart();
                return trimmed.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) ? trimmed[prefix.Length..].Trim() : t;
            }),
            ("trim_suffix", { Length: > 0 } suffix) => new(t =>
            {
                var trimmed = t.TrimEnd();
                return trimmed.EndsWith(suffix, StringComparison.OrdinalIgnoreCase) ? trimmed[..^suffix.Length].Trim() : t;
            }),
            // HtmlDecode turns &#0; into U+0000, which PostgreSQL's text cannot hold; HTML reads it as U+FFFD.
            ("strip_html", null) => new(t => WebUtility.HtmlDecode(Spaces().Replace(Tags().Replace(t, " "), " ")).Replace('\0', '\uFFFD').Trim()),
            ("collapse_spaces", null) => new(t => Spaces().Replace(t, " ").Trim()),
            ("lowercase", null) => new(t => t.ToLowerInvariant()),
            ("hours_24_7", null) => new(t => AllDay().IsMatch(t) ? "24/7" : t),
            _ => null,
        };
    }

    [GeneratedRegex(@"<[^>]*>")]
    private static partial Regex Tags();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Spaces();

    // "24 hours", "Open 24 hours", "24hrs", "24 hours a day, 7 days a week", "24/7", "24 x 7", "Always open".
    [GeneratedRegex(@"^\s*(open\s+)?(24\s*(hours?|hrs?|h)(\s*(a day|daily))?([\s,]*(7 days( a week)?|every day|all week))?|24\s*[/x]\s*7|always open)\s*\.?\s*$",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex AllDay();
}

public static class FieldPatterns
{
    /// <summary>Compiles a partner's pattern with the match timeout, or says why it does not compile.</summary>
    public static Regex? Compile(string pattern, out string? error)
    {
        error = null;
        try
        {
            return new Regex(pattern, RegexOptions.CultureInvariant, FieldSpec.PatternTimeout);
        }
        catch (ArgumentException e)
        {
            error = "is not a .NET regular expression: " + e.Message;
            return null;
        }
    }

    /// <summary>The text of the first named group, else of the first group, else the whole match; null without a match.</summary>
    public static string? Extract(Regex pattern, string text)
    {
        var match = pattern.Match(text);
        if (!match.Success)
        {
            return null;
        }
        var named = pattern.GetGroupNames().FirstOrDefault(n => !int.TryParse(n, out _));
        var group = named is not null ? match.Groups[named] : match.Groups.Count > 1 ? match.Groups[1] : match.Groups[0];
        return group.Success ? group.Value : null;
    }
}

/// <summary>
/// A value map from the file's values to the attribute's. Keys: <c>"=Text"</c> matches exactly; <c>"/regex/"</c>
/// matches by a .NET regular expression (anywhere in the value; <c>(?i)</c> for case-insensitive); any other key
/// matches trimmed and case-insensitively; <c>"*"</c> catches any other non-empty value and <c>""</c> an empty one.
/// Exact keys are tried first, then case-insensitive ones, then patterns in the order written.
/// </summary>
public sealed class ValueMap
{
    public Dictionary<string, JsonNode?> Exact { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, JsonNode?> CaseInsensitive { get; } = new(StringComparer.OrdinalIgnoreCase);
    public List<(Regex Pattern, JsonNode? Target)> Patterns { get; } = [];
    public bool HasEmpty { get; set; }
    public JsonNode? Empty { get; set; }
    public bool HasAny { get; set; }
    public JsonNode? Any { get; set; }

    public bool TryMap(string? text, out JsonNode? target)
    {
        target = null;
        if (string.IsNullOrEmpty(text))
        {
            target = Empty;
            return HasEmpty;
        }
        if (Exact.TryGetValue(text, out target) || CaseInsensitive.TryGetValue(text, out target))
        {
            return true;
        }
        foreach (var (pattern, to) in Patterns)
        {
            bool matched;
            try
            {
                matched = pattern.IsMatch(text);
            }
            catch (RegexMatchTimeoutException)
            {
                matched = false;
            }
            if (matched)
            {
                target = to;
                return true;
            }
        }
        target = Any;
        return HasAny;
    }

    public static bool IsNullTarget(JsonNode? target) => target is null || target.GetValueKind() == JsonValueKind.Null;
}
