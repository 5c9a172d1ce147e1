using System.Collections.Concurrent;
using System.Globalization;
using System.IO.Pipelines;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Facilities.Api.Features.OpenData;

/// <summary>The three export formats, each with its file extension (the last segment of its URL).</summary>
public enum ExportFormat
{
    GeoJson,
    Csv,
    GeoPackage,
}

/// <summary>
/// A finished export kept on disk, as the OpenStreetMap planet or Overture serve theirs: the next download of the same
/// collection and format is this file, sent as it is (with Range), as long as it still is the layer.
/// </summary>
/// <param name="Collection">facilities, or a category id.</param>
/// <param name="Format">The format of the file.</param>
/// <param name="Generation">Unique to this dump, in its file's name and its ETag.</param>
/// <param name="FileName">The file in the dump folder.</param>
/// <param name="Length">Its size in bytes: a sidecar naming a file of another size is not trusted.</param>
/// <param name="Stamp">Where the layer stood in the snapshot the dump was written from.</param>
/// <param name="Variant">What else shaped the bytes: the sources' licenses and attributions, and the attribution URL
/// (which names the host the request came in by), as a digest.</param>
/// <param name="SnapshotAt">When the snapshot was taken: Last-Modified, and the start of the dump's lifetime.</param>
public sealed record ExportDump(
    string Collection, ExportFormat Format, string Generation, string FileName, long Length, ExportStamp Stamp, string Variant,
    DateTimeOffset SnapshotAt)
{
    /// <summary>Strong: the dump is one sequence of bytes, sent uncompressed (exports bypass response compression).</summary>
    public string ETag => $"\"{Stamp.FeedPosition.ToString(CultureInfo.InvariantCulture)}-{Generation}\"";
}

/// <summary>
/// The dumps of the exports, one file per (collection, format), in <c>Exports:DumpFolder</c> or else a folder of
/// this process's own under the system's temporary folder (deleted when the process stops), so two hosts never
/// share one unless told to. A dump is written by the live export it replaces: the bytes streamed to the client are
/// teed into a temporary file (<see cref="ExportDumpWriter"/>), renamed into place only when the whole export was
/// written. A JSON sidecar beside each file records what it holds, so a configured folder survives a restart.
/// </summary>
public sealed partial class ExportDumps : IDisposable
{
    public const string FolderSetting = "Exports:DumpFolder";
    public const string MaxAgeSetting = "Exports:DumpMaxAgeSeconds";

    /// <summary>
    /// The lifetime that the exports' Cache-Control already grants a shared cache: a score that ageing recomputes
    /// without a new version reaches the next download within it.
    /// </summary>
    public const int DefaultMaxAgeSeconds = 300;

    private static readonly JsonSerializerOptions SidecarJson = new(JsonSerializerDefaults.Web);

    private readonly ConcurrentDictionary<(string, ExportFormat), ExportDump?> _dumps = new();
    private readonly ConcurrentDictionary<(string, ExportFormat), ExportDumpWriter> _writers = new();
    private readonly TimeProvider _clock;
    private readonly ILogger<ExportDumps> _log;
    private readonly bool _ownFolder;

    public ExportDumps(IConfiguration configuration, TimeProvider clock, ILogger<ExportDumps> log)
    {
        _clock = clock;
        _log = log;
        MaxAge = TimeSpan.FromSeconds(Math.Max(0, configuration.GetValue(MaxAgeSetting, DefaultMaxAgeSeconds)));
        if (configuration[FolderSetting] is { Length: > 0 } configured)
        {
            Folder = Directory.CreateDirectory(configured).FullName;
        }
        else
        {
            Folder = Directory.CreateTempSubdirectory($"facilities-dumps-{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}-").FullName;
            _ownFolder = true;
        }
    }

    public string Folder { get; }

    /// <summary>Zero turns dumps off: every download is live.</summary>
    public TimeSpan MaxAge { get; }

    public static string Extension(ExportFormat format) => format switch
    {
        ExportFormat.GeoJson => "geojson",
        ExportFormat.Csv => "csv",
        ExportFormat.GeoPackage => "gpkg",
        _ => throw new ArgumentOutOfRangeException(nameof(format)),
    };

    public string PathOf(ExportDump dump) => Path.Combine(Folder, dump.FileName);

