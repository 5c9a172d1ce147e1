using System.Text.Json;
using System.Text.Json.Nodes;
using Facilities.Api.Features.Categories;
using Facilities.Api.Features.Facilities;

namespace Facilities.Api.Features.Proposals;

/// <summary>
/// Checks proposed attribute values against the core attribute definitions (<see cref="CoreAttributes"/>) and the
/// category's attribute schema (categories.attribute_schema), so that nothing reaches FacilityWriter that its
/// <c>FacilityState.With</c> could not take or the public layer could not show. Null clears an attribute.
/// </summary>
public static class AttributeValues
{
    /// <summary>Core attributes a proposal of kind update may set (<see cref="CoreAttributes.Definition.Editable"/>). Location
    /// and category have their own kind (move) or cannot change.</summary>
    public static readonly IReadOnlySet<string> EditableCore =
        CoreAttributes.Definitions.Where(d => d.Value.Editable).Select(d => d.Key).ToHashSet(StringComparer.Ordinal);

    private const int DefaultMaxLength = 200;

    /// <summary>The error for one attribute's value, or null when the value is allowed.</summary>
    public static string? Check(Category category, string attribute, JsonNode? value)
    {
        if (EditableCore.Contains(attribute))
        {
            var definition = CoreAttributes.Definitions[attribute];
            // Attributes with a default (not nullable columns) are set back to "unknown" rather than cleared.
            return CheckType(definition.Type, definition.Values, value, attribute == "opening_hours" ? 255 : DefaultMaxLength, null, null)
                ?? (attribute == "opening_hours" ? CheckOpeningHours(value) : null);
        }
        if (category.AttributeSchema.ValueKind == JsonValueKind.Object && category.AttributeSchema.TryGetProperty(attribute, out var schema)
            && schema.TryGetProperty("type", out var type))
        {
            string[]? values = schema.TryGetProperty("values", out var v) ? [.. v.EnumerateArray().Select(e => e.GetString()!)] : null;
            int? maxLength = schema.TryGetProperty("max_length", out var m) ? m.GetInt32() : null;
            long? min = schema.TryGetProperty("min", out var lo) ? lo.GetInt64() : null;
            long? max = schema.TryGetProperty("max", out var hi) ? hi.GetInt64() : null;
            return CheckType(type.GetString()!, values, value, maxLength ?? DefaultMaxLength, min, max);
        }
        return CoreAttributes.Definitions.ContainsKey(attribute) || attribute is "location" or "category" or "status_until"
            ? "This attribute cannot be changed by an update proposal (use kind move, close or reopen; official_grade is a partner's)."
            : $"Unknown attribute for the category '{category.Id}'.";
    }

    /// <summary>Hours the evaluator cannot read would make the facility "unknown" for open now: refused with the parser's
    /// words, which name where the text stops making sense.</summary>
    private static string? CheckOpeningHours(JsonNode? value) =>
        value is null || value.GetValueKind() == JsonValueKind.Null || OpeningHours.TryParse(value.GetValue<string>(), out _, out var error)
            ? null
            : $"Not readable as opening hours: {error}. Write them as OpenStreetMap does, e.g. Mo-Fr 08:00-18:00; Sa 10:00-14:00; Su off.";

    private static string? CheckType(string type, IReadOnlyList<string>? values, JsonNode? value, int maxLength, long? min, long? max)
    {
        if (value is null || value.GetValueKind() == JsonValueKind.Null)
        {
            return null;
        }
        var kind = value.GetValueKind();
        switch (type)
        {
            case "boolean":
                return kind is JsonValueKind.True or JsonValueKind.False ? null : "Must be true, false or null.";
            case "integer":
                if (kind != JsonValueKind.Number || !value.AsValue().TryGetValue<long>(out var n))
                {
                    return "Must be a whole number or null.";
                }
                return (min is { } lo && n < lo) || (max is { } hi && n > hi) ? $"Must be between {min} and {max}." : null;
            case "enum":
                return kind == JsonValueKind.String && values!.Contains(value.GetValue<string>(), StringComparer.Ordinal)
                    ? null
                    : $"Must be one of: {string.Join(", ", values!)}.";
            case "enum_list":
                if (value is not JsonArray list || list.Any(item => item?.GetValueKind() != JsonValueKind.String
                        || !values!.Contains(item.GetValue<string>(), StringComparer.Ordinal)))
                {
                    return $"Must be a list of: {string.Join(", ", values!)}.";
                }
                return list.Select(item => item!.GetValue<string>()).Distinct(StringComparer.Ordinal).Count() == list.Count
                    ? null
                    : "Must not repeat a value.";
            default: // string, opening_hours
                if (kind != JsonValueKind.String)
                {
                    return "Must be a string or null.";
                }
                var text = value.GetValue<string>();
                return text.Trim().Length == 0 ? "Must not be blank (null clears it)."
                    : text.Length > maxLength ? $"Must be at most {maxLength} characters."
                    : text.Any(char.IsControl) ? "Must not contain control characters."
                    : null;
        }
    }
}
