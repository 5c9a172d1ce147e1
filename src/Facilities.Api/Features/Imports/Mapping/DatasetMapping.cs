using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Facilities.Api.Features.Categories;

namespace Facilities.Api.Features.Imports.Mapping;

/// <summary>A column a mapping's field reads that the file does not have (<see cref="Columns"/>: the fallbacks, none there).</summary>
public sealed record MissingColumn(string Field, IReadOnlyList<string> Columns);

/// <summary>
/// A dataset's mapping from its columns to the service's attributes, as the partner wrote it. Two shapes are read:
/// <c>{"extends": "uk_lga_toilets", "fields": {"name": {"columns": ["Name", "LocationText"]}, ...}}</c> (v2, what
/// docs/partners.md describes) and the flat <c>{"name": "Name", ...}</c> of the first datasets, which is v2's
/// <c>fields</c> without the wrapper. <c>id</c> is the partner's record id; <c>lon</c>/<c>lat</c> or <c>x</c>/<c>y</c>
/// the coordinates, in the dataset's CRS (files with their own geometry need none). Every other key is an attribute.
/// </summary>
public sealed class DatasetMapping
{
    private static readonly string[] Coordinates = ["lon", "lat", "x", "y"];
    private static readonly string[] FieldKeys = ["column", "tag", "columns", "template", "pattern", "values", "value", "transform", "flags"];

    public FieldSpec? Id { get; private init; }
    public FieldSpec? X { get; private init; }
    public FieldSpec? Y { get; private init; }
    public IReadOnlyDictionary<string, FieldSpec> Attributes { get; private init; } = new Dictionary<string, FieldSpec>();

    /// <summary>Every column the mapping reads.</summary>
    public IEnumerable<string> Columns() =>
        new[] { Id, X, Y }.OfType<FieldSpec>().Concat(Attributes.Values).SelectMany(f => f.ReadColumns()).Distinct(StringComparer.OrdinalIgnoreCase);

    /// <summary>What a file's header lacks for this mapping: per field, the column (or the fallback columns, none of
    /// which the file has).</summary>
    public IReadOnlyList<MissingColumn> MissingColumns(IReadOnlyCollection<string> declared)
    {
        var fields = new List<(string, FieldSpec)>();
        foreach (var (name, spec) in new[] { ("id", Id), ("x", X), ("y", Y) })
        {
            if (spec is not null)
            {
                fields.Add((name, spec));
            }
        }
        fields.AddRange(Attributes.Select(a => (a.Key, a.Value)));
        var missing = new List<MissingColumn>();
        foreach (var (name, spec) in fields)
        {
            foreach (var need in spec.ColumnNeeds())
            {
                if (!need.Any(c => declared.Contains(c, StringComparer.OrdinalIgnoreCase)))
                {
                    missing.Add(new MissingColumn(name, need));
                }
            }
        }
        return missing;
    }

    /// <summary>The fields object of either shape (the flat one is its own).</summary>
    public static JsonObject? FieldsOf(JsonObject? json) => json is null ? null : IsV2(json) ? json["fields"] as JsonObject : json;

    private static bool IsV2(JsonObject json) => json.ContainsKey("fields") || json.ContainsKey("extends");

