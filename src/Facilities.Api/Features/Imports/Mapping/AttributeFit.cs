using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Facilities.Api.Features.Categories;
using Facilities.Api.Features.Facilities;

namespace Facilities.Api.Features.Imports.Mapping;

/// <summary>
/// The one place where a mapped value is checked against its attribute: at import for every value a row gives, and
/// when a dataset is defined for every value-map target and constant, so that a target the attribute cannot take is
/// a 400 naming it rather than a value silently dropped at every import.
/// </summary>
public static class AttributeFit
{
    // Case-insensitive: "Y", "TRUE" and "Oui" are the entries below.
    public static readonly IReadOnlyDictionary<string, bool> Booleans = new Dictionary<string, bool>(StringComparer.OrdinalIgnoreCase)
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

    /// <summary>The type of a public attribute: a core one from <see cref="CoreAttributes"/>, else the category's schema.</summary>
    public static string? TypeOf(string attribute, Category? category)
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

    /// <summary>
    /// The value as the attribute's type wants it, or null with the reason it does not fit (a string too long, a word
    /// no enum has, hours the evaluator cannot read).
    /// </summary>
    public static JsonNode? Check(string attribute, JsonNode value, Category? category, out string? reason)
    {
        reason = null;
        var kind = value.GetValueKind();
        var text = kind == JsonValueKind.String ? value.GetValue<string>().Trim() : null;
        JsonNode? typed;
        switch (TypeOf(attribute, category))
        {
            case "string":
                typed = text is { Length: > 0 and <= 500 } ? text : kind is JsonValueKind.Number ? value.ToJsonString() : null;
                reason = typed is null ? (text is { Length: > 500 } ? "longer than 500 characters" : "not text") : null;
                return typed;
            case "opening_hours":
                string? error = "no opening hours given";
                if (text is { Length: > 0 } && OpeningHours.TryParse(text, out _, out error))
                {
                    return text;
                }
                reason = $"not readable as opening hours: {error}";
                return null;
            case "boolean":
                typed = kind switch
                {
                    JsonValueKind.True => true,
                    JsonValueKind.False => false,
                    JsonValueKind.Number => value.GetValue<double>() != 0,
                    _ => text is not null && Booleans.TryGetValue(text, out var flag) ? flag : null,
                };
                reason = typed is null ? "not yes or no" : null;
                return typed;
            case "integer":
                typed = (kind == JsonValueKind.Number && value.AsValue().TryGetValue<int>(out var n)) || int.TryParse(text, CultureInfo.InvariantCulture, out n)
                    ? n : null;
                reason = typed is null ? "not a whole number" : null;
                return typed;
            case "enum":
                var allowed = AllowedValues(attribute, category);
                var candidate = text?.ToLowerInvariant();
                if (attribute == "wheelchair" && candidate is not null && Booleans.TryGetValue(candidate, out var accessible))
                {
                    candidate = accessible ? "yes" : "no";
                }
                if (candidate is not null && allowed.Contains(candidate))
                {
                    return candidate;
                }
                reason = $"not one of {string.Join(", ", allowed)}";
                return null;
            case "enum_list":
                var items = value is JsonArray array
                    ? array.Select(i => i?.GetValueKind() == JsonValueKind.String ? i.GetValue<string>() : null)
                    : (text ?? "").Split([';', ',', '/'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                var list = items.Select(i => i?.ToLowerInvariant()).ToArray();
                var values = AllowedValues(attribute, category);
                if (list.Length > 0 && list.All(g => g is not null && values.Contains(g)))
                {
                    return new JsonArray([.. list.Distinct().Order(StringComparer.Ordinal).Select(g => (JsonNode)g!)]);
                }
                reason = $"not a list of {string.Join(", ", values)}";
                return null;
            default:
                reason = "not an attribute of the category";
                return null;
        }
    }

    public static IReadOnlyCollection<string> AllowedValues(string attribute, Category? category)
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
}
