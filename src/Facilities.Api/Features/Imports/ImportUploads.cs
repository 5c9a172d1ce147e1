using Facilities.Api.Web;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;
using Npgsql;

namespace Facilities.Api.Features.Imports;

/// <summary>An uploaded file on disk, complete, waiting for its import.</summary>
public sealed record Upload(string Format, string? FileName, string Path, long Bytes);

/// <summary>
/// Receiving a partner's file. It streams to disk as it arrives, holding no database connection, so a slow upload
/// costs a socket and a file, nothing the other requests need. The file is written as <c>*.partial</c>, locked
/// while it is written, and becomes <c>*.upload</c> only once complete: a process killed mid-upload leaves a
/// partial file no one holds, which the next start deletes.
/// </summary>
public static class ImportUploads
{
    private const string PartialSuffix = ".partial";

    /// <summary>The longest text part read beside the file.</summary>
    internal const int MaxFieldChars = 256 * 1024;

    /// <summary>
    /// Streams the multipart file to disk, counting bytes as they arrive: over the limit is a 413 with the partial
    /// file deleted, an unknown format a 415 before anything is stored, an empty or cut-short body a 400. The body
    /// is never buffered in memory.
    /// </summary>
    public static async Task<Upload> ReceiveAsync(HttpContext http, ImportOptions options, CancellationToken ct,
        IDictionary<string, string>? fields = null)
    {
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = options.MaxFileBytes + (1 << 20);
        }
        var contentType = http.Request.ContentType;
        if (contentType is null || !MediaTypeHeaderValue.TryParse(contentType, out var media)
            || !media.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase)
            || HeaderUtilities.RemoveQuotes(media.Boundary).Value is not { Length: > 0 } boundary)
        {
            throw new DomainException(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type",
                "Upload the file as multipart/form-data with a part named 'file'.");
        }
        var reader = new MultipartReader(boundary, http.Request.Body);
        try
        {
            while (await reader.ReadNextStorableSectionAsync(ct) is { } section)
            {
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition) || !disposition.IsFileDisposition())
                {
                    // A small text part before the file (a draft's definition), when the caller asks for them.
                    if (fields is not null && disposition?.Name.Value is { Length: > 0 } field)
                    {
                        using var text = new StreamReader(section.Body);
                        var buffer = new char[MaxFieldChars + 1];
                        var read = await text.ReadBlockAsync(buffer, ct);
                        if (read > MaxFieldChars)
                        {
                            throw new FluentValidation.ValidationException([new FluentValidation.Results.ValidationFailure(
                                HeaderUtilities.RemoveQuotes(field).Value, $"is longer than {MaxFieldChars} characters")]);
                        }
                        fields[HeaderUtilities.RemoveQuotes(field).Value!] = new string(buffer, 0, read);
                    }
                    continue;
                }
                var fileName = HeaderUtilities.RemoveQuotes(disposition.FileNameStar.HasValue ? disposition.FileNameStar : disposition.FileName).Value;
                var format = ImportFormats.FromUpload(fileName, section.ContentType)
                             ?? throw new DomainException(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type",
                                 $"'{fileName}' is not a format imports read: CSV (.csv, .tsv), GeoJSON (.geojson, .json), KML (.kml), " +
                                 "OpenStreetMap XML (.osm), Overpass JSON (.json) or a zipped Shapefile (.zip).");
                return await StoreAsync(section.Body, format, fileName, options, ct);
            }
        }
        catch (Exception e) when (e is IOException or InvalidDataException && e is not BadHttpRequestException)
        {
            // MultipartReader's words for a body that stops before its closing boundary (empty, or cut in half) or
            // that is not multipart at all: the client's fault, and nothing was stored.
            throw new DomainException(StatusCodes.Status400BadRequest, "Bad request",
                "The multipart body is incomplete or malformed (it is empty, was cut short, or lacks its closing boundary); " +
                "send the whole file as multipart/form-data with a part named 'file'.");
        }
        throw new FluentValidation.ValidationException([new FluentValidation.Results.ValidationFailure("file", "no file part in the upload")]);
    }

    private static async Task<Upload> StoreAsync(Stream body, string format, string? fileName, ImportOptions options, CancellationToken ct)
    {
        Directory.CreateDirectory(options.Directory);
        var name = Guid.NewGuid().ToString("N");
        var partial = Path.Combine(options.Directory, name + PartialSuffix);
        var path = Path.Combine(options.Directory, name + ".upload");
        long bytes = 0;
        try
        {
            // FileShare.None is an advisory lock on Linux (flock): DeleteAbandoned leaves this file alone while it is open.
            await using var file = new FileStream(partial, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
            var buffer = new byte[1 << 16];
            int read;
            while ((read = await body.ReadAsync(buffer, ct)) > 0)
            {
                bytes += read;
                if (bytes > options.MaxFileBytes)
                {
                    throw new DomainException(StatusCodes.Status413PayloadTooLarge, "File too large",
                        $"The file is larger than the limit of {options.MaxFileBytes} bytes.");
                }
                await file.WriteAsync(buffer.AsMemory(0, read), ct);
            }
            await file.FlushAsync(ct);
            // Renamed while still open and locked, so no sweep sees a finished file as abandoned.
            File.Move(partial, path);
        }
        catch (Exception e) when (e is DomainException or IOException or InvalidDataException or OperationCanceledException)
        {
            File.Delete(partial);
            if (e is BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge })
            {
                throw new DomainException(StatusCodes.Status413PayloadTooLarge, "File too large",
                    $"The file is larger than the limit of {options.MaxFileBytes} bytes.");
            }
            throw;
        }
        if (bytes == 0)
        {
            File.Delete(path);
            throw new FluentValidation.ValidationException([new FluentValidation.Results.ValidationFailure("file", "the file is empty")]);
        }
        return new Upload(format, fileName, path, bytes);
    }

    /// <summary>
    /// Deletes the partial uploads that no process is writing, and the copies and unpacked Shapefiles no import or
    /// sample is reading: what a process killed mid-upload or mid-import left. Another process's upload or import in
    /// progress holds its file's lock and is kept.
    /// </summary>
    public static void DeleteAbandoned(string directory, ILogger logger)
    {
        if (!Directory.Exists(directory))
        {
            return;
        }
        foreach (var partial in Directory.EnumerateFiles(directory).Where(f => f.EndsWith(PartialSuffix, StringComparison.Ordinal) || UploadStorage.IsWorkCopy(f)))
        {
            try
            {
                using (new FileStream(partial, FileMode.Open, FileAccess.ReadWrite, FileShare.None))
                {
                    File.Delete(partial);
                }
                logger.LogInformation("Deleted the abandoned upload file {Path}", partial);
            }
            catch (IOException)
            {
                // Being written right now (or gone already).
            }
            catch (UnauthorizedAccessException)
            {
                // Another user's file: not ours to delete.
            }
        }
        foreach (var unpacked in Directory.EnumerateDirectories(directory, Formats.ShapefileRecords.DirectoryPrefix + "*"))
        {
            try
            {
                if (Formats.ShapefileRecords.DeleteIfAbandoned(unpacked))
                {
                    logger.LogInformation("Deleted the abandoned unpacked Shapefile {Path}", unpacked);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Being read right now, gone already, or another user's.
            }
        }
    }
}

