using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Facilities.Api.Features.Categories;
using Facilities.Api.Features.Facilities;
using Facilities.Api.Features.Imports.Crs;
using Facilities.Api.Features.Imports.Formats;

namespace Facilities.Api.Features.Imports.Mapping;

/// <summary>One usable row: the partner's id for it, WGS 84 position, and attribute values by public name.</summary>
public sealed record MappedRow(long Row, string ExternalId, double Lon, double Lat, JsonObject Attributes);

/// <summary>A row that cannot be used, and why (the report lists each).</summary>
public sealed record RejectedRow(long Row, string Reason, string? ExternalId = null);

/// <summary>
/// Turns a file's records into attribute values through the dataset's mapping: coordinates through the CRS,
/// values through the value maps and then the attribute's type. A row without a usable position or id is
/// rejected; a single value that fits no type is left out and counted (<see cref="IgnoredValues"/>), because the
/// rest of the row is still good information.
/// </summary>
public sealed class RowMapper(DatasetMapping mapping, SourceCrs crs, Category? category)
{
    // Case-insensitive: "Y", "TRUE" and "Oui" are the entries below.
    private static readonly Dictionary<string, bool> Booleans = new(StringComparer.OrdinalIgnoreCase)
    {
        ["true"] = true,
        ["false"] = false,
        ["yes"] = true,
        ["no"] = false,
        ["y"] = true,
        ["n"] = false,
        ["1"] = true,
        ["0"] = false,
        ["t"] = true,
        ["f"] = false,
        ["是"] = true,
        ["否"] = false,
        ["有"] = true,
        ["无"] = false,
        ["無"] = false,
        ["예"] = true,
        ["아니오"] = false,
        ["oui"] = true,
        ["non"] = false,
    };

    public Dictionary<string, int> IgnoredValues { get; } = new(StringComparer.Ordinal);

    /// <summary>Why values of an attribute were ignored, where a reason is known: the first such value's.</summary>
    public Dictionary<string, string> IgnoredReasons { get; } = new(StringComparer.Ordinal);

    private readonly string[] _columns = [.. mapping.Columns()];

    public object Map(SourceRecord record)
    {
        if (record.Error is not null)
        {
            return new RejectedRow(record.Row, record.Error);
        }
        if (NulField(record) is { } nulField)
        {
            return new RejectedRow(record.Row, $"{nulField} contains a NUL character (U+0000), which text cannot hold");
        }

        (double Lon, double Lat)? position;
        var positionCrs = record.PositionCrs ?? crs;
        if (record.Position is { } given)
        {
            position = positionCrs.ToWgs84(given.X, given.Y);
            if (position is null)
            {
                return new RejectedRow(record.Row, $"coordinates ({Fmt(given.X)}, {Fmt(given.Y)}) are outside the area of {positionCrs.Code}");
            }
        }
        else if (mapping.XColumn is null || mapping.YColumn is null)
        {
            return new RejectedRow(record.Row, "no geometry and no coordinate columns in the mapping");
        }
        else
        {
            var xText = record.Get(mapping.XColumn);
            var yText = record.Get(mapping.YColumn);
            if (string.IsNullOrWhiteSpace(xText) || string.IsNullOrWhiteSpace(yText))
            {
                return new RejectedRow(record.Row, $"no coordinates ({mapping.XColumn}, {mapping.YColumn} empty)");
            }
            if (!TryNumber(xText, out var x) || !TryNumber(yText, out var y))
            {
                return new RejectedRow(record.Row, $"coordinates '{Clip(xText)}', '{Clip(yText)}' are not numbers");
            }
            position = crs.ToWgs84(x, y);
            if (position is null)
            {
                return new RejectedRow(record.Row, $"coordinates ({Fmt(x)}, {Fmt(y)}) are outside the area of {crs.Code}");
            }
        }

        var attributes = new JsonObject();
        foreach (var (attribute, spec) in mapping.Attributes)
        {
            var value = Convert(attribute, spec, spec.Column is null ? null : record.Get(spec.Column));
            if (value is not null)
            {
                attributes[attribute] = value;
            }
        }

        string externalId;
        if (mapping.Id is { } idSpec)
        {
            var raw = idSpec.Column is null ? null : record.Get(idSpec.Column)?.Trim();
            if (string.IsNullOrEmpty(raw))
            {
                return new RejectedRow(record.Row, $"no id ({idSpec.Column} empty)");
            }
            externalId = raw;
        }
        else if (record.NativeId is { } native)
        {
            externalId = native;
        }
        else
        {
            // No id column: the position (to the decimetre) and the name identify the record, so the same file
            // imported again finds the same records, and a moved or renamed one is a new record.
            externalId = string.Create(CultureInfo.InvariantCulture, $"@{position.Value.Lon:F6},{position.Value.Lat:F6}")
                         + (attributes["name"] is { } name ? "|" + name.GetValue<string>() : "");
        }
        if (externalId.Length > 500)
        {
            return new RejectedRow(record.Row, "the id is longer than 500 characters");
        }
        return new MappedRow(record.Row, externalId, Math.Round(position.Value.Lon, 8), Math.Round(position.Value.Lat, 8), attributes);
    }