    /// <summary>What, besides the rows, the bytes of an export depend on, as a short digest.</summary>
    public static string VariantOf(ExportSources sources, string attributionUrl)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(new { sources, attributionUrl }, SidecarJson);
        return Convert.ToHexStringLower(SHA256.HashData(bytes).AsSpan(0, 16));
    }

    /// <summary>
    /// The dump that still holds the layer as <paramref name="current"/> sees it: written at the same feed position,
    /// with no import finished since, of the same database and sources, and younger than <see cref="MaxAge"/>.
    /// </summary>
    public ExportDump? Usable(string collection, ExportFormat format, ExportStamp current, string variant)
    {
        if (MaxAge <= TimeSpan.Zero || !Keyable(collection))
        {
            return null;
        }
        var dump = _dumps.GetOrAdd((collection, format), key => ReadSidecar(key.Item1, key.Item2));
        return dump is not null && dump.Stamp == current && dump.Variant == variant && _clock.GetUtcNow() - dump.SnapshotAt < MaxAge
            ? dump
            : null;
    }

    /// <summary>
    /// The writer of the next dump of (collection, format), or null when another download is writing it already
    /// (that one then streams live without a copy) or dumps are off.
    /// </summary>
    public ExportDumpWriter? TryBeginWrite(string collection, ExportFormat format)
    {
        if (MaxAge <= TimeSpan.Zero || !Keyable(collection))
        {
            return null;
        }
        var key = (collection, format);
        var path = Path.Combine(Folder, $".{collection}.{Extension(format)}.{Guid.NewGuid():N}.tmp");
        var writer = new ExportDumpWriter(this, key, path);
        if (!_writers.TryAdd(key, writer))
        {
            return null;
        }
        try
        {
            writer.Open();
            return writer;
        }
        catch (IOException e)
        {
            _log.LogWarning(e, "Cannot write a dump of {Collection}.{Format} in {Folder}; the export streams without one", collection, format, Folder);
            _writers.TryRemove(KeyValuePair.Create(key, writer));
            return null;
        }
    }

    /// <summary>
    /// Puts the finished temporary file in place as the dump: a name of its own (so the sidecar always names a
    /// complete file, and a download still reading the one before keeps reading it), then the sidecar, atomically
    /// replaced, then the file it superseded is removed.
    /// </summary>
    internal ExportDump Commit(ExportDumpWriter writer, ExportStamp stamp, string variant, DateTimeOffset snapshotAt)
    {
        var (collection, format) = writer.Key;
        var generation = string.Create(CultureInfo.InvariantCulture, $"{snapshotAt.UtcTicks:x}{RandomNumberGenerator.GetHexString(6, lowercase: true)}");
        var fileName = $"{collection}.{Extension(format)}.{generation}";
        var path = Path.Combine(Folder, fileName);
        var dump = new ExportDump(collection, format, generation, fileName, new FileInfo(writer.TemporaryPath).Length, stamp, variant, snapshotAt);
        var sidecar = SidecarPath(collection, format);
        var sidecarTemp = $"{Path.Combine(Folder, "." + Path.GetFileName(sidecar))}.{Guid.NewGuid():N}.tmp";
        try
        {
            File.WriteAllBytes(sidecarTemp, JsonSerializer.SerializeToUtf8Bytes(dump, SidecarJson));
            File.Move(writer.TemporaryPath, path);
            try
            {
                File.Move(sidecarTemp, sidecar, overwrite: true);
            }
            catch
            {
                // Back where the writer deletes it (or a GeoPackage download sends it from).
                File.Move(path, writer.TemporaryPath);
                throw;
            }
        }
        finally
        {
            if (File.Exists(sidecarTemp))
            {
                File.Delete(sidecarTemp);
            }
        }
        ExportDump? superseded = null;
        _dumps.AddOrUpdate(writer.Key, dump, (_, previous) =>
        {
            superseded = previous;
            return dump;
        });
        if (superseded is not null && superseded.FileName != fileName)
        {
            Delete(Path.Combine(Folder, superseded.FileName));
        }
        _log.LogInformation("The dump of {Collection}.{Extension} is {Bytes} bytes as of feed position {FeedPosition}",
            collection, Extension(format), dump.Length, stamp.FeedPosition);
        return dump;
    }

    internal void Refused(ExportDumpWriter writer, Exception e) =>
        _log.LogWarning(e, "Cannot keep the dump of {Collection}.{Format} in {Folder}", writer.Key.Collection, writer.Key.Format, Folder);

    internal void Release(ExportDumpWriter writer) => _writers.TryRemove(KeyValuePair.Create(writer.Key, writer));

    internal void Delete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException e)
        {
            _log.LogWarning(e, "Cannot delete {Path}", path);
        }
    }

    /// <summary>A dump a process wrote before, in a configured folder: trusted only if its file is whole.</summary>
    private ExportDump? ReadSidecar(string collection, ExportFormat format)
    {
        var sidecar = SidecarPath(collection, format);
        try
        {
            if (!File.Exists(sidecar))
            {
                return null;
            }
            var dump = JsonSerializer.Deserialize<ExportDump>(File.ReadAllBytes(sidecar), SidecarJson);
            return dump is not null && dump.Collection == collection && dump.Format == format && Keyable(dump.FileName)
                   && new FileInfo(Path.Combine(Folder, dump.FileName)) is { Exists: true } file && file.Length == dump.Length
                ? dump
                : null;
        }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
        {
            _log.LogWarning(e, "Ignoring the dump sidecar {Sidecar}", sidecar);
            return null;
        }
    }

    private string SidecarPath(string collection, ExportFormat format) => Path.Combine(Folder, $"{collection}.{Extension(format)}.json");

    /// <summary>Collections are category ids; anything else gets no file name (its export streams without a dump).</summary>
    private static bool Keyable(string name) => SafeName().IsMatch(name);

    [GeneratedRegex("^[a-z0-9_][a-z0-9_.-]{0,99}$")]
    private static partial Regex SafeName();

    public void Dispose()
    {
        if (_ownFolder)
        {
            try
            {
                Directory.Delete(Folder, recursive: true);
            }
            catch (IOException)
            {
                // A download still reading a file there: the system's temporary folder is cleaned up in time anyway.
            }
        }
    }
}

