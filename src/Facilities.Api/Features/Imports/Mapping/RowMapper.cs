using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Facilities.Api.Features.Categories;
using Facilities.Api.Features.Imports.Crs;
using Facilities.Api.Features.Imports.Formats;

namespace Facilities.Api.Features.Imports.Mapping;

/// <summary>A value the row gave that its attribute cannot take, left out of the row: the value as mapped and why.</summary>
public sealed record IgnoredValue(string Attribute, string Value, string Reason);

/// <summary>One usable row: the partner's id for it, WGS 84 position, attribute values by public name, and the values
/// it gave that were left out.</summary>
public sealed record MappedRow(long Row, string ExternalId, double Lon, double Lat, JsonObject Attributes)
{
    public IReadOnlyList<IgnoredValue> Ignored { get; init; } = [];
}

/// <summary>A row that cannot be used, and why (the report lists each).</summary>
public sealed record RejectedRow(long Row, string Reason, string? ExternalId = null);

/// <summary>
/// Turns a file's records into attribute values through the dataset's mapping: coordinates through the CRS,
/// each field through its definition (<see cref="FieldSpec.Read"/>) and then the attribute's type
/// (<see cref="AttributeFit.Check"/>). A row without a usable position or id is rejected; a single value that fits
/// no type is left out and listed with the row (<see cref="MappedRow.Ignored"/>) and counted per attribute
/// (<see cref="IgnoredValues"/>), because the rest of the row is still good information.
/// </summary>
public sealed class RowMapper(DatasetMapping mapping, SourceCrs crs, Category? category)
{
    public Dictionary<string, int> IgnoredValues { get; } = new(StringComparer.Ordinal);

    /// <summary>Why values of an attribute were ignored: the first such value's reason, with the value.</summary>
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
        else if (mapping.X is null || mapping.Y is null)
        {
            return new RejectedRow(record.Row, "no geometry and no coordinate columns in the mapping");
        }
        else
        {
            var xText = Text(mapping.X, record);
            var yText = Text(mapping.Y, record);
            if (string.IsNullOrWhiteSpace(xText) || string.IsNullOrWhiteSpace(yText))
            {
                return new RejectedRow(record.Row, $"no coordinates ({Describe(mapping.X)}, {Describe(mapping.Y)} empty)");
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
        List<IgnoredValue>? ignored = null;
        foreach (var (attribute, spec) in mapping.Attributes)
        {
            var value = spec.Read(record, out var failure);
            if (failure is not null)
            {
                Ignore(attribute, "", failure);
                continue;
            }
            if (value is null || value.GetValueKind() == JsonValueKind.Null)
            {
                continue;
            }
            if (AttributeFit.Check(attribute, value, category, out var reason) is { } typed)
            {
                attributes[attribute] = typed;
            }
            else
            {
                Ignore(attribute, value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : value.ToJsonString(), reason ?? "does not fit");
            }
        }

        string externalId;
        if (mapping.Id is { } idSpec)
        {
            var raw = Text(idSpec, record)?.Trim();
            if (string.IsNullOrEmpty(raw))
            {
                return new RejectedRow(record.Row, $"no id ({Describe(idSpec)} empty)");
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
        return new MappedRow(record.Row, externalId, Math.Round(position.Value.Lon, 8), Math.Round(position.Value.Lat, 8), attributes)
        {
            Ignored = ignored ?? (IReadOnlyList<IgnoredValue>)[],
        };

        void Ignore(string attribute, string value, string reason)
        {
            IgnoredValues[attribute] = IgnoredValues.GetValueOrDefault(attribute) + 1;
            IgnoredReasons.TryAdd(attribute, $"{reason} (e.g. '{Clip(value, 60)}')");
            (ignored ??= []).Add(new IgnoredValue(attribute, Clip(value, 500), reason));
        }
    }

    private static string? Text(FieldSpec spec, SourceRecord record)
    {
        var value = spec.Read(record, out _);
        return value is null || value.GetValueKind() == JsonValueKind.Null ? null
            : value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : value.ToJsonString();
    }

    private static string Describe(FieldSpec spec) =>
        spec.Columns.Count > 0 ? string.Join("/", spec.Columns) : string.Join("/", spec.ReadColumns());

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

    private static string Clip(string text, int length = 40) => text.Length > length ? text[..length] + "…" : text;
}