    /// <summary>
    /// The mapping to store for a dataset definition: the partner's own, or a preset's, or a preset's with the
    /// partner's fields over it (<c>"extends"</c>; a field set to null drops the preset's). A preset and a mapping
    /// given together without <c>extends</c> is an error: the mapping would silently replace the preset.
    /// </summary>
    public static JsonObject Resolve(JsonObject? mapping, string? preset, IDictionary<string, string> errors)
    {
        var named = MappingPresets.Find(preset);
        if (mapping is null)
        {
            return named is null ? [] : new JsonObject { ["extends"] = named.Id, ["fields"] = named.Fields.DeepClone() };
        }
        var extends = mapping["extends"];
        if (extends is null)
        {
            if (preset is not null)
            {
                errors["mapping.extends"] = $"a preset and a mapping were both given: say \"extends\": \"{preset}\" in the mapping to build on the " +
                                            "preset (its fields, with yours over them), or leave out preset";
            }
            return mapping;
        }
        if (extends.GetValueKind() != JsonValueKind.String || MappingPresets.Find(extends.GetValue<string>()) is not { } basis)
        {
            errors["mapping.extends"] = $"must name a preset: {string.Join(", ", MappingPresets.All.Select(p => p.Id))}";
            return mapping;
        }
        if (preset is not null && !string.Equals(basis.Id, preset, StringComparison.OrdinalIgnoreCase))
        {
            errors["mapping.extends"] = $"extends '{basis.Id}' while preset is '{preset}': give one preset";
            return mapping;
        }
        var fields = basis.Fields.DeepClone().AsObject();
        if (mapping["fields"] is JsonObject own)
        {
            foreach (var (key, value) in own)
            {
                if (value is null)
                {
                    fields.Remove(key);
                }
                else
                {
                    fields[key] = value.DeepClone();
                }
            }
        }
        var resolved = new JsonObject { ["extends"] = basis.Id, ["fields"] = fields };
        foreach (var (key, value) in mapping)
        {
            if (key is not ("extends" or "fields"))
            {
                resolved[key] = value?.DeepClone(); // left for Parse to name as unknown
            }
        }
        return resolved;
    }

    /// <summary>
    /// Reads a mapping; problems go into <paramref name="errors"/> keyed by the exact path of the bad part
    /// (<c>mapping.fields.wheelchair.values.accessible</c>). <paramref name="strict"/> (a definition being made or
    /// changed) also refuses unknown keys and value-map targets or constants the attribute cannot take; a stored
    /// mapping is read leniently, so a dataset defined before these checks keeps importing.
    /// </summary>
    public static DatasetMapping Parse(JsonObject? json, Category? category, IDictionary<string, string> errors, bool strict = true)
    {
        json ??= [];
        var v2 = IsV2(json);
        var prefix = v2 ? "mapping.fields." : "mapping.";
        JsonObject fields;
        if (v2)
        {
            foreach (var (key, _) in json)
            {
                if (key is not ("extends" or "fields") && strict)
                {
                    errors[$"mapping.{key}"] = "unknown key: a mapping has fields (and optionally extends)";
                }
            }
            if (json["fields"] is { } node && node.GetValueKind() != JsonValueKind.Object)
            {
                errors["mapping.fields"] = "must be an object from attribute to field definition";
            }
            fields = json["fields"] as JsonObject ?? [];
        }
        else
        {
            fields = json;
        }

        var attributes = new Dictionary<string, FieldSpec>(StringComparer.Ordinal);
        FieldSpec? id = null, x = null, y = null, lon = null, lat = null;
        foreach (var (key, node) in fields)
        {
            var path = prefix + key;
            var isAttribute = key is not ("id" or "lon" or "lat" or "x" or "y");
            if (isAttribute && (key is "category" or "location" or "status_until" || AttributeFit.TypeOf(key, category) is null))
            {
                errors[path] = $"'{key}' is not an attribute a mapping can fill";
                continue;
            }
            var spec = ParseSpec(key, isAttribute, node, category, path, errors, strict);
            if (spec is null)
            {
                continue;
            }
            switch (key)
            {
                case "id": id = spec; break;
                case "x": x = spec; break;
                case "y": y = spec; break;
                case "lon": lon = spec; break;
                case "lat": lat = spec; break;
                default: attributes[key] = spec; break;
            }
        }
        x ??= lon;
        y ??= lat;
        if ((x is null) != (y is null))
        {
            errors["mapping"] = "name both coordinate columns (lon and lat, or x and y) or neither";
        }
        return new DatasetMapping { Id = id, X = x, Y = y, Attributes = attributes };
    }

