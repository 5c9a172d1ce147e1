using System.Globalization;
using System.IO.Compression;
using Facilities.Api.Features.Imports.Crs;
using NetTopologySuite.Geometries;
using NetTopologySuite.IO.Esri;
using NetTopologySuite.IO.Esri.Shapefiles.Readers;

namespace Facilities.Api.Features.Imports.Formats;

/// <summary>
/// A zipped Shapefile. The zip is checked before anything is extracted: every entry's path must stay inside the
/// archive (no <c>..</c>, no absolute path), only the shapefile's own parts are taken, and the bytes actually
/// inflated are counted against a limit and a compression-ratio ceiling, so a zip bomb stops at the limit instead
/// of filling the disk. The CRS comes from the <c>.prj</c> when there is one, else from the dataset.
/// </summary>
public sealed class ShapefileRecords : IRecordSource, IDisposable
{
    private static readonly string[] Parts = [".shp", ".shx", ".dbf", ".prj", ".cpg"];
    private readonly string _directory;
    private readonly string _shp;
    private readonly SourceCrs? _prjCrs;
    private FileStream? _inUse;

    /// <summary>What the folders a Shapefile is unpacked into are named by, in the import's working folder.</summary>
    public const string DirectoryPrefix = "shp-";

    /// <summary>
    /// Held locked (FileShare.None, an advisory flock on Linux) in the unpacked folder for as long as the layer is
    /// read, so a sweep tells a folder some process is reading from one whose process died.
    /// </summary>
    private const string InUseName = ".in-use";

    /// <summary>Long enough for a folder to be given its lock after it is made; a folder older without one is left over.</summary>
    private static readonly TimeSpan Unlocked = TimeSpan.FromMinutes(1);

