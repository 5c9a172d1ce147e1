using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Unicode;
using Facilities.Api.Data;
using Npgsql;

namespace Facilities.Api.Features.OpenData;

/// <summary>
/// A facility as open data publishes it (OGC API items, the GeoJSON export): a GeoJSON Feature whose properties are
/// the contract's stored attributes, each category attribute a typed property of its own (<see cref="OpenDataSchema"/>),
/// and beside them the Feature's <c>sources</c>: each current source record as
/// <c>{dataset_id, record_id, license}</c>, so a partner joins its own file to the layer by its record ids. Sources are a
/// member of the Feature (RFC 7946 §6.1), not a property: the properties are the versioned state that the change
/// feed carries and a mirror rebuilds, while a record is linked to a facility without a new version. Left out:
/// <c>open_now</c>, which depends on the moment of reading and would make every export and page different from the
/// last (and its ETag useless), and <c>provenance</c>, which stays one request away at /api/v1/facilities/{id}. Written straight from the row with <see cref="Utf8JsonWriter"/>,
/// so a million of them stream without an object graph per feature.
/// </summary>
public static class OpenDataFeatureJson
{
    /// <summary>The CSV export's property columns: the id, the published core attributes (<see cref="CoreColumns"/>),
    /// the category attributes as one JSON column (a CSV row has no room for each category's own columns), then what
    /// the service adds. GeoJSON features write the category attributes one by one in its place.</summary>
    public static readonly string[] PropertyNames =
    [
        "id", .. CoreColumns.Published.Select(c => c.Name), "attributes", "confidence", "last_verified_at", "version", "updated_at",
    ];

    /// <summary>
    /// The select-list entry after <see cref="FacilityRow.Columns"/> that <see cref="FacilityRow.ReadWithSources"/>
    /// reads: the facility's current source records (not removed at source), in the order they were first linked,
    /// each with its dataset's license, so a feature copied out of the layer still says under which terms it came.
    /// A correlated subquery on the source_records_facility index: one or two index entries per facility (and the
    /// datasets' primary key, a handful of rows), and the export keeps its single ordered scan of facilities instead
    /// of a join it would have to group. The JSON is put together as text, in the very bytes json_agg of
    /// json_build_object writes (<c>[{"dataset_id" : "…", …}, {…}]</c>, each string escaped by to_json): cheaper
    /// per facility than json_build_object, which works out how to write each of its arguments on every call.
    /// None of the three columns is null, so no element drops out of the concatenation.
    /// </summary>
    public const string SourcesColumn =
        "coalesce((select '[' || string_agg('{\"dataset_id\" : \"' || s.dataset_id || '\", \"record_id\" : ' || to_json(s.external_id) || " +
        "', \"license\" : ' || to_json(d.license) || '}', ', ' order by s.id) || ']' from source_records s join datasets d on d.id = s.dataset_id " +
        "where s.facility_id = f.id and s.removed_at is null), '[]')";

    /// <summary>
    /// The same source records for a page of facilities in one statement, for <see cref="SourcesOfAsync"/>: one index
    /// scan over the page's ids and one sort, where <see cref="SourcesColumn"/> costs a subquery and a sort of its
    /// aggregate for every facility. Ordered by facility, then as first linked.
    /// </summary>
    public const string SourcesOfSql =
        "select s.facility_id, s.dataset_id, s.external_id, d.license from source_records s join datasets d on d.id = s.dataset_id " +
        "where s.facility_id = any($1) and s.removed_at is null order by s.facility_id, s.id";

