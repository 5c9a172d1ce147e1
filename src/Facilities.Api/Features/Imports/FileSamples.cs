using Facilities.Api.Features.Imports.Crs;
using Facilities.Api.Features.Imports.Formats;
using Facilities.Api.Web;
using FluentValidation;
using Mediator;
using Microsoft.Extensions.Options;

namespace Facilities.Api.Features.Imports;

/// <summary>
/// The first records of a partner's file as an import would read them (POST /api/v1/partner/file-samples): the
/// columns a mapping can name, each record's values, its position where the format carries one, and the CRS the file
/// fixes. The partner page maps columns from this, so it offers exactly the fields the importer reads, in every
/// format (a zipped Shapefile's DBF fields, OSM tags, KML's ExtendedData), without reading any format itself.
/// Nothing is stored: the upload is deleted once sampled.
/// </summary>
/// <param name="Upload">The file as received, deleted by the endpoint once sampled.</param>
/// <param name="Head">The upload is only the head of a larger file: it ends where it was cut, not where the file goes wrong.</param>
/// <param name="Limit">How many records at most: a person reads the first few, while guessing what a column says takes
/// more (Wandsworth first says "Baby-Changing" in its 60th placemark).</param>
public sealed record SampleFileQuery(Upload Upload, bool Head, int Limit) : IRequest<FileSample>;

public sealed class SampleFileValidator : AbstractValidator<SampleFileQuery>
{
    public SampleFileValidator()
    {
        RuleFor(q => q.Limit).InclusiveBetween(1, SampleFileHandler.MaxLimit).OverridePropertyName("limit");
    }
}

/// <param name="Format">The format read (a .json upload is told apart as GeoJSON or Overpass JSON).</param>
/// <param name="Crs">The CRS the file fixes for its positions (a Shapefile's .prj; WGS 84 for KML and OSM), as a dataset
/// names it; null when the dataset's CRS applies (CSV and GeoJSON), or when only <paramref name="CrsInFile"/> says it.</param>
/// <param name="CrsInFile">The CRS the file fixes however it is named: a .prj this service reads by its WKT alone is
/// <c>prj:&lt;its name&gt;</c>, which a dataset cannot name but an import of the file uses.</param>
/// <param name="HasGeometry">Whether the records carry their own positions, so no coordinate columns are needed.</param>
/// <param name="Columns">The fields a mapping can name as columns: the declared ones (a CSV header, a DBF's fields) in
/// their order, then any others in the order the records first show them.</param>
/// <param name="Records">The first records, at most <see cref="SampleFileQuery.Limit"/>, in file order.</param>
/// <param name="Complete">Whether the sample holds every record of the file.</param>
/// <param name="Stopped">Why reading stopped before the end, when the file goes wrong after its first records (a
/// file cut short is read as far as it goes: the page may send only the head of a large file).</param>
public sealed record FileSample(string Format, string? Crs, string? CrsInFile, bool HasGeometry, IReadOnlyList<string> Columns, IReadOnlyList<SampledRecord> Records,
    bool Complete, string? Stopped);

/// <param name="Row">The record's row as an import report numbers it.</param>
/// <param name="Values">The record's value for each of <see cref="FileSample.Columns"/>, "" where it has none, the first
/// <see cref="SampleFileHandler.MaxValueChars"/> characters of a longer one.</param>
/// <param name="Position">x, y in <see cref="FileSample.Crs"/> (or the dataset's), as the file gives them; null when it
/// gives none, or numbers that are not finite.</param>
/// <param name="Error">Why an import would reject the record whatever the mapping (a line where a point is needed...).</param>
public sealed record SampledRecord(long Row, IReadOnlyList<string> Values, double[]? Position, string? Error);

public sealed class SampleFileHandler(IOptions<ImportOptions> options) : IRequestHandler<SampleFileQuery, FileSample>
{
    /// <summary>Enough rows for a person to see what each column holds.</summary>
    public const int DefaultLimit = 50;

