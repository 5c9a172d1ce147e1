using System.Globalization;
using System.IO.Pipelines;
using System.Text;
using System.Text.Json;
using Facilities.Api.Data;

namespace Facilities.Api.Features.OpenData;

/// <summary>
/// The two text export formats, written row by row into the response body's pipe and flushed every 64 KiB, so a client
/// reading slowly holds back the database reader instead of filling the server's memory.
/// </summary>
public static class ExportFormats
{
    public const string CsvContentType = "text/csv; charset=utf-8; header=present";

    private const int FlushBytes = 64 * 1024;

    /// <summary>
    /// A GeoJSON FeatureCollection (RFC 7946) whose foreign members, written before the features so a reader meets
    /// them first, say under which licenses the data is and whom to credit: <c>license</c> (SPDX expression),
    /// <c>attribution</c>, and <c>sources</c> with every dataset's name, license and attribution.
    /// </summary>
    public static async Task WriteGeoJsonAsync(
        PipeWriter body, string name, ExportSources sources, OpenDataSchema schema, string attributionUrl, DateTimeOffset now,
        IAsyncEnumerable<FacilityRow> rows, CancellationToken cancellationToken)
    {
        await using var w = new Utf8JsonWriter(body, OpenDataFeatureJson.WriterOptions);
        w.WriteStartObject();
        w.WriteString("type", "FeatureCollection");
        w.WriteString("name", name);
        w.WriteString("title", sources.Title);
        w.WriteString("license", sources.License);
        w.WriteString("attribution", sources.Attribution);
        w.WriteStartArray("sources");
        foreach (var source in sources.Sources)
        {
            w.WriteStartObject();
            w.WriteString("id", source.Id);
            w.WriteString("name", source.Name);
            w.WriteString("kind", source.Kind);
            w.WriteString("license", source.License);
            w.WriteString("attribution", source.Attribution);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteString("attribution_url", attributionUrl);
        w.WriteString("generated_at", now.UtcDateTime);
        w.WriteStartArray("features");
        // The writer hands full segments to the pipe by itself (BytesPending stays small), but only FlushAsync sends
        // them and waits for a slow client: without it the whole export would pile up in the pipe. Count what the
        // writer produced since the last flush instead.
        long flushed = 0;
        await foreach (var row in rows.WithCancellation(cancellationToken))
        {
            OpenDataFeatureJson.Write(w, row, schema);
            if (w.BytesCommitted + w.BytesPending - flushed >= FlushBytes)
            {
                w.Flush();
                flushed = w.BytesCommitted;
                if ((await body.FlushAsync(cancellationToken)).IsCompleted)
                {
                    return;
                }
            }
        }
        w.WriteEndArray();
        w.WriteEndObject();
        w.Flush();
        await body.FlushAsync(cancellationToken);
    }

    /// <summary>The CSV columns: id, category, lon, lat, the other properties of the GeoJSON export, and its
    /// features' sources.</summary>
    public static readonly string[] CsvColumns =
        ["id", "category", "lon", "lat", .. OpenDataFeatureJson.PropertyNames.Where(n => n is not ("id" or "category")), "sources"];

    // Category, first in the GeoJSON properties, comes before the position here.
    private static readonly CoreColumn[] CsvCoreColumns = [.. CoreColumns.Published.Where(c => c.Name != "category")];

    /// <summary>
    /// RFC 4180 CSV in UTF-8 with CRLF line ends: a cell with a comma, quote or line break is quoted, quotes doubled.
    /// Text that a spreadsheet would run as a formula (starting with = + - @, tab or carriage return) gets a leading
    /// apostrophe (OWASP's CSV injection advice); numbers, times and booleans the service writes itself are left as
    /// they are, so a negative longitude stays a number. Lists (gender) are joined with ';', attributes and sources are JSON.
    /// </summary>
    public static async Task WriteCsvAsync(PipeWriter body, IAsyncEnumerable<FacilityRow> rows, CancellationToken cancellationToken)
    {
        var line = new StringBuilder(1024);
        // One encoder for the whole body: a surrogate pair split across two chunks of the builder stays one character.
        var utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetEncoder();
        line.AppendJoin(',', CsvColumns).Append("\r\n");
        var pending = Encode(line, utf8, body);
        await foreach (var r in rows.WithCancellation(cancellationToken))
        {
            line.Clear();
            line.Append(r.Id.ToString()).Append(',');
            Text(line, r.Category).Append(',');
            Number(line, r.Lon).Append(',');
            Number(line, r.Lat).Append(',');
            foreach (var column in CsvCoreColumns)
            {
                Core(line, column.OfRow(r)).Append(',');
            }
            Text(line, r.AttributesJson).Append(',');
            Number(line, Math.Round(r.Confidence, 3)).Append(',');
            Time(line, r.LastVerifiedAt).Append(',');
            line.Append(r.Version.ToString(CultureInfo.InvariantCulture)).Append(',');
            Time(line, r.UpdatedAt).Append(',');
            Text(line, r.SourcesJson ?? "[]").Append("\r\n");
            pending += Encode(line, utf8, body);
            if (pending >= FlushBytes)
            {
                pending = 0;
                if ((await body.FlushAsync(cancellationToken)).IsCompleted)
                {
                    return;
                }
            }
        }
        await body.FlushAsync(cancellationToken);
    }

    /// <summary>Appends a text cell, neutralised against spreadsheet formulas and quoted where RFC 4180 needs it.</summary>
    public static StringBuilder Text(StringBuilder b, string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return b;
        }
        var formula = value[0] is '=' or '+' or '-' or '@' or '\t' or '\r';
        var quote = value.AsSpan().IndexOfAny("\",\r\n") >= 0;
        if (quote)
        {
            b.Append('"');
        }
        if (formula)
        {
            b.Append('\'');
        }
        if (quote)
        {
            b.Append(value.Replace("\"", "\"\"", StringComparison.Ordinal)).Append('"');
        }
        else
        {
            b.Append(value);
        }
        return b;
    }

    /// <summary>A core attribute's cell (see <see cref="CoreColumnType"/>); a list is joined with ';'.</summary>
    private static StringBuilder Core(StringBuilder b, object? value) => value switch
    {
        null => b,
        string text => Text(b, text),
        bool flag => Bool(b, flag),
        DateTime time => Time(b, time),
        string[] texts => Text(b, string.Join(';', texts)),
        _ => throw new InvalidOperationException($"No CSV cell for {value.GetType()}"),
    };

    private static StringBuilder Number(StringBuilder b, double value) => b.Append(value.ToString("R", CultureInfo.InvariantCulture));

    private static StringBuilder Bool(StringBuilder b, bool? value) => value is { } v ? b.Append(v ? "true" : "false") : b;

    private static StringBuilder Time(StringBuilder b, DateTime? value) =>
        value is { } t ? b.Append(t.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture)) : b;

    private static long Encode(StringBuilder line, Encoder utf8, PipeWriter body)
    {
        long written = 0;
        foreach (var chunk in line.GetChunks())
        {
            utf8.Convert(chunk.Span, body, flush: false, out var bytes, out _);
            written += bytes;
        }
        return written;
    }
}
