using System.Globalization;

namespace Facilities.Api.Features.OpenData;

/// <summary>A value a filter compares a property with: one value, or the first and last instant of a day.</summary>
public abstract record PropertyValue
{
    public sealed record One(object Value) : PropertyValue;

    public sealed record Range(DateTime First, DateTime Last) : PropertyValue;
}

/// <summary>
/// A queryable's value as a query parameter gives it (<c>wheelchair=yes</c>, <c>fee=false</c>, <c>seats=3</c>,
/// <c>updated_at=2026-11-24</c>), parsed to the property's type so the database compares typed values.
/// </summary>
public static class PropertyValues
{
    public static bool TryParse(PublishedProperty property, string text, out PropertyValue? value, out string? error)
    {
        value = null;
        error = null;
        switch (property.Type)
        {
            case PropertyType.Text:
                value = new PropertyValue.One(text);
                break;
            case PropertyType.Enum when property.Values!.Contains(text, StringComparer.Ordinal):
                value = new PropertyValue.One(text);
                break;
            case PropertyType.Enum:
                error = $"Must be one of: {string.Join(", ", property.Values!)}.";
                break;
            // GDAL sends a boolean field's condition as 1 or 0: OGR's booleans are integers.
            case PropertyType.Boolean when text is "true" or "1":
                value = new PropertyValue.One(true);
                break;
            case PropertyType.Boolean when text is "false" or "0":
                value = new PropertyValue.One(false);
                break;
            case PropertyType.Boolean:
                error = "Must be true or false.";
                break;
            case PropertyType.WholeNumber when long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var whole):
                value = new PropertyValue.One(whole);
                break;
            case PropertyType.WholeNumber:
                error = "Must be a whole number.";
                break;
            case PropertyType.Number when double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && double.IsFinite(number):
                value = new PropertyValue.One(number);
                break;
            case PropertyType.Number:
                error = "Must be a number.";
                break;
            case PropertyType.Instant when !text.Contains('/', StringComparison.Ordinal) && OgcDateTime.TryParse(text, out var from, out var to, out _):
                value = new PropertyValue.Range(from!.Value, to!.Value);
                break;
            case PropertyType.Instant:
                error = "Must be an RFC 3339 date-time (2026-11-24T10:00:00Z) or a date (2026-11-24, the whole UTC day).";
                break;
            default:
                error = "Is not a queryable.";
                break;
        }
        return value is not null;
    }
}
