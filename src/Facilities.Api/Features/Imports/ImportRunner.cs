using System.Diagnostics;
using System.Text.Json;
using System.Threading.Channels;
using Facilities.Api.Data;
using Facilities.Api.Features.Categories;
using Facilities.Api.Features.Imports.Crs;
using Facilities.Api.Features.Imports.Formats;
using Facilities.Api.Features.Imports.Mapping;
using Facilities.Api.Features.Proposals;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Facilities.Api.Features.Imports;

/// <summary>
/// Runs uploaded imports in the background, one at a time (they would queue on the change-feed lock anyway). At
/// start it picks up imports left queued or running by a previous process: an interrupted import wrote nothing
/// (one transaction), so running it again is safe. An import that meets an unavailable database (PostgreSQL
/// restarting, a connection the restart broke) is not failed: the runner waits for the database and runs it again,
/// and the import records the interruption.
/// </summary>
public sealed class ImportRunner(ImportDatabase database, CategoryCatalog categories, IOptions<ImportOptions> options,
    ILogger<ImportRunner> logger, TimeProvider clock, IServiceScopeFactory scopes) : BackgroundService
{
    public static readonly JsonSerializerOptions ReportJson = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>Why an import found <c>running</c> at its claim did not finish, when this process does not know better.</summary>
    public const string InterruptedByStop = "the service stopped while the import ran";

    private readonly Channel<Guid> _queue = Channel.CreateUnbounded<Guid>();

    public void Enqueue(Guid importId) => _queue.Writer.TryWrite(importId);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        ImportUploads.DeleteAbandoned(options.Value.Directory, logger);
        try
        {
            await UntilDatabaseAnswersAsync("look for interrupted imports", async () =>
            {
                await using var pending = database.DataSource.CreateCommand(
                    "select id from imports where state in ('queued', 'running') order by created_at");
                await using var reader = await pending.ExecuteReaderAsync(stoppingToken);
                while (await reader.ReadAsync(stoppingToken))
                {
                    Enqueue(reader.GetGuid(0));
                }
            }, stoppingToken);

            await foreach (var id in _queue.Reader.ReadAllAsync(stoppingToken))
            {
                try
                {
                    await RunAsync(id, stoppingToken);
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    return; // left 'running': the next start runs it again
                }
                catch (Exception e)
                {
                    logger.LogError(e, "Import {ImportId} failed", id);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>
    /// Runs one import to its end: succeeded (or dry-run rolled back) with a report, or failed with an error. While
    /// the database is unavailable it waits and starts the import again, however long that takes; only stopping the
    /// service ends the wait (the import stays <c>running</c> and the next start runs it).
    /// </summary>
    public async Task RunAsync(Guid importId, CancellationToken ct)
    {
        var interruption = InterruptedByStop;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await AttemptAsync(importId, interruption, ct);
                return;
            }
            catch (Exception e) when (DatabaseFaults.IsUnavailable(e) && !ct.IsCancellationRequested)
            {
                interruption = "the database became unavailable: " + Describe(e);
                logger.LogWarning(e, "Import {ImportId} was interrupted (attempt {Attempt}); it runs again when the database answers", importId, attempt);
                await AfterFaultAsync(e, attempt, ct);
            }
        }
    }

    private async Task AttemptAsync(Guid importId, string interruption, CancellationToken ct)
    {
        Guid datasetId;
        bool dryRun;
        string format;
        string? path;
        // A claim that finds the import running already is a later attempt: the earlier one never finished.
        await using (var claim = database.DataSource.CreateCommand(
            "update imports set state = 'running', attempts = attempts + 1, started_at = now(), " +
            "       interruptions = case when state = 'running' " +
            "           then interruptions || jsonb_build_array(jsonb_build_object('started_at', started_at, 'noticed_at', now(), 'reason', $2::text)) " +
            "           else interruptions end " +
            "where id = $1 and state in ('queued', 'running') " +
            "returning dataset_id, dry_run, format, file_path"))
        {
            claim.Parameters.Add(new NpgsqlParameter { Value = importId });
            claim.Parameters.Add(new NpgsqlParameter { Value = Printable(interruption) });
            await using var reader = await claim.ExecuteReaderAsync(ct);
            if (!await reader.ReadAsync(ct))
            {
                return;
            }
            (datasetId, dryRun, format, path) = (reader.GetGuid(0), reader.GetBoolean(1), reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3));
        }

        var report = new ImportReport { DryRun = dryRun };
        var stopwatch = Stopwatch.StartNew();
        string state;
        string? error = null;
        try
        {
            if (path is null || !File.Exists(path))
            {
                throw new ImportFileException("The uploaded file is gone; upload it again.");
            }
            await ApplyFileAsync(importId, datasetId, dryRun, format, path, report, ct);
            state = "succeeded";
        }
        catch (ImportFileException e)
        {
            state = "failed";
            error = e.Message;
        }
        catch (Exception e) when (!ct.IsCancellationRequested && !DatabaseFaults.IsUnavailable(e))
        {
            // Nothing was written (the transaction rolled back); the partner can run the same file again.
            logger.LogError(e, "Import {ImportId} failed", importId);
            state = "failed";
            error = "The import failed and changed nothing: " + Describe(e);
        }
        report.DurationMs = stopwatch.ElapsedMilliseconds;

        await FinishAsync(importId, state, report, error, ct);
        if (path is not null)
        {
            File.Delete(path);
        }
    }

    /// <summary>
    /// Records the outcome. The import's own work is done (committed or rolled back), so a database that is away
    /// now is waited for rather than the import run again; a report PostgreSQL refuses to store still leaves the
    /// import finished, with the reason in its error, never <c>running</c> for ever.
    /// </summary>
    private async Task FinishAsync(Guid importId, string state, ImportReport report, string? error, CancellationToken ct)
    {
        string? reportJson = JsonSerializer.Serialize(report, ReportJson);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var finish = database.DataSource.CreateCommand(
                    "update imports set state = $2, report = $3::jsonb, error = $4, finished_at = now(), file_path = null where id = $1");
                finish.Parameters.Add(new NpgsqlParameter { Value = importId });
                finish.Parameters.Add(new NpgsqlParameter { Value = state });
                finish.Parameters.Add(new NpgsqlParameter { Value = (object?)reportJson ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
                finish.Parameters.Add(new NpgsqlParameter { Value = error is null ? DBNull.Value : Printable(error), NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
                await finish.ExecuteNonQueryAsync(CancellationToken.None);
                return;
            }
            catch (Exception e) when (DatabaseFaults.IsUnavailable(e) && !ct.IsCancellationRequested)
            {
                logger.LogWarning(e, "Could not record the end of import {ImportId}; trying again when the database answers", importId);
                await AfterFaultAsync(e, attempt, ct);
            }
            catch (PostgresException e) when (reportJson is not null)
            {
                logger.LogError(e, "The report of import {ImportId} could not be stored", importId);
                reportJson = null;
                error = $"{error} The import's report could not be stored: {e.MessageText}".TrimStart();
            }
        }
    }

    /// <summary>Runs <paramref name="work"/> until the database answers it (or the service stops).</summary>
    private async Task UntilDatabaseAnswersAsync(string what, Func<Task> work, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await work();
                return;
            }
            catch (Exception e) when (DatabaseFaults.IsUnavailable(e) && !ct.IsCancellationRequested)
            {
                logger.LogWarning(e, "Could not {What}; trying again", what);
                await AfterFaultAsync(e, attempt, ct);
            }
        }
    }

    /// <summary>
    /// A broken connection means the server restarted or went away, and the pool's idle connections to it are as
    /// dead: clear them so the next attempt opens a fresh one. Then wait a little longer each time, up to 5 s.
    /// </summary>
    private async Task AfterFaultAsync(Exception fault, int attempt, CancellationToken ct)
    {
        if (DatabaseFaults.IsBrokenConnection(fault))
        {
            database.DataSource.Clear();
        }
        await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(5000, 250 << Math.Min(attempt, 5))), ct);
    }

    private static string Describe(Exception e) => e is PostgresException p ? $"{p.MessageText} ({p.SqlState})" : e.Message;

    /// <summary>
    /// PostgreSQL's text cannot hold U+0000, and a file's bytes (a header, a cell quoted in an error) may carry it:
    /// an error or reason quoting them is stored with U+FFFD in its place.
    /// </summary>
    public static string Printable(string text) => text.Contains('\0', StringComparison.Ordinal) ? text.Replace('\0', '\uFFFD') : text;

    private async Task ApplyFileAsync(Guid importId, Guid datasetId, bool dryRun, string format, string path, ImportReport report,
        CancellationToken ct)
    {
        await using var connection = await database.DataSource.OpenConnectionAsync(ct);
        var dataset = await DatasetInfo.LoadAsync(connection, null, datasetId, ct)
                      ?? throw new ImportFileException("The dataset no longer exists.");
        var crs = CoordinateSystems.Find(dataset.Crs) ?? throw new ImportFileException($"Unknown coordinate system '{dataset.Crs}'.");
        var category = categories.Find(dataset.Category);
        var errors = new Dictionary<string, string>();
        var mapping = DatasetMapping.Parse(dataset.Mapping, category, errors);
        if (errors.Count > 0)
        {
            throw new ImportFileException("The dataset's mapping is invalid: " + string.Join("; ", errors.Select(e => $"{e.Key}: {e.Value}")));
        }

        if (format == ImportFormats.Json)
        {
            format = ImportFormats.Sniff(path);
        }
        report.Format = format;
        report.Crs = crs.Code;

        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        var source = ImportFormats.Open(format, path, stream, options.Value.Directory, options.Value.MaxUnpackedBytes);
        try
        {
            if (source is ShapefileRecords { PrjCode: { } prj })
            {
                report.Crs = prj;
            }
            if (source.DeclaredFields is { } declared)
            {
                var missing = mapping.Columns().Where(c => !declared.Contains(c, StringComparer.OrdinalIgnoreCase)).ToList();
                if (missing.Count > 0)
                {
                    throw new ImportFileException($"The mapping names columns the file does not have: {string.Join(", ", missing)} " +
                                                  $"(the file has: {string.Join(", ", declared.Take(60))}).");
                }
                if (format == ImportFormats.Csv && mapping.XColumn is null)
                {
                    throw new ImportFileException("A CSV needs coordinate columns: name them in the dataset's mapping as lon/lat or x/y.");
                }
            }

            var mapper = new RowMapper(mapping, crs, category);
            var observedAt = clock.GetUtcNow().UtcDateTime;
            var rejectedIds = new List<string>();
            await using var transaction = await connection.BeginTransactionAsync(ct);
            // The import owns its transaction (a dry run rolls it back); the closure proposals it opens are commands
            // that join it, and its facility changes are completed before it ends.
            await using var scope = scopes.CreateAsyncScope();
            var unitOfWork = scope.ServiceProvider.GetRequiredService<UnitOfWork>();
            var closures = scope.ServiceProvider.GetRequiredService<SourceClosures>();
            await unitOfWork.JoinAsync(connection, transaction, async ct =>
            {
                var staging = Stopwatch.StartNew();
                await ImportApplier.StageAsync(connection, transaction, source.Read(ct).Select(mapper.Map), report, rejectedIds, ct);
                report.PhasesMs["read_and_stage"] = staging.ElapsedMilliseconds;
                report.IgnoredValues = mapper.IgnoredValues;
                report.IgnoredReasons = mapper.IgnoredReasons;
                var accepted = report.RowsRead - report.RejectedCount;
                await ImportApplier.ApplyAsync(connection, transaction, dataset, observedAt, $"import {importId} of {dataset.Name}", report,
                    rejectedIds, detectRemovals: accepted > 0, importId, unitOfWork.Facilities, closures, ct);
                return true;
            }, ct);
            var commit = Stopwatch.StartNew();
            if (dryRun)
            {
                await transaction.RollbackAsync(ct);
                report.ForgetRolledBackProposals();
            }
            else
            {
                await transaction.CommitAsync(ct);
            }
            report.PhasesMs["commit"] = commit.ElapsedMilliseconds;
        }
        finally
        {
            (source as IDisposable)?.Dispose();
        }
    }
}
