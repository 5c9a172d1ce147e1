using Facilities.Api.Features.Imports.Formats;

namespace Facilities.Api.Features.Imports;

/// <summary>The file formats an import reads, recognised from the upload's file name (then its media type).</summary>
public static class ImportFormats
{
    public const string Csv = "csv";
    public const string GeoJson = "geojson";
    public const string Json = "json"; // GeoJSON or Overpass JSON: decided by looking inside
    public const string OverpassJson = "overpass_json";
    public const string Kml = "kml";
    public const string OsmXml = "osm_xml";
    public const string Shapefile = "shapefile_zip";

    public static string? FromUpload(string? fileName, string? contentType)
    {
        var extension = Path.GetExtension(fileName ?? "").ToLowerInvariant();
        var byName = extension switch
        {
            ".csv" or ".tsv" or ".txt" => Csv,
            ".geojson" => GeoJson,
            ".json" => Json,
            ".kml" => Kml,
            ".osm" or ".xml" => OsmXml,
            ".zip" => Shapefile,
            _ => null,
        };
        if (byName is not null)
        {
            return byName;
        }
        var media = (contentType ?? "").Split(';')[0].Trim().ToLowerInvariant();
        return media switch
        {
            "text/csv" or "text/tab-separated-values" => Csv,
            "application/geo+json" => GeoJson,
            "application/json" => Json,
            "application/vnd.google-earth.kml+xml" => Kml,
            "application/vnd.openstreetmap.data+xml" or "application/osm3s+xml" => OsmXml,
            "application/zip" or "application/x-zip-compressed" => Shapefile,
            _ => null,
        };
    }

    /// <summary>The format to read an upload as: a .json upload is told apart by <see cref="Sniff"/>, any other is as received.</summary>
    public static string Resolve(string format, string path) => format == Json ? Sniff(path) : format;

    /// <summary>A .json upload is an Overpass answer when its first kilobytes hold an "elements" member and no "features".</summary>
    public static string Sniff(string path)
    {
        using var stream = File.OpenRead(path);
        var buffer = new byte[65536];
        var read = stream.Read(buffer);
        var head = System.Text.Encoding.UTF8.GetString(buffer, 0, read);
        var elements = head.IndexOf("\"elements\"", StringComparison.Ordinal);
        var features = head.IndexOf("\"features\"", StringComparison.Ordinal);
        return elements >= 0 && (features < 0 || elements < features) ? OverpassJson : GeoJson;
    }

    public static IRecordSource Open(string format, string path, Stream stream, string workDirectory, long maxUnpackedBytes) => format switch
    {
        Csv => new CsvRecords(stream),
        GeoJson => new GeoJsonRecords(stream),
        OverpassJson => new OverpassJsonRecords(stream),
        Kml => new KmlRecords(stream),
        OsmXml => new OsmXmlRecords(stream),
        Shapefile => new ShapefileRecords(path, workDirectory, maxUnpackedBytes),
        _ => throw new ImportFileException($"Unknown format '{format}'."),
    };
}
