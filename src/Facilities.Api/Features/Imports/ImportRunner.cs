using System.Diagnostics;
using System.Text.Json;
using System.Threading.Channels;
using Facilities.Api.Features.Categories;
using Facilities.Api.Features.Imports.Crs;
using Facilities.Api.Features.Imports.Formats;
using Facilities.Api.Features.Imports.Mapping;
using Facilities.Api.Features.Proposals;
using Facilities.Api.Features.Reputation;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Facilities.Api.Features.Imports;

/// <summary>
/// Runs uploaded imports in the background, one at a time (they would queue on the change-feed lock anyway). At
/// start it picks up imports left queued or running by a previous process: an interrupted import wrote nothing
/// (one transaction), so running it again is safe.
/// </summary>
public sealed class ImportRunner(ImportDatabase database, CategoryCatalog categories, IOptions<ImportOptions> options,
    ILogger<ImportRunner> logger, TimeProvider clock, SourceClosures closures, ReputationRules rules) : BackgroundService
{
    public static readonly JsonSerializerOptions ReportJson = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    private readonly Channel<Guid> _queue = Channel.CreateUnbounded<Guid>();

    public void Enqueue(Guid importId) => _queue.Writer.TryWrite(importId);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await using (var pending = database.DataSource.CreateCommand(
                "select id from imports where state in ('queued', 'running') order by created_at"))
            await using (var reader = await pending.ExecuteReaderAsync(stoppingToken))
            {
                while (await reader.ReadAsync(stoppingToken))
                {
                    Enqueue(reader.GetGuid(0));
                }
            }
        }
        catch (NpgsqlException e)
        {
            logger.LogWarning(e, "Could not look for interrupted imports");
        }

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

    /// <summary>Runs one import to its end: succeeded (or dry-run rolled back) with a report, or failed with an error.</summary>
    public async Task RunAsync(Guid importId, CancellationToken ct)
    {
        Guid datasetId;
        bool dryRun;
        string format;
        string? path;
        await using (var claim = database.DataSource.CreateCommand(
            "update imports set state = 'running', started_at = now() where id = $1 and state in ('queued', 'running') " +
            "returning dataset_id, dry_run, format, file_path"))
        {
            claim.Parameters.Add(new NpgsqlParameter { Value = importId });
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
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            // Nothing was written (the transaction rolled back); the partner can run the same file again.
            logger.LogError(e, "Import {ImportId} failed", importId);
            state = "failed";
            error = "The import failed and changed nothing: " + (e is PostgresException p ? p.MessageText : e.Message);
        }
        report.DurationMs = stopwatch.ElapsedMilliseconds;

        await using (var finish = database.DataSource.CreateCommand(
            "update imports set state = $2, report = $3::jsonb, error = $4, finished_at = now(), file_path = null where id = $1"))
        {
            finish.Parameters.Add(new NpgsqlParameter { Value = importId });
            finish.Parameters.Add(new NpgsqlParameter { Value = state });
            finish.Parameters.Add(new NpgsqlParameter { Value = JsonSerializer.Serialize(report, ReportJson) });
            finish.Parameters.Add(new NpgsqlParameter { Value = (object?)error ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
            await finish.ExecuteNonQueryAsync(CancellationToken.None);
        }
        if (path is not null)
        {
            File.Delete(path);
        }
    }

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
            var staging = Stopwatch.StartNew();
            await ImportApplier.StageAsync(connection, transaction, source.Read(ct).Select(mapper.Map), report, rejectedIds, ct);
            report.PhasesMs["read_and_stage"] = staging.ElapsedMilliseconds;
            report.IgnoredValues = mapper.IgnoredValues;
            var accepted = report.RowsRead - report.RejectedCount;
            await ImportApplier.ApplyAsync(connection, transaction, dataset, observedAt, $"import {importId} of {dataset.Name}", report,
                rejectedIds, detectRemovals: accepted > 0, importId, closures, rules.ConfidenceParameters(), ct);
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
