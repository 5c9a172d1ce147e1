using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Unicode;
using Facilities.Api.Data;

namespace Facilities.Api.Features.OpenData;

/// <summary>
/// A facility as open data publishes it (OGC API items, the GeoJSON export): a GeoJSON Feature whose properties are
/// the contract's stored attributes, and beside them the Feature's <c>sources</c>: each current source record as
/// <c>{dataset_id, record_id, license}</c>, so a partner joins its own file to the layer by its record ids. Sources are a
/// member of the Feature (RFC 7946 §6.1), not a property: the properties are the versioned state that the change
/// feed carries and a mirror rebuilds, while a record is linked to a facility without a new version. Left out:
/// <c>open_now</c>, which depends on the moment of reading and would make every export and page different from the
/// last (and its ETag useless), and <c>provenance</c>, which stays one request away at /api/v1/facilities/{id}. Written straight from the row with <see cref="Utf8JsonWriter"/>,
/// so a million of them stream without an object graph per feature.
/// </summary>
public static class OpenDataFeatureJson
{
    /// <summary>The property names in the order written: the id, the published core attributes (<see cref="CoreColumns"/>),
    /// then the category attributes and what the service adds. The CSV export uses the same names as columns.</summary>
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
    /// of a join it would have to group.
    /// </summary>
    public const string SourcesColumn =
        "coalesce((select json_agg(json_build_object('dataset_id', s.dataset_id, 'record_id', s.external_id, 'license', d.license) " +
        "order by s.id)::text from source_records s join datasets d on d.id = s.dataset_id " +
        "where s.facility_id = f.id and s.removed_at is null), '[]')";

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
    private static readonly JsonEncodedText[] Names = [.. PropertyNames.Select(n => JsonEncodedText.Encode(n))];

    /// <summary>
    /// One feature; its point in <paramref name="crs"/> (CRS84 by default). A facility outside the area where the
    /// CRS is used has a null geometry: a projection far from its zone gives numbers, not a place.
    /// </summary>
    public static void Write(Utf8JsonWriter w, FacilityRow row, IReadOnlyList<OgcLink>? links = null, OgcCrs? crs = null)
    {
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
        var n = 0;
        w.WriteString(Names[n++], id);
        foreach (var column in CoreColumns.Published)
        {
            WriteValue(w, Names[n++], column.OfRow(row));
        }
        // jsonb's text output is valid JSON: copied through without parsing.
        w.WritePropertyName(Names[n++]);
        w.WriteRawValue(row.AttributesJson, skipInputValidation: true);
        w.WriteNumber(Names[n++], Math.Round(row.Confidence, 3));
        WriteNullable(w, Names[n++], row.LastVerifiedAt);
        w.WriteNumber(Names[n++], row.Version);
        w.WriteString(Names[n], row.UpdatedAt);
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
