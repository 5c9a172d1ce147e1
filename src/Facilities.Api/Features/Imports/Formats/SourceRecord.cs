using Facilities.Api.Features.Imports.Crs;

namespace Facilities.Api.Features.Imports.Formats;

/// <summary>
/// One record of a partner's file as read, before mapping: its fields (CSV columns, GeoJSON properties, OSM tags,
/// KML name/description/data), the position if the format carries geometry, and the record's own id where the
/// format has one (OSM's node/way id). <see cref="Error"/> is set when the record itself is unusable (a polygon with
/// no interior point, a line in a point layer...). Row numbers are 1-based data rows (a CSV's header is row 0).
/// </summary>
public sealed class SourceRecord(long row, IReadOnlyDictionary<string, string?> fields)
{
    public long Row { get; } = row;
    public IReadOnlyDictionary<string, string?> Fields { get; } = fields;
    public (double X, double Y)? Position { get; init; }

    /// <summary>The CRS of <see cref="Position"/> when the format fixes it (KML and OSM are WGS 84); null: the dataset's.</summary>
    public SourceCrs? PositionCrs { get; init; }
    public string? NativeId { get; init; }
    public string? Error { get; init; }

    public string? Get(string field) => Fields.TryGetValue(field, out var value) ? value : null;
}

/// <summary>A file that cannot be read at all (not a row: the whole import fails and nothing is written).</summary>
public sealed class ImportFileException(string message) : Exception(message);

/// <summary>A reader of one format: records in file order, streamed.</summary>
public interface IRecordSource
{
    /// <summary>The fields the file declares (a CSV header, a DBF's fields), or null when records vary (GeoJSON, OSM).</summary>
    IReadOnlyCollection<string>? DeclaredFields { get; }

    IEnumerable<SourceRecord> Read(CancellationToken cancellationToken);
}