/// <summary>
/// One dump being written: the temporary file in the dump folder, and the slot that keeps a second writer of the
/// same (collection, format) out. Disposed without <see cref="CommitAsync"/> (the client left, the database failed), the
/// temporary file is deleted.
/// </summary>
public sealed class ExportDumpWriter : IAsyncDisposable
{
    private readonly ExportDumps _dumps;
    private FileStream? _file;
    private bool _committed;

    internal ExportDumpWriter(ExportDumps dumps, (string, ExportFormat) key, string temporaryPath)
    {
        _dumps = dumps;
        Key = key;
        TemporaryPath = temporaryPath;
    }

    internal (string Collection, ExportFormat Format) Key { get; }

    public string TemporaryPath { get; }

    internal void Open() =>
        _file = new FileStream(TemporaryPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, 256 * 1024, FileOptions.Asynchronous);

    /// <summary>The response body, with everything written to it also written to the temporary file.</summary>
    public TeePipeWriter Tee(PipeWriter body) => new(body, _file ?? throw new InvalidOperationException("Not open"));

    /// <summary>Closes the file, for a format that SQLite writes by path (GeoPackage) rather than through <see cref="Tee"/>.</summary>
    public async ValueTask CloseFileAsync()
    {
        if (_file is not null)
        {
            await _file.DisposeAsync();
            _file = null;
        }
    }

    /// <summary>
    /// The temporary file holds the whole export: it becomes the dump. Null if the folder refused it (a full disk): the
    /// download it came from is whole all the same, and the next one is live again.
    /// </summary>
    public async ValueTask<ExportDump?> CommitAsync(ExportStamp stamp, string variant, DateTimeOffset snapshotAt)
    {
        try
        {
            await CloseFileAsync();
            var dump = _dumps.Commit(this, stamp, variant, snapshotAt);
            _committed = true;
            return dump;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _dumps.Refused(this, e);
            return null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await CloseFileAsync();
        if (!_committed)
        {
            _dumps.Delete(TemporaryPath);
        }
        _dumps.Release(this);
    }
}

/// <summary>
/// The response body's pipe, copying each write to a file before the pipe gets it. The file is buffered and
/// flushed with the pipe (every 64 KiB of export), so neither side holds more than that. A failing file (a full
/// disk) stops the copy, never the download; a pipe whose reader has gone (the client left) marks the copy partial.
/// </summary>
public sealed class TeePipeWriter(PipeWriter body, FileStream file) : PipeWriter
{
    private Memory<byte> _lent;

    /// <summary>Every byte written reached the file, and the client took the response to its end.</summary>
    public bool Whole => !FileFailed && !ClientLeft;

    public bool FileFailed { get; private set; }

    public bool ClientLeft { get; private set; }

    public override Memory<byte> GetMemory(int sizeHint = 0) => _lent = body.GetMemory(sizeHint);

    public override Span<byte> GetSpan(int sizeHint = 0) => GetMemory(sizeHint).Span;

    public override void Advance(int bytes)
    {
        if (!FileFailed)
        {
            try
            {
                file.Write(_lent.Span[..bytes]);
            }
            catch (IOException)
            {
                FileFailed = true;
            }
        }
        _lent = _lent[bytes..];
        body.Advance(bytes);
    }

    public override async ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
    {
        // The bytes are already copied out of the pipe's memory: the disk and the client are written at the same time.
        var toFile = FileFailed ? Task.CompletedTask : file.FlushAsync(cancellationToken);
        var result = await body.FlushAsync(cancellationToken);
        try
        {
            await toFile;
        }
        catch (IOException)
        {
            FileFailed = true;
        }
        ClientLeft |= result.IsCompleted || result.IsCanceled;
        return result;
    }

    public override void CancelPendingFlush() => body.CancelPendingFlush();

    /// <summary>The server completes the response's pipe itself, after the endpoint returns.</summary>
    public override void Complete(Exception? exception = null)
    {
        if (exception is not null)
        {
            ClientLeft = true;
        }
    }
}