/// <summary>
/// The uploads each partner has in progress in this process, against <see cref="ImportOptions.MaxConcurrentUploadsPerPartner"/>.
/// A partner's entry lives only while it has an upload in progress, so the table is as large as the uploads now.
/// </summary>
public sealed class PartnerUploadSlots(Microsoft.Extensions.Options.IOptions<ImportOptions> options)
{
    private readonly Dictionary<Guid, int> _inProgress = [];

    /// <summary>A slot for one upload, given back when disposed; a 429 problem when the partner has none left.</summary>
    public IDisposable Take(Guid partnerId)
    {
        var limit = options.Value.MaxConcurrentUploadsPerPartner;
        lock (_inProgress)
        {
            var count = _inProgress.GetValueOrDefault(partnerId);
            if (count >= limit)
            {
                throw new DomainException(StatusCodes.Status429TooManyRequests, "Too many requests",
                    $"This partner already has {count} uploads in progress, the most allowed at once; send this file when one has finished.")
                {
                    RetryAfterSeconds = 10,
                };
            }
            _inProgress[partnerId] = count + 1;
        }
        return new Slot(this, partnerId);
    }

    private void Give(Guid partnerId)
    {
        lock (_inProgress)
        {
            if (_inProgress[partnerId] <= 1)
            {
                _inProgress.Remove(partnerId);
            }
            else
            {
                _inProgress[partnerId]--;
            }
        }
    }

    private sealed class Slot(PartnerUploadSlots slots, Guid partnerId) : IDisposable
    {
        private int _given;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _given, 1) == 0)
            {
                slots.Give(partnerId);
            }
        }
    }
}