    public ShapefileRecords(string zipPath, string workDirectory, long maxUnpackedBytes, int maxRatio = 200)
    {
        _directory = Path.Combine(workDirectory, DirectoryPrefix + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_directory);
        try
        {
            _inUse = new FileStream(Path.Combine(_directory, InUseName), FileMode.CreateNew, FileAccess.Write, FileShare.None);
            _shp = Extract(zipPath, _directory, maxUnpackedBytes, maxRatio);
            var prj = Path.ChangeExtension(_shp, ".prj");
            if (File.Exists(prj))
            {
                var wkt = File.ReadAllText(prj);
                _prjCrs = CoordinateSystems.FromPrj(wkt)
                          ?? throw new ImportFileException("The Shapefile's .prj names a coordinate system this service does not know.");
                PrjCode = _prjCrs.Code;
            }
            DeclaredFields = Readable(() =>
            {
                using var probe = Shapefile.OpenRead(_shp);
                return probe.Fields.Select(f => f.Name).ToList();
            });
            CheckLength(_shp);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>
    /// What <paramref name="read"/> reads of the layer's files. They are the partner's bytes, and NetTopologySuite's
    /// reader answers a damaged one (a truncated .shp, garbage for a .dbf, a record length past the end) with whatever
    /// exception its parsing met: each is the file's fault, told as such, not a fault of the service.
    /// </summary>
    private static T Readable<T>(Func<T> read)
    {
        try
        {
            return read();
        }
        catch (Exception e) when (e is not (ImportFileException or OperationCanceledException or OutOfMemoryException))
        {
            throw new ImportFileException($"The Shapefile cannot be read: {e.Message}");
        }
    }

    /// <summary>
    /// A .shp cut short (a download or copy that stopped early) is refused whole: NetTopologySuite's reader reads
    /// the last record's missing bytes as whatever its buffer held and makes a point of them, at a position the file
    /// never gave. The header says how long the file was written (bytes 24–27, big-endian, in 16-bit words).
    /// </summary>
    private static void CheckLength(string shp)
    {
        Span<byte> header = stackalloc byte[4];
        using var file = File.OpenRead(shp);
        file.Position = 24;
        file.ReadExactly(header);
        var written = 2L * System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(header);
        if (file.Length < written)
        {
            throw new ImportFileException(string.Create(CultureInfo.InvariantCulture,
                $"The Shapefile cannot be read: its .shp holds {file.Length} of the {written} bytes its header says were written (the file is cut short)."));
        }
    }

    public IReadOnlyCollection<string>? DeclaredFields { get; }

    public string? PrjCode { get; }

    public IEnumerable<SourceRecord> Read(CancellationToken cancellationToken)
    {
        using var reader = Readable(() => Shapefile.OpenRead(_shp, new ShapefileReaderOptions { Encoding = EncodingFor(_shp) }));
        long row = 0;
        var deleted = false;
        while (Readable(() => reader.Read(out deleted)))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (deleted)
            {
                continue;
            }
            row++;
            var fields = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
            foreach (var field in reader.Fields)
            {
                fields.TryAdd(field.Name.Trim(), field.Value switch
                {
                    null => null,
                    IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
                    var v => v.ToString(),
                });
            }
            var (position, error) = reader.Geometry switch
            {
                Point { IsEmpty: false } p => (((double, double)?)(p.X, p.Y), (string?)null),
                MultiPoint { NumGeometries: 1 } mp => ((mp.GetGeometryN(0).Coordinate.X, mp.GetGeometryN(0).Coordinate.Y), null),
                Polygon or MultiPolygon when reader.Geometry.InteriorPoint is { IsEmpty: false } ip => ((ip.X, ip.Y), null),
                null or { IsEmpty: true } => (null, "the shape is empty"),
                var g => (null, $"a {g.GeometryType} cannot be a facility"),
            };
            yield return new SourceRecord(row, fields) { Position = position, PositionCrs = _prjCrs, Error = error };
        }
    }

    public void Dispose()
    {
        _inUse?.Dispose();
        _inUse = null;
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>
    /// Deletes an unpacked folder a killed process left (its lock is free, or it never got one); whether it did.
    /// A folder another process is reading holds its lock and is kept.
    /// </summary>
    public static bool DeleteIfAbandoned(string directory)
    {
        var inUse = Path.Combine(directory, InUseName);
        if (!File.Exists(inUse))
        {
            if (DateTime.UtcNow - Directory.GetCreationTimeUtc(directory) < Unlocked)
            {
                return false;
            }
            Directory.Delete(directory, recursive: true);
            return true;
        }
        using (new FileStream(inUse, FileMode.Open, FileAccess.ReadWrite, FileShare.None))
        {
            Directory.Delete(directory, recursive: true);
        }
        return true;
    }

    private static System.Text.Encoding EncodingFor(string shp)
    {
        var cpg = Path.ChangeExtension(shp, ".cpg");
        return File.Exists(cpg) && File.ReadAllText(cpg).Trim().Contains("1252", StringComparison.Ordinal)
            ? System.Text.Encoding.Latin1
            : System.Text.Encoding.UTF8;
    }

    /// <summary>What <paramref name="read"/> reads of a zip member; a member whose header or compressed data is damaged is the file's fault.</summary>
    private static T Member<T>(Func<T> read, string name)
    {
        try
        {
            return read();
        }
        catch (InvalidDataException e)
        {
            throw new ImportFileException($"The Shapefile cannot be read: the zip's {name} is damaged ({e.Message})");
        }
    }

    private static string Extract(string zipPath, string directory, long maxUnpackedBytes, int maxRatio)
    {
        ZipArchive archive;
        try
        {
            archive = ZipFile.OpenRead(zipPath);
        }
        catch (InvalidDataException)
        {
            throw new ImportFileException("The file is not a valid zip archive.");
        }
        using (archive)
        {
            foreach (var entry in archive.Entries)
            {
                var name = entry.FullName.Replace('\\', '/');
                if (name.StartsWith('/') || name.Split('/').Any(segment => segment == "..") || Path.IsPathRooted(name) || name.Contains(':', StringComparison.Ordinal))
                {
                    throw new ImportFileException($"The zip holds a path outside itself ('{entry.FullName}'): refused.");
                }
            }
            var shps = archive.Entries.Where(e => e.Name.EndsWith(".shp", StringComparison.OrdinalIgnoreCase) && !e.FullName.StartsWith("__MACOSX", StringComparison.Ordinal)).ToList();
            if (shps.Count != 1)
            {
                throw new ImportFileException(shps.Count == 0 ? "The zip holds no .shp file." : "The zip holds more than one .shp file: upload one layer per import.");
            }
            var stem = shps[0].FullName[..^4];
            long total = 0;
            string? shpPath = null;
            foreach (var entry in archive.Entries)
            {
                var extension = Path.GetExtension(entry.Name).ToLowerInvariant();
                if (!Parts.Contains(extension) || !entry.FullName[..^extension.Length].Equals(stem, StringComparison.OrdinalIgnoreCase))
                {
                    continue;
                }
                var target = Path.Combine(directory, "layer" + extension);
                using var input = Member(entry.Open, entry.Name);
                using var output = File.Create(target);
                var buffer = new byte[1 << 16];
                long written = 0;
                int read;
                while ((read = Member(() => input.Read(buffer), entry.Name)) > 0)
                {
                    written += read;
                    total += read;
                    // Count what really inflates: the sizes in the zip's headers are the attacker's to write.
                    if (total > maxUnpackedBytes || (written > (1 << 20) && written > (long)maxRatio * Math.Max(1, entry.CompressedLength)))
                    {
                        throw new ImportFileException("The zip inflates far beyond its size (a zip bomb?): refused.");
                    }
                    output.Write(buffer, 0, read);
                }
                if (extension == ".shp")
                {
                    shpPath = target;
                }
            }
            if (!File.Exists(Path.Combine(directory, "layer.dbf")) || !File.Exists(Path.Combine(directory, "layer.shx")))
            {
                throw new ImportFileException("The zip must hold the .shp, .shx and .dbf of the layer.");
            }
            return shpPath!;
        }
    }
}