    /// <summary>
    /// The text <see cref="SourcesColumn"/> gives for each of <paramref name="ids"/> ("[]" for a facility without one),
    /// byte for byte, so that a page and an export or a single item write the same sources.
    /// </summary>
    public static async Task<Dictionary<Guid, string>> SourcesOfAsync(NpgsqlConnection connection, Guid[] ids, CancellationToken cancellationToken)
    {
        var sources = new Dictionary<Guid, string>(ids.Length);
        await using var command = new NpgsqlCommand(SourcesOfSql, connection);
        command.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = ids });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var text = new StringBuilder();
        Guid? facility = null;
        while (await reader.ReadAsync(cancellationToken))
        {
            var id = reader.GetGuid(0);
            if (id != facility)
            {
                if (facility is { } previous)
                {
                    sources[previous] = text.Append(']').ToString();
                }
                facility = id;
                text.Clear().Append('[');
            }
            else
            {
                text.Append(", ");
            }
            text.Append("{\"dataset_id\" : \"").Append(reader.GetGuid(1).ToString()).Append("\", \"record_id\" : ");
            AppendJsonString(text, reader.GetString(2));
            text.Append(", \"license\" : ");
            AppendJsonString(text, reader.GetString(3));
            text.Append('}');
        }
        if (facility is { } last)
        {
            sources[last] = text.Append(']').ToString();
        }
        foreach (var id in ids)
        {
            sources.TryAdd(id, "[]");
        }
        return sources;
    }

    /// <summary>A JSON string escaped as PostgreSQL's to_json escapes it: the two-letter escapes, \u00xx in lower case for
    /// the other control characters, everything else as it is.</summary>
    private static void AppendJsonString(StringBuilder text, string value)
    {
        text.Append('"');
        foreach (var c in value)
        {
            _ = c switch
            {
                '"' => text.Append("\\\""),
                '\\' => text.Append("\\\\"),
                '\b' => text.Append("\\b"),
                '\f' => text.Append("\\f"),
                '\n' => text.Append("\\n"),
                '\r' => text.Append("\\r"),
                '\t' => text.Append("\\t"),
                < ' ' => text.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture)),
                _ => text.Append(c),
            };
        }
        text.Append('"');
    }

    /// <summary>
    /// Chinese and other non-ASCII letters are written as UTF-8, not as \uXXXX escapes that triple the size of a
    /// name; characters that matter in HTML (&lt; &gt; &amp; ' ") are still escaped.
    /// </summary>
    public static readonly JsonWriterOptions WriterOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private static readonly JsonEncodedText Type = JsonEncodedText.Encode("type");
    private static readonly JsonEncodedText Feature = JsonEncodedText.Encode("Feature");
    private static readonly JsonEncodedText Point = JsonEncodedText.Encode("Point");
    private static readonly JsonEncodedText Id = JsonEncodedText.Encode("id");
    private static readonly JsonEncodedText Geometry = JsonEncodedText.Encode("geometry");
    private static readonly JsonEncodedText Coordinates = JsonEncodedText.Encode("coordinates");
    private static readonly JsonEncodedText Properties = JsonEncodedText.Encode("properties");
    private static readonly JsonEncodedText Links = JsonEncodedText.Encode("links");
    private static readonly JsonEncodedText Sources = JsonEncodedText.Encode("sources");
    /// <summary>
    /// One feature; its point in <paramref name="crs"/> (CRS84 by default). A facility outside the area where the
    /// CRS is used has a null geometry: a projection far from its zone gives numbers, not a place.
    /// </summary>
    public static void Write(Utf8JsonWriter w, FacilityRow row, OpenDataSchema schema, IReadOnlyList<OgcLink>? links = null, OgcCrs? crs = null,
        OgcPropertySelection? selection = null)
    {
        if (selection is not null)
        {
            WriteSelected(w, row, schema, links, crs, selection);
            return;
        }
        var id = row.Id.ToString();
        w.WriteStartObject();
        w.WriteString(Type, Feature);
        w.WriteString(Id, id);
        if ((crs ?? OgcCrs.Crs84).FromWgs84(row.Lon, row.Lat) is { } point)
        {
            w.WriteStartObject(Geometry);
            w.WriteString(Type, Point);
            w.WriteStartArray(Coordinates);
            w.WriteNumberValue(point.First);
            w.WriteNumberValue(point.Second);
            w.WriteEndArray();
            w.WriteEndObject();
        }
        else
        {
            w.WriteNull(Geometry);
        }

        w.WriteStartObject(Properties);
        // Leading is the id, then the published core columns in their order; Trailing the service's four.
        var leading = schema.Leading;
        w.WriteString(leading[0].EncodedName, id);
        var n = 1;
        foreach (var column in CoreColumns.Published)
        {
            WriteValue(w, leading[n++].EncodedName, column.OfRow(row));
        }
        WriteAttributes(w, row.AttributesJson, schema.AttributesOf(row.Category));
        var trailing = schema.Trailing;
        w.WriteNumber(trailing[0].EncodedName, Math.Round(row.Confidence, 3));
        WriteNullable(w, trailing[1].EncodedName, row.LastVerifiedAt);
        w.WriteNumber(trailing[2].EncodedName, row.Version);
        w.WriteString(trailing[3].EncodedName, row.UpdatedAt);
        w.WriteEndObject();

        if (row.SourcesJson is { } sources)
        {
            // json_agg's text is valid JSON: copied through without parsing.
            w.WritePropertyName(Sources);
            w.WriteRawValue(sources, skipInputValidation: true);
        }

        if (links is not null)
        {
            w.WritePropertyName(Links);
            OgcLink.WriteArray(w, links);
        }
        w.WriteEndObject();
    }

    /// <summary>
    /// A feature with only the properties a <c>properties</c> parameter names, in the order <see cref="Write"/> writes
    /// them. Kept apart so that the pages and exports that select nothing take the path without a test per property.
    /// </summary>
    private static void WriteSelected(Utf8JsonWriter w, FacilityRow row, OpenDataSchema schema, IReadOnlyList<OgcLink>? links, OgcCrs? crs,
        OgcPropertySelection selection)
    {
        var id = row.Id.ToString();
        w.WriteStartObject();
        w.WriteString(Type, Feature);
        w.WriteString(Id, id);
        if (selection.Geometry && (crs ?? OgcCrs.Crs84).FromWgs84(row.Lon, row.Lat) is { } point)
        {
            w.WriteStartObject(Geometry);
            w.WriteString(Type, Point);
            w.WriteStartArray(Coordinates);
            w.WriteNumberValue(point.First);
            w.WriteNumberValue(point.Second);
            w.WriteEndArray();
            w.WriteEndObject();
        }
        else
        {
            w.WriteNull(Geometry);
        }

        w.WriteStartObject(Properties);
        var leading = schema.Leading;
        if (selection.Includes(leading[0]))
        {
            w.WriteString(leading[0].EncodedName, id);
        }
        var n = 1;
        foreach (var column in CoreColumns.Published)
        {
            var property = leading[n++];
            if (selection.Includes(property))
            {
                WriteValue(w, property.EncodedName, column.OfRow(row));
            }
        }
        WriteAttributes(w, row.AttributesJson, selection.AttributesOf(schema, row.Category));
        var trailing = schema.Trailing;
        if (selection.Includes(trailing[0]))
        {
            w.WriteNumber(trailing[0].EncodedName, Math.Round(row.Confidence, 3));
        }
        if (selection.Includes(trailing[1]))
        {
            WriteNullable(w, trailing[1].EncodedName, row.LastVerifiedAt);
        }
        if (selection.Includes(trailing[2]))
        {
            w.WriteNumber(trailing[2].EncodedName, row.Version);
        }
        if (selection.Includes(trailing[3]))
        {
            w.WriteString(trailing[3].EncodedName, row.UpdatedAt);
        }
        w.WriteEndObject();

        if (selection.Sources && row.SourcesJson is { } sources)
        {
            w.WritePropertyName(Sources);
            w.WriteRawValue(sources, skipInputValidation: true);
        }
        if (links is not null)
        {
            w.WritePropertyName(Links);
            OgcLink.WriteArray(w, links);
        }
        w.WriteEndObject();
    }

    /// <summary>
    /// The category attributes, each as its own property in the category's order, null when the facility has none:
    /// the values are copied from the jsonb text as they are (the writers validated their types), found in one pass.
    /// </summary>
    private static void WriteAttributes(Utf8JsonWriter w, string json, IReadOnlyList<PublishedProperty> attributes)
    {
        if (attributes.Count == 0)
        {
            return;
        }
        var max = Encoding.UTF8.GetMaxByteCount(json.Length);
        byte[]? rented = null;
        try
        {
            Span<byte> buffer = max <= 1024 ? stackalloc byte[1024] : (rented = ArrayPool<byte>.Shared.Rent(max));
            var bytes = buffer[..Encoding.UTF8.GetBytes(json, buffer)];
            // Where each attribute's value is in bytes; an empty range is an attribute the facility does not have.
            Span<Range> values = stackalloc Range[attributes.Count];
            var reader = new Utf8JsonReader(bytes);
            if (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
            {
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var index = -1;
                    for (var i = 0; i < attributes.Count && index < 0; i++)
                    {
                        if (reader.ValueTextEquals(attributes[i].EncodedName.EncodedUtf8Bytes))
                        {
                            index = i;
                        }
                    }
                    reader.Read();
                    var start = (int)reader.TokenStartIndex;
                    reader.Skip();
                    if (index >= 0)
                    {
                        values[index] = start..(int)reader.BytesConsumed;
                    }
                }
            }
            for (var i = 0; i < attributes.Count; i++)
            {
                w.WritePropertyName(attributes[i].EncodedName);
                var (offset, length) = values[i].GetOffsetAndLength(bytes.Length);
                if (length == 0)
                {
                    w.WriteNullValue();
                }
                else
                {
                    w.WriteRawValue(bytes.Slice(offset, length), skipInputValidation: true);
                }
            }
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>A core attribute's value: null, a string, a boolean, a time or a list of strings (see <see cref="CoreColumnType"/>).</summary>
    private static void WriteValue(Utf8JsonWriter w, JsonEncodedText name, object? value)
    {
        switch (value)
        {
            case null:
                w.WriteNull(name);
                break;
            case string text:
                w.WriteString(name, text);
                break;
            case bool flag:
                w.WriteBoolean(name, flag);
                break;
            case DateTime time:
                w.WriteString(name, time);
                break;
            case string[] texts:
                w.WriteStartArray(name);
                foreach (var text in texts)
                {
                    w.WriteStringValue(text);
                }
                w.WriteEndArray();
                break;
            default:
                throw new InvalidOperationException($"{name}: no JSON for {value.GetType()}");
        }
    }

    private static void WriteNullable(Utf8JsonWriter w, JsonEncodedText name, DateTime? value)
    {
        if (value is { } t)
        {
            w.WriteString(name, t);
        }
        else
        {
            w.WriteNull(name);
        }
    }
}