/// <summary>
/// Where an upload waits until a replica claims its import, and the copy that import reads. By default the file is
/// stored in PostgreSQL in chunks of a megabyte (import_uploads), written in the same transaction as the import's
/// row, so a process killed while storing it leaves neither; with <see cref="ImportOptions.Storage"/> "directory" it
/// stays in <see cref="ImportOptions.Directory"/>, which every replica then mounts, and file_path names it.
/// </summary>
public static class UploadStorage
{
    private const int ChunkBytes = 1 << 20;
    private const string WorkSuffix = ".work";

    /// <summary>Copies the received file into import_uploads, in the caller's transaction.</summary>
    public static async Task StoreAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid importId, string path, CancellationToken ct)
    {
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
        await using var insert = new NpgsqlCommand("insert into import_uploads (import_id, seq, data) values ($1, $2, $3)", connection, transaction);
        insert.Parameters.Add(new NpgsqlParameter { Value = importId });
        var seq = new NpgsqlParameter<int> { TypedValue = 0 };
        insert.Parameters.Add(seq);
        var data = new NpgsqlParameter { NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Bytea };
        insert.Parameters.Add(data);
        var buffer = new byte[ChunkBytes];
        int read;
        while ((read = await file.ReadAtLeastAsync(buffer, ChunkBytes, throwOnEndOfStream: false, ct)) > 0)
        {
            data.Value = new ArraySegment<byte>(buffer, 0, read);
            await insert.ExecuteNonQueryAsync(ct);
            seq.TypedValue++;
        }
    }

    /// <summary>
    /// A local copy of the import's upload for its readers, deleted when disposed; null when the upload is gone. The
    /// copy is held open (a shared lock) while the import runs, so <see cref="ImportUploads.DeleteAbandoned"/> in
    /// another process over the same folder leaves it alone, and deletes it if this process dies.
    /// </summary>
    public static async Task<WorkCopy?> OpenAsync(NpgsqlDataSource dataSource, Guid importId, string? storedPath, string directory, CancellationToken ct)
    {
        if (storedPath is not null)
        {
            return File.Exists(storedPath) ? new WorkCopy(storedPath, null) : null;
        }
        System.IO.Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, $"{importId:N}-{Guid.NewGuid():N}{WorkSuffix}");
        var holder = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, 1 << 16, useAsync: true);
        var chunks = 0;
        try
        {
            await using var read = dataSource.CreateCommand("select data from import_uploads where import_id = $1 order by seq");
            read.Parameters.Add(new NpgsqlParameter { Value = importId });
            await using var reader = await read.ExecuteReaderAsync(System.Data.CommandBehavior.SequentialAccess, ct);
            while (await reader.ReadAsync(ct))
            {
                await using var chunk = await reader.GetStreamAsync(0, ct);
                await chunk.CopyToAsync(holder, ct);
                chunks++;
            }
            await holder.FlushAsync(ct);
        }
        catch
        {
            await holder.DisposeAsync();
            File.Delete(path);
            throw;
        }
        if (chunks == 0)
        {
            await holder.DisposeAsync();
            File.Delete(path);
            return null;
        }
        return new WorkCopy(path, holder);
    }

    /// <summary>Removes what the import's upload left: its chunks, or its file in the shared directory.</summary>
    public static async Task DeleteAsync(NpgsqlDataSource dataSource, Guid importId, string? storedPath, CancellationToken ct)
    {
        await using var delete = dataSource.CreateCommand("delete from import_uploads where import_id = $1");
        delete.Parameters.Add(new NpgsqlParameter { Value = importId });
        await delete.ExecuteNonQueryAsync(ct);
        if (storedPath is not null)
        {
            File.Delete(storedPath);
        }
    }

    /// <summary>At start: the chunks of imports that ended without removing them (their process died just after).</summary>
    public static async Task<int> SweepAsync(NpgsqlDataSource dataSource, CancellationToken ct)
    {
        await using var sweep = dataSource.CreateCommand(
            "delete from import_uploads u using imports i where u.import_id = i.id and i.state not in ('queued', 'running')");
        return await sweep.ExecuteNonQueryAsync(ct);
    }

    public static bool IsWorkCopy(string path) => path.EndsWith(WorkSuffix, StringComparison.Ordinal);

    /// <summary>The file an import reads; deleting the copy (not a shared-directory upload) when disposed.</summary>
    public sealed class WorkCopy(string path, FileStream? holder) : IAsyncDisposable
    {
        public string Path { get; } = path;

        public async ValueTask DisposeAsync()
        {
            if (holder is not null)
            {
                await holder.DisposeAsync();
                File.Delete(Path);
            }
        }
    }
}