    /// <summary>
    /// The most records one sample holds: with every value at its <see cref="MaxValueChars"/>, a few megabytes of JSON
    /// for a file of a dozen columns.
    /// </summary>
    public const int MaxLimit = 500;

    /// <summary>More of a value than a person reads in a column's sample (a JSON element may be megabytes).</summary>
    public const int MaxValueChars = 1000;

    public ValueTask<FileSample> Handle(SampleFileQuery request, CancellationToken cancellationToken)
    {
        var upload = request.Upload;
        var format = ImportFormats.Resolve(upload.Format, upload.Path);
        using var stream = new FileStream(upload.Path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        IRecordSource source;
        try
        {
            source = ImportFormats.Open(format, upload.Path, stream, options.Value.Directory, options.Value.MaxUnpackedBytes);
        }
        catch (Exception e) when (IsTheFiles(e))
        {
            throw Unreadable(e);
        }
        try
        {
            // A blank header cell (a trailing separator) names nothing a mapping could read.
            var columns = new List<string>((source.DeclaredFields ?? []).Where(c => !string.IsNullOrWhiteSpace(c)));
            var known = new HashSet<string>(columns, StringComparer.Ordinal);
            var records = new List<SourceRecord>(request.Limit);
            var complete = true;
            string? stopped = null;
            try
            {
                foreach (var record in source.Read(cancellationToken))
                {
                    if (records.Count == request.Limit)
                    {
                        complete = false;
                        break;
                    }
                    records.Add(record);
                    columns.AddRange(record.Fields.Keys.Where(k => !string.IsNullOrWhiteSpace(k) && known.Add(k)));
                }
            }
            catch (Exception e) when (IsTheFiles(e) && (records.Count > 0 || request.Head))
            {
                complete = false;
                // The head of a file goes wrong where it was cut: that is not the file's fault.
                stopped = request.Head ? null : ImportRunner.Printable(e.Message);
            }
            catch (Exception e) when (IsTheFiles(e))
            {
                throw Unreadable(e);
            }
            // A CSV cut anywhere reads on without an error, its last row cut short with it.
            if (request.Head && complete && format == ImportFormats.Csv && records.Count > 0)
            {
                records.RemoveAt(records.Count - 1);
            }
            complete &= !request.Head;
            var inFile = source is ShapefileRecords shapefile ? shapefile.PrjCode : records.Select(r => r.PositionCrs?.Code).FirstOrDefault(c => c is not null);
            var crs = inFile is not null && CoordinateSystems.Find(inFile) is not null ? inFile : null;
            var sampled = records.Select(r => new SampledRecord(r.Row,
                    columns.Select(c => Shown(r.Get(c))).ToList(),
                    r.Position is { } p && double.IsFinite(p.X) && double.IsFinite(p.Y) ? [p.X, p.Y] : null,
                    r.Error is null ? null : ImportRunner.Printable(r.Error)))
                .ToList();
            var hasGeometry = format is not ImportFormats.Csv;
            return ValueTask.FromResult(new FileSample(format, crs, inFile, hasGeometry, columns.Select(c => Shown(c)).ToList(), sampled, complete, stopped));
        }
        finally
        {
            (source as IDisposable)?.Dispose();
        }
    }

    private static string Shown(string? value) =>
        ImportRunner.Printable(value is { Length: > MaxValueChars } ? value[..MaxValueChars] + "…" : value ?? "");

    /// <summary>
    /// A reader's fault is the file's: its own words (ImportFileException), or what a library it uses met in the
    /// partner's bytes (a JSON object naming a member twice, a CSV quote never closed). The reader runs on nothing
    /// but the file, so only cancellation and exhaustion are the service's.
    /// </summary>
    private static bool IsTheFiles(Exception e) => e is not (OperationCanceledException or OutOfMemoryException);

    private static DomainException Unreadable(Exception e) =>
        new(StatusCodes.Status422UnprocessableEntity, "The file cannot be read", ImportRunner.Printable(e.Message));
}