    private static FieldSpec? ParseSpec(string key, bool isAttribute, JsonNode? node, Category? category, string path,
        IDictionary<string, string> errors, bool strict)
    {
        if (node?.GetValueKind() == JsonValueKind.String && node.GetValue<string>().Trim() is { Length: > 0 } name)
        {
            return new FieldSpec { Columns = [name] };
        }
        if (node is not JsonObject obj)
        {
            errors[path] = "must be a column name or an object with column, columns, template, pattern, values, value, transform or flags";
            return null;
        }
        var count = errors.Count;
        if (strict)
        {
            foreach (var (k, _) in obj)
            {
                if (!FieldKeys.Contains(k, StringComparer.Ordinal))
                {
                    errors[$"{path}.{k}"] = $"unknown key: a field takes {string.Join(", ", FieldKeys.Where(f => f != "tag"))}";
                }
            }
        }

        List<string> columns = [];
        foreach (var single in (string[])["column", "tag"])
        {
            if (obj[single] is { } column)
            {
                if (column.GetValueKind() == JsonValueKind.String && column.GetValue<string>().Trim() is { Length: > 0 } c)
                {
                    columns.Add(c);
                }
                else
                {
                    errors[$"{path}.{single}"] = "must be a column name";
                }
            }
        }
        if (obj["columns"] is { } list)
        {
            if (list is JsonArray array && array.Count > 0 && array.All(i => i?.GetValueKind() == JsonValueKind.String && i.GetValue<string>().Trim().Length > 0))
            {
                columns.AddRange(array.Select(i => i!.GetValue<string>().Trim()));
            }
            else
            {
                errors[$"{path}.columns"] = "must be a list of column names, the first non-empty one giving the value";
            }
        }

        FieldTemplate? template = null;
        if (obj["template"] is { } templateNode)
        {
            if (templateNode.GetValueKind() != JsonValueKind.String)
            {
                errors[$"{path}.template"] = "must be text with {column} placeholders, e.g. \"{Building Name}, {Street}\"";
            }
            else if ((template = FieldTemplate.Parse(templateNode.GetValue<string>(), out var error)) is null)
            {
                errors[$"{path}.template"] = error!;
            }
        }

        List<(string, string)>? flags = null;
        if (obj["flags"] is { } flagsNode)
        {
            if (flagsNode is not JsonObject flagMap || flagMap.Count == 0)
            {
                errors[$"{path}.flags"] = "must be an object from each list item to the column that says yes to it, e.g. {\"male\": \"Male\"}";
            }
            else if (isAttribute && AttributeFit.TypeOf(key, category) != "enum_list")
            {
                errors[$"{path}.flags"] = $"only a list attribute is built from flags, and {key} is not one";
            }
            else
            {
                flags = [];
                var allowed = AttributeFit.AllowedValues(key, category);
                foreach (var (item, column) in flagMap)
                {
                    if (!allowed.Contains(item))
                    {
                        errors[$"{path}.flags.{item}"] = $"'{item}' is not a value of {key}: {string.Join(", ", allowed)}";
                    }
                    else if (column?.GetValueKind() != JsonValueKind.String || column.GetValue<string>().Trim().Length == 0)
                    {
                        errors[$"{path}.flags.{item}"] = "must be a column name";
                    }
                    else
                    {
                        flags.Add((item, column.GetValue<string>().Trim()));
                    }
                }
            }
        }
        var sources = (columns.Count > 0 ? 1 : 0) + (template is not null || obj["template"] is not null ? 1 : 0) + (obj["flags"] is not null ? 1 : 0);
        if (sources > 1 && strict)
        {
            errors[path] = "takes its value from one of column/columns, template or flags";
        }

        var transforms = new List<FieldTransform>();
        if (obj["transform"] is { } transformNode)
        {
            var names = transformNode switch
            {
                JsonArray a => a.Select(i => i?.GetValueKind() == JsonValueKind.String ? i.GetValue<string>() : null).ToList(),
                _ when transformNode.GetValueKind() == JsonValueKind.String => [transformNode.GetValue<string>()],
                _ => [null],
            };
            for (var i = 0; i < names.Count; i++)
            {
                var where = transformNode is JsonArray ? $"{path}.transform[{i}]" : $"{path}.transform";
                if (names[i] is { } transformName && FieldTransform.Parse(transformName) is { } transform)
                {
                    transforms.Add(transform);
                }
                else
                {
                    errors[where] = $"unknown transform; known: {string.Join(", ", FieldTransform.Names)}";
                }
            }
        }

        System.Text.RegularExpressions.Regex? pattern = null;
        if (obj["pattern"] is { } patternNode)
        {
            if (patternNode.GetValueKind() != JsonValueKind.String)
            {
                errors[$"{path}.pattern"] = "must be a .NET regular expression";
            }
            else if ((pattern = FieldPatterns.Compile(patternNode.GetValue<string>(), out var error)) is null)
            {
                errors[$"{path}.pattern"] = error!;
            }
        }

        ValueMap? values = null;
        if (obj["values"] is { } map)
        {
            if (map is not JsonObject mapObject)
            {
                errors[$"{path}.values"] = "must be an object from the file's values to the attribute's";
            }
            else
            {
                values = new ValueMap();
                foreach (var (from, to) in mapObject)
                {
                    var where = $"{path}.values.{from}";
                    if (isAttribute && strict && !ValueMap.IsNullTarget(to) && !Fits(key, to!, category, where, errors))
                    {
                        continue;
                    }
                    var target = ValueMap.IsNullTarget(to) ? null : to!.DeepClone();
                    var trimmed = from.Trim();
                    if (trimmed == "*")
                    {
                        (values.HasAny, values.Any) = (true, target);
                    }
                    else if (trimmed.Length == 0)
                    {
                        (values.HasEmpty, values.Empty) = (true, target);
                    }
                    else if (trimmed.Length > 2 && trimmed[0] == '/' && trimmed[^1] == '/')
                    {
                        if (FieldPatterns.Compile(trimmed[1..^1], out var error) is { } regex)
                        {
                            values.Patterns.Add((regex, target));
                        }
                        else
                        {
                            errors[where] = error!;
                        }
                    }
                    else if (trimmed[0] == '=' && trimmed.Length > 1)
                    {
                        values.Exact[trimmed[1..].Trim()] = target;
                    }
                    else
                    {
                        values.CaseInsensitive[trimmed] = target;
                    }
                }
            }
        }

        var constant = obj["value"]?.DeepClone();
        if (constant is not null && isAttribute && strict && !ValueMap.IsNullTarget(constant))
        {
            Fits(key, constant, category, $"{path}.value", errors);
        }
        if (columns.Count == 0 && obj["template"] is null && obj["flags"] is null && constant is null)
        {
            errors[path] = "needs a column (or tag), columns, a template, flags or a constant value";
        }
        if (errors.Count > count)
        {
            return null;
        }
        return new FieldSpec
        {
            Columns = columns,
            Template = template,
            Transforms = transforms,
            Pattern = pattern,
            Values = values,
            Constant = constant,
            Flags = flags,
        };
    }

    private static bool Fits(string attribute, JsonNode target, Category? category, string where, IDictionary<string, string> errors)
    {
        if (AttributeFit.Check(attribute, target, category, out var reason) is not null)
        {
            return true;
        }
        errors[where] = $"{target.ToJsonString()} is not a value {attribute} takes: {reason}";
        return false;
    }

    /// <summary>The record id's definition in either shape, to compare a changed mapping with the stored one.</summary>
    public static JsonNode? IdDefinition(JsonObject? json) => FieldsOf(json)?["id"];

    /// <summary>The type of a public attribute (see <see cref="AttributeFit.TypeOf"/>).</summary>
    public static string? AttributeType(string attribute, Category? category) => AttributeFit.TypeOf(attribute, category);

    internal static string Invariant(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
