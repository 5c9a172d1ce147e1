using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Unicode;
using Facilities.Api.Data;

namespace Facilities.Api.Features.OpenData;

/// <summary>
/// A facility as open data publishes it (OGC API items, the GeoJSON export): a GeoJSON Feature whose properties are
/// the contract's stored attributes. Left out: <c>open_now</c>, which depends on the moment of reading and would make
/// every export and page different from the last (and its ETag useless); <c>sources</c> and <c>provenance</c>, which
/// stay one request away at /api/v1/facilities/{id}. Written straight from the row with <see cref="Utf8JsonWriter"/>,
/// so a million of them stream without an object graph per feature.
/// </summary>
public static class OpenDataFeatureJson
{
    /// <summary>The property names in the order written; the CSV export uses the same names as columns.</summary>
    public static readonly string[] PropertyNames =
    [
        "id", "category", "name", "operator", "status", "status_until", "access", "fee", "charge", "opening_hours",
        "wheelchair", "changing_table", "adult_changing_table", "gender", "key_scheme", "official_grade", "attributes",
        "confidence", "last_verified_at", "version", "updated_at",
    ];

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
        w.WriteString(Names[n++], row.Category);
        WriteNullable(w, Names[n++], row.Name);
        WriteNullable(w, Names[n++], row.Operator);
        w.WriteString(Names[n++], row.Status);
        WriteNullable(w, Names[n++], row.StatusUntil);
        w.WriteString(Names[n++], row.Access);
        WriteNullable(w, Names[n++], row.Fee);
        WriteNullable(w, Names[n++], row.Charge);
        WriteNullable(w, Names[n++], row.OpeningHours);
        w.WriteString(Names[n++], row.Wheelchair);
        WriteNullable(w, Names[n++], row.ChangingTable);
        WriteNullable(w, Names[n++], row.AdultChangingTable);
        w.WriteStartArray(Names[n++]);
        foreach (var gender in row.Gender)
        {
            w.WriteStringValue(gender);
        }
        w.WriteEndArray();
        WriteNullable(w, Names[n++], row.KeyScheme);
        WriteNullable(w, Names[n++], row.OfficialGrade);
        // jsonb's text output is valid JSON: copied through without parsing.
        w.WritePropertyName(Names[n++]);
        w.WriteRawValue(row.AttributesJson, skipInputValidation: true);
        w.WriteNumber(Names[n++], Math.Round(row.Confidence, 3));
        WriteNullable(w, Names[n++], row.LastVerifiedAt);
        w.WriteNumber(Names[n++], row.Version);
        w.WriteString(Names[n], row.UpdatedAt);
        w.WriteEndObject();

        if (links is not null)
        {
            w.WritePropertyName(Links);
            OgcLink.WriteArray(w, links);
        }
        w.WriteEndObject();
    }

    private static void WriteNullable(Utf8JsonWriter w, JsonEncodedText name, string? value)
    {
        if (value is null)
        {
            w.WriteNull(name);
        }
        else
        {
            w.WriteString(name, value);
        }
    }

    private static void WriteNullable(Utf8JsonWriter w, JsonEncodedText name, bool? value)
    {
        if (value is { } b)
        {
            w.WriteBoolean(name, b);
        }
        else
        {
            w.WriteNull(name);
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
