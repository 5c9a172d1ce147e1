using System.Globalization;
using System.IO.Pipelines;
using Microsoft.Net.Http.Headers;

namespace Facilities.Api.Features.OpenData;

/// <summary>
/// How an export answers: from its dump when one still holds the layer (<see cref="ExportDumps"/>), else live from
/// the snapshot, keeping a copy as the next dump. Either way the answer says which feed position it is as of.
/// </summary>
public static class ExportResponses
{
    /// <summary>The change-feed seq the download is as of: a mirror continues with /api/v1/changes?since=that.</summary>
    public const string FeedPositionHeader = "Facilities-Feed-Position";

    /// <summary>Writes a whole export of the snapshot into a body: GeoJSON or CSV.</summary>
    public delegate Task ExportWriter(PipeWriter body, CancellationToken cancellationToken);

    /// <summary>
    /// A text export (GeoJSON, CSV). Live, the bytes go to the client as they are written and to a temporary file
    /// beside; the file becomes the dump only if the export was written to its end, nothing failed and the client
    /// did not leave on the way.
    /// A second download while one is writing the dump streams live without a copy.
    /// </summary>
    public static async Task SendAsync(
        HttpContext http, ExportDumps dumps, ExportSnapshot snapshot, string collection, ExportFormat format, string variant,
        ExportWriter write, CancellationToken cancellationToken)
    {
        if (await AnsweredWithoutRowsAsync(http, dumps, snapshot, collection, format, variant))
        {
            return;
        }
        await using var writer = dumps.TryBeginWrite(collection, format);
        if (writer is null)
        {
            await write(http.Response.BodyWriter, cancellationToken);
            return;
        }
        var tee = writer.Tee(http.Response.BodyWriter);
        await write(tee, cancellationToken);
        if (tee.Whole && !cancellationToken.IsCancellationRequested)
        {
            await writer.CommitAsync(snapshot.Stamp, variant, snapshot.TakenAt);
        }
    }

    /// <summary>
    /// The GeoPackage export, which SQLite builds in a file before the first byte is sent: built where the dump goes,
    /// it becomes the dump and is sent as one. While another download builds it, this one builds its own throwaway file.
    /// </summary>
    public static async Task SendGeoPackageAsync(
        HttpContext http, ExportDumps dumps, ExportSnapshot snapshot, string collection, string variant, string throwawayFolder,
        Func<string, Task> build, CancellationToken cancellationToken)
    {
        if (await AnsweredWithoutRowsAsync(http, dumps, snapshot, collection, ExportFormat.GeoPackage, variant))
        {
            return;
        }
        await using var writer = dumps.TryBeginWrite(collection, ExportFormat.GeoPackage);
        if (writer is not null)
        {
            await writer.CloseFileAsync();
            await build(writer.TemporaryPath);
            await snapshot.DisposeAsync();
            if (await writer.CommitAsync(snapshot.Stamp, variant, snapshot.TakenAt) is { } dump)
            {
                // The slot is still held, so no later dump has replaced this one yet: its file is there.
                await SendFileAsync(http, dump, Open(dumps, dump) ?? throw new FileNotFoundException("The dump just written is gone", dump.FileName));
            }
            else
            {
                await SendThrowawayAsync(http, writer.TemporaryPath, cancellationToken);
            }
            return;
        }
        var path = Path.Combine(throwawayFolder, $"facilities-export-{Guid.NewGuid():N}.gpkg");
        try
        {
            await build(path);
            await snapshot.DisposeAsync();
            await SendThrowawayAsync(http, path, cancellationToken);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>A built GeoPackage that is no dump: sent with its length, deleted when the response ends.</summary>
    private static async Task SendThrowawayAsync(HttpContext http, string path, CancellationToken cancellationToken)
    {
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024,
            FileOptions.DeleteOnClose | FileOptions.SequentialScan | FileOptions.Asynchronous);
        http.Response.ContentLength = file.Length;
        await file.CopyToAsync(http.Response.Body, cancellationToken);
    }

    /// <summary>
    /// What every export does before it reads a row: names the feed position it is as of, and answers from a usable
    /// dump, or with the headers alone for a HEAD. False when the rows must be read.
    /// </summary>
    private static async Task<bool> AnsweredWithoutRowsAsync(
        HttpContext http, ExportDumps dumps, ExportSnapshot snapshot, string collection, ExportFormat format, string variant)
    {
        http.Response.Headers[FeedPositionHeader] = snapshot.Stamp.FeedPosition.ToString(CultureInfo.InvariantCulture);
        if (dumps.Usable(collection, format, snapshot.Stamp, variant) is not { } dump || Open(dumps, dump) is not { } file)
        {
            return HttpMethods.IsHead(http.Request.Method);
        }
        // The rows are not needed: end the transaction now rather than hold it while the file goes out.
        await snapshot.DisposeAsync();
        await SendFileAsync(http, dump, file);
        return true;
    }

    /// <summary>
    /// The dump's file, opened before it is sent: a dump replaced meanwhile is removed from the folder, but an open
    /// file reads to its end. Null if it has gone already.
    /// </summary>
    private static FileStream? Open(ExportDumps dumps, ExportDump dump)
    {
        try
        {
            return new FileStream(dumps.PathOf(dump), FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 64 * 1024,
                FileOptions.SequentialScan | FileOptions.Asynchronous);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
    }

    /// <summary>
    /// The dump file as a file result: Content-Length, Last-Modified, the strong ETag, 304 for a client whose copy is
    /// current, 206 for a Range (a mirror resuming a large download), HEAD.
    /// </summary>
    private static async Task SendFileAsync(HttpContext http, ExportDump dump, FileStream file)
    {
        http.Response.Headers[FeedPositionHeader] = dump.Stamp.FeedPosition.ToString(CultureInfo.InvariantCulture);
        var length = file.Length;
        await TypedResults.File(file, http.Response.ContentType, fileDownloadName: null, lastModified: dump.SnapshotAt,
            entityTag: EntityTagHeaderValue.Parse(dump.ETag), enableRangeProcessing: true).ExecuteAsync(http);
        // A Range wholly outside the file is a 416 with Content-Range: bytes */length and, from the file result, no body
        // under the export's content type; like every refusal it says why in problem+json.
        if (http.Response.StatusCode == StatusCodes.Status416RangeNotSatisfiable && !http.Response.HasStarted)
        {
            http.Response.ContentType = null;
            http.Response.ContentLength = null;
            // The headers of the file are not the problem's: a browser would save the problem as facilities.csv.
            http.Response.Headers.ETag = default;
            http.Response.Headers.LastModified = default;
            http.Response.Headers.ContentDisposition = default;
            await http.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
            {
                HttpContext = http,
                ProblemDetails = new Microsoft.AspNetCore.Mvc.ProblemDetails
                {
                    Status = StatusCodes.Status416RangeNotSatisfiable,
                    Title = "Range not satisfiable",
                    Detail = string.Create(CultureInfo.InvariantCulture,
                        $"The Range header asks for bytes outside the file, which is {length} bytes long; ask for bytes 0 to {length - 1}."),
                },
            });
        }
    }
}