    /// <summary>The first value the row would store that holds U+0000 (PostgreSQL's text cannot), described for the report.</summary>
    private string? NulField(SourceRecord record)
    {
        if (record.NativeId?.Contains('\0', StringComparison.Ordinal) == true)
        {
            return "the record's id";
        }
        foreach (var column in _columns)
        {
            if (record.Get(column)?.Contains('\0', StringComparison.Ordinal) == true)
            {
                return $"the field '{column}'";
            }
        }
        return null;
    }

    private JsonNode? Convert(string attribute, FieldSpec spec, string? raw)
    {
        var text = raw?.Trim();
        JsonNode? value;
        if (spec.Values is { } map)
        {
            if (map.TryGetValue(text ?? "", out var mapped) || (!string.IsNullOrEmpty(text) && map.TryGetValue("*", out mapped)))
            {
                value = mapped?.DeepClone();
            }
            else if (string.IsNullOrEmpty(text))
            {
                value = spec.Constant?.DeepClone();
            }
            else
            {
                value = text;
            }
        }
        else
        {
            value = string.IsNullOrEmpty(text) ? spec.Constant?.DeepClone() : text;
        }
        if (value is null || value.GetValueKind() == JsonValueKind.Null)
        {
            return null;
        }
        var typed = Typed(attribute, value);
        if (typed is null)
        {
            IgnoredValues[attribute] = IgnoredValues.GetValueOrDefault(attribute) + 1;
        }
        return typed;
    }

    /// <summary>Hours the evaluator reads, or null (ignored, with the parser's reason for the first such value of the
    /// attribute in <see cref="IgnoredReasons"/>).</summary>
    private string? ImportedOpeningHours(string attribute, string? text)
    {
        string? error = "no opening hours given";
        if (text is { Length: > 0 } && OpeningHours.TryParse(text, out _, out error))
        {
            return text;
        }
        IgnoredReasons.TryAdd(attribute, $"not readable as opening hours: {error} (e.g. '{(text is { Length: > 60 } ? text[..60] + "…" : text)}')");
        return null;
    }

    /// <summary>The value as the attribute's type wants it, or null when it does not fit.</summary>
    private JsonNode? Typed(string attribute, JsonNode value)
    {
        var kind = value.GetValueKind();
        var text = kind == JsonValueKind.String ? value.GetValue<string>().Trim() : null;
        switch (DatasetMapping.AttributeType(attribute, category))
        {
            case "string":
                return text is { Length: > 0 and <= 500 } ? text : kind is JsonValueKind.Number ? value.ToJsonString() : null;
            case "opening_hours":
                return ImportedOpeningHours(attribute, text);
            case "boolean":
                return kind switch
                {
                    JsonValueKind.True => true,
                    JsonValueKind.False => false,
                    JsonValueKind.Number => value.GetValue<double>() != 0,
                    _ => text is not null && Booleans.TryGetValue(text, out var flag) ? flag : null,
                };
            case "integer":
                return (kind == JsonValueKind.Number && value.AsValue().TryGetValue<int>(out var n)) || int.TryParse(text, CultureInfo.InvariantCulture, out n)
                    ? n : null;
            case "enum":
                var allowed = AllowedValues(attribute);
                var candidate = text?.ToLowerInvariant();
                if (attribute == "wheelchair" && candidate is not null && Booleans.TryGetValue(candidate, out var accessible))
                {
                    candidate = accessible ? "yes" : "no";
                }
                return candidate is not null && allowed.Contains(candidate) ? candidate : null;
            case "enum_list":
                var items = value is JsonArray array
                    ? array.Select(i => i?.GetValueKind() == JsonValueKind.String ? i.GetValue<string>() : null)
                    : (text ?? "").Split([';', ',', '/'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                var genders = items.Select(i => i?.ToLowerInvariant()).ToArray();
                return genders.Length > 0 && genders.All(g => g is not null && CoreAttributes.Genders.Contains(g))
                    ? new JsonArray([.. genders.Distinct().Order(StringComparer.Ordinal).Select(g => (JsonNode)g!)])
                    : null;
            default:
                return null;
        }
    }

    private IReadOnlyCollection<string> AllowedValues(string attribute)
    {
        if (CoreAttributes.Definitions.TryGetValue(attribute, out var core))
        {
            return core.Values ?? [];
        }
        return category is not null && category.AttributeSchema.TryGetProperty(attribute, out var schema)
               && schema.TryGetProperty("values", out var values)
            ? [.. values.EnumerateArray().Select(v => v.GetString() ?? "")]
            : [];
    }

    /// <summary>A decimal number, with a dot, or with a decimal comma as semicolon-separated European files write it.</summary>
    public static bool TryNumber(string text, out double value)
    {
        text = text.Trim();
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value))
        {
            return true;
        }
        return text.Count(c => c == ',') == 1 && !text.Contains('.', StringComparison.Ordinal)
               && double.TryParse(text.Replace(',', '.'), NumberStyles.Float, CultureInfo.InvariantCulture, out value);
    }

    private static string Fmt(double v) => v.ToString("0.######", CultureInfo.InvariantCulture);

    private static string Clip(string text) => text.Length > 40 ? text[..40] + "…" : text;
}
