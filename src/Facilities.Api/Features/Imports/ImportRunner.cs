using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Facilities.Api.Data;
using Facilities.Api.Features.Categories;
using Facilities.Api.Features.Imports.Crs;
using Facilities.Api.Features.Imports.Formats;
using Facilities.Api.Features.Imports.Mapping;
using Facilities.Api.Features.Proposals;
using Facilities.Api.Web;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Facilities.Api.Features.Imports;

/// <summary>
/// Runs uploaded imports in the background, one at a time per replica (they would queue on the change-feed lock
/// anyway), whichever replica received them. A replica claims the oldest import that is queued, or running under a
/// lease that has expired, with <c>for update skip locked</c>, so replicas looking at once take different imports;
/// it renews its lease while the import runs, and gives it up when it stops. A replica that dies (or stops renewing)
/// loses the lease, and the next replica to look runs the import again from the start: an interrupted import wrote
/// nothing (one transaction), and a holder that lost its lease cannot commit (<see cref="LeaseLostException"/>), so
/// each import is applied once. An import that meets an unavailable database (PostgreSQL restarting, a connection
/// the restart broke) is not failed: the runner waits for the database and runs it again, and the import records
/// the interruption.
/// </summary>
public sealed class ImportRunner(ImportDatabase database, CategoryCatalog categories, IOptions<ImportOptions> options,
    ILogger<ImportRunner> logger, TimeProvider clock, IServiceScopeFactory scopes) : BackgroundService
{
    public static readonly JsonSerializerOptions ReportJson = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>Why an import found <c>running</c> at its claim did not finish, when this process does not know better.</summary>
    public const string InterruptedByStop = "the service stopped while the import ran";

    /// <summary>Why, when the import was another replica's and its lease expired.</summary>
    public const string InterruptedByLostLease = "the replica running it stopped renewing its lease (it died, hung or lost the database)";

    // Claimable: queued, or running under no lease, this replica's own lease (a retry after a database fault) or an
    // expired one, and not applied (applied_at is set in the import's own transaction). skip locked: a row another
    // replica is claiming right now is passed over, not waited for.
    private const string ClaimSql =
        "update imports set state = 'running', attempts = attempts + 1, started_at = now(), " +
        "       lease_owner = $3, lease_expires_at = now() + make_interval(secs => $4), " +
        "       interruptions = case when state = 'running' " +
        "           then interruptions || jsonb_build_array(jsonb_build_object('started_at', started_at, 'noticed_at', now(), " +
        "                'reason', case when lease_owner is null or lease_owner = $3 then $2::text else $5::text end)) " +
        "           else interruptions end " +
        "where id = (select id from imports " +
        "            where ($1::uuid is null or id = $1) and applied_at is null and (state = 'queued' or (state = 'running' " +
        "                  and (lease_owner is null or lease_owner = $3 or lease_expires_at < now()))) " +
        "            order by created_at limit 1 for update skip locked) " +
        "returning id, dataset_id, dry_run, format, file_path";

    private readonly SemaphoreSlim _wake = new(0);

    /// <summary>This process's name in lease_owner: unique per start, so a restarted process waits out its predecessor's leases.</summary>
    public string Owner { get; } = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid():N}";

    private TimeSpan Lease => TimeSpan.FromSeconds(options.Value.LeaseSeconds);

    /// <summary>The owners of the runners running in this process (tests and benchmarks host several in one).</summary>
    private static readonly ConcurrentDictionary<string, byte> RunningHere = new(StringComparer.Ordinal);

    /// <summary>Looks for work now rather than at the next poll (an upload this replica has just stored).</summary>
    public void Wake() => _wake.Release();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        ImportUploads.DeleteAbandoned(options.Value.Directory, logger);
        RunningHere[Owner] = 0;
        try
        {
            await UntilDatabaseAnswersAsync("remove the uploads of finished imports", () => UploadStorage.SweepAsync(database.DataSource, stoppingToken),
                stoppingToken);
            while (!stoppingToken.IsCancellationRequested)
            {
                Guid? claimed = null;
                await UntilDatabaseAnswersAsync("look for imports to run", async () =>
                {
                    await FinishAppliedAsync(stoppingToken);
                    await ExpireLeasesOfDeadProcessesAsync(stoppingToken);
                    claimed = await ClaimAsync(null, InterruptedByStop, stoppingToken) is { } claim ? claim.Id : null;
                }, stoppingToken);
                if (claimed is not { } id)
                {
                    await _wake.WaitAsync(TimeSpan.FromSeconds(options.Value.PollSeconds), stoppingToken);
                    continue;
                }
                try
                {
                    await RunAsync(id, stoppingToken);
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    await ReleaseAsync(id);
                    return;
                }
                catch (Exception e)
                {
                    logger.LogError(e, "Import {ImportId} failed", id);
                    await GiveUpAsync(id, e);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            RunningHere.TryRemove(Owner, out _);
        }
    }

    /// <summary>
    /// Expires at once the leases held by processes of this machine that no longer run — this replica's own earlier
    /// process, killed -9 and restarted (in a container, often under the very same process id), or another that
    /// died — instead of waiting them out: no one can be renewing them. A wrong guess (a process id reused, a
    /// machine name two hosts share) costs work, never a second application: a holder that is alive after all
    /// cannot commit once its lease is taken (<see cref="FenceAsync"/>).
    /// </summary>
    private async Task ExpireLeasesOfDeadProcessesAsync(CancellationToken ct)
    {
        var dead = new List<(Guid Id, string Owner)>();
        await using (var held = database.DataSource.CreateCommand(
            "select id, lease_owner from imports where state = 'running' and applied_at is null and lease_expires_at >= now() " +
            "and split_part(lease_owner, ':', 1) = $1 and lease_owner <> $2"))
        {
            held.Parameters.Add(new NpgsqlParameter { Value = Environment.MachineName });
            held.Parameters.Add(new NpgsqlParameter { Value = Owner });
            await using var reader = await held.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                var owner = reader.GetString(1);
                if (int.TryParse(owner.Split(':')[1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var pid)
                    && (pid == Environment.ProcessId ? !RunningHere.ContainsKey(owner) : !ProcessRuns(pid)))
                {
                    dead.Add((reader.GetGuid(0), owner));
                }
            }
        }
        foreach (var (id, owner) in dead)
        {
            await using var expire = database.DataSource.CreateCommand(
                "update imports set lease_expires_at = now() - interval '1 second' where id = $1 and lease_owner = $2 and state = 'running'");
            expire.Parameters.Add(new NpgsqlParameter { Value = id });
            expire.Parameters.Add(new NpgsqlParameter { Value = owner });
            if (await expire.ExecuteNonQueryAsync(ct) > 0)
            {
                logger.LogWarning("Import {ImportId}: its lease holder {Owner} no longer runs on this machine; the lease is expired so it runs again now", id, owner);
            }
        }
    }

    private static bool ProcessRuns(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    /// <summary>
    /// Runs one import this replica has just claimed to its end: succeeded (or dry-run rolled back) with a report, or failed with an error. While
    /// the database is unavailable it waits and starts the import again, however long that takes; only stopping the
    /// service ends the wait (the lease is given up, and the next replica to look runs it), and losing the lease to
    /// another replica ends it quietly (that one runs it).
    /// </summary>
    private async Task RunAsync(Guid importId, CancellationToken ct)
    {
        var interruption = "";
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await AttemptAsync(importId, attempt == 1 ? null : interruption, ct);
                return;
            }
            catch (LeaseLostException)
            {
                logger.LogWarning("Import {ImportId}: another replica took its lease; this one stops and leaves it to that one", importId);
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

    private sealed record Claim(Guid Id, Guid? DatasetId, bool DryRun, string Format, string? Path);

    private async Task<Claim?> ClaimAsync(Guid? importId, string interruption, CancellationToken ct)
    {
        await using var claim = database.DataSource.CreateCommand(ClaimSql);
        claim.Parameters.Add(new NpgsqlParameter { Value = (object?)importId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Uuid });
        claim.Parameters.Add(new NpgsqlParameter { Value = Printable(interruption) });
        claim.Parameters.Add(new NpgsqlParameter { Value = Owner });
        claim.Parameters.Add(new NpgsqlParameter { Value = Lease.TotalSeconds });
        claim.Parameters.Add(new NpgsqlParameter { Value = InterruptedByLostLease });
        await using var reader = await claim.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct)
            ? new Claim(reader.GetGuid(0), reader.IsDBNull(1) ? null : reader.GetGuid(1), reader.GetBoolean(2), reader.GetString(3), reader.IsDBNull(4) ? null : reader.GetString(4))
            : null;
    }

    /// <summary>
    /// One attempt; the first uses the claim the runner's loop made, a later one claims the import again (its lease is
    /// still this replica's) recording why the earlier attempt did not finish.
    /// </summary>
    private async Task AttemptAsync(Guid importId, string? interruption, CancellationToken ct)
    {
        var claim = interruption is null ? await ReadClaimAsync(importId, ct) : await ClaimAsync(importId, interruption, ct);
        if (claim is null)
        {
            return;
        }

        using var lease = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var heartbeat = HeartbeatAsync(importId, lease);
        var report = new ImportReport { DryRun = claim.DryRun };
        var stopwatch = Stopwatch.StartNew();
        ImportState state;
        string? error = null;
        try
        {
            await using var copy = await UploadStorage.OpenAsync(database.DataSource, importId, claim.Path, options.Value.Directory, lease.Token)
                ?? throw new ImportFileException("The uploaded file is gone; upload it again.");
            await ApplyFileAsync(importId, claim.DatasetId, claim.DryRun, claim.Format, copy.Path, report, lease.Token);
            state = ImportState.Succeeded;
        }
        catch (ImportFileException e)
        {
            state = ImportState.Failed;
            error = e.Message;
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested && lease.IsCancellationRequested)
        {
            throw new LeaseLostException();
        }
        catch (Exception e) when (!ct.IsCancellationRequested && !DatabaseFaults.IsUnavailable(e) && e is not LeaseLostException)
        {
            // Nothing was written (the transaction rolled back); the partner can run the same file again.
            logger.LogError(e, "Import {ImportId} failed", importId);
            state = ImportState.Failed;
            error = "The import failed and changed nothing: " + Describe(e);
        }
        finally
        {
            await lease.CancelAsync();
            await heartbeat;
        }
        report.DurationMs = stopwatch.ElapsedMilliseconds;

        await FinishAsync(importId, state, report, error, ct);
        await UploadStorage.DeleteAsync(database.DataSource, importId, claim.Path, CancellationToken.None);
    }

    private async Task<Claim?> ReadClaimAsync(Guid importId, CancellationToken ct)
    {
        await using var read = database.DataSource.CreateCommand(
            "select id, dataset_id, dry_run, format, file_path from imports where id = $1 and lease_owner = $2 and state = 'running'");
        read.Parameters.Add(new NpgsqlParameter { Value = importId });
        read.Parameters.Add(new NpgsqlParameter { Value = Owner });
        await using var reader = await read.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct)
            ? new Claim(reader.GetGuid(0), reader.IsDBNull(1) ? null : reader.GetGuid(1), reader.GetBoolean(2), reader.GetString(3), reader.IsDBNull(4) ? null : reader.GetString(4))
            : null;
    }

    /// <summary>
    /// Renews the lease every <see cref="ImportOptions.HeartbeatSeconds"/> until the attempt ends; when the lease is
    /// found to be another replica's, cancels the attempt. A database that does not answer is not a lost lease: the
    /// import meets the same fault and is retried.
    /// </summary>
    private async Task HeartbeatAsync(Guid importId, CancellationTokenSource lease)
    {
        var every = TimeSpan.FromSeconds(options.Value.HeartbeatSeconds ?? options.Value.LeaseSeconds / 3);
        try
        {
            while (true)
            {
                await Task.Delay(every, clock, lease.Token);
                try
                {
                    await using var renew = database.DataSource.CreateCommand(
                        "update imports set lease_expires_at = now() + make_interval(secs => $3) where id = $1 and lease_owner = $2 and state = 'running'");
                    renew.Parameters.Add(new NpgsqlParameter { Value = importId });
                    renew.Parameters.Add(new NpgsqlParameter { Value = Owner });
                    renew.Parameters.Add(new NpgsqlParameter { Value = Lease.TotalSeconds });
                    if (await renew.ExecuteNonQueryAsync(lease.Token) == 0)
                    {
                        await lease.CancelAsync();
                        return;
                    }
                }
                catch (Exception e) when (DatabaseFaults.IsUnavailable(e))
                {
                    logger.LogWarning(e, "Could not renew the lease of import {ImportId}", importId);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>
    /// The last step of the import's own transaction before it commits: marks it applied, only while the lease is
    /// still this replica's. Another replica that took the lease meanwhile makes this a <see cref="LeaseLostException"/>
    /// and the transaction rolls back; once applied, no replica claims the import again.
    /// </summary>
    private async Task FenceAsync(Guid importId, NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken ct)
    {
        await using var fence = new NpgsqlCommand(
            "update imports set applied_at = now(), lease_expires_at = now() + make_interval(secs => $3) " +
            "where id = $1 and lease_owner = $2 and state = 'running'", connection, transaction);
        fence.Parameters.Add(new NpgsqlParameter { Value = importId });
        fence.Parameters.Add(new NpgsqlParameter { Value = Owner });
        fence.Parameters.Add(new NpgsqlParameter { Value = Lease.TotalSeconds });
        if (await fence.ExecuteNonQueryAsync(ct) == 0)
        {
            throw new LeaseLostException();
        }
    }

    /// <summary>
    /// An import committed whose holder died before recording its report (the moment between the commit and
    /// <see cref="FinishAsync"/>): it is done, so it is finished here, not run again.
    /// </summary>
    private async Task FinishAppliedAsync(CancellationToken ct)
    {
        await using var finish = database.DataSource.CreateCommand(
            "with done as (update imports set state = 'succeeded', finished_at = now(), file_path = null, " +
            "    error = 'The import was applied, but the replica running it stopped before recording its report.' " +
            "  where state = 'running' and applied_at is not null and lease_expires_at < now() returning id) " +
            "delete from import_uploads where import_id in (select id from done)");
        await finish.ExecuteNonQueryAsync(ct);
    }

    /// <summary>
    /// An attempt that ended in an exception no step handles — its end could not be recorded, say, because PostgreSQL
    /// refuses the row — leaves the import <c>running</c> under this replica's lease, which the next claim would take
    /// again at once, for ever, holding up every import queued behind it. Such an import is failed instead, with the
    /// reason, unless it was applied: that one is finished as applied once its lease expires.
    /// </summary>
    private async Task GiveUpAsync(Guid importId, Exception fault)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await using var fail = database.DataSource.CreateCommand(
                "with held as (select id, file_path from imports where id = $1 and lease_owner = $2 and state = 'running' " +
                "              and applied_at is null for update) " +
                "update imports i set state = 'failed', error = $3, report = null, finished_at = now(), file_path = null, " +
                "       lease_owner = null, lease_expires_at = null " +
                "from held where i.id = held.id returning held.file_path");
            fail.Parameters.Add(new NpgsqlParameter { Value = importId });
            fail.Parameters.Add(new NpgsqlParameter { Value = Owner });
            fail.Parameters.Add(new NpgsqlParameter { Value = Printable("The import could not be finished and changed nothing: " + Describe(fault)) });
            string? path;
            await using (var reader = await fail.ExecuteReaderAsync(timeout.Token))
            {
                if (!await reader.ReadAsync(timeout.Token))
                {
                    return;
                }
                path = reader.IsDBNull(0) ? null : reader.GetString(0);
            }
            await UploadStorage.DeleteAsync(database.DataSource, importId, path, timeout.Token);
        }
        catch (Exception e) when (e is NpgsqlException or OperationCanceledException or TimeoutException or IOException)
        {
            logger.LogWarning(e, "Could not record import {ImportId} as failed; it is claimed again", importId);
        }
    }

    /// <summary>When this replica stops mid-import: gives the lease up, so the next replica to look runs it at once.</summary>
    private async Task ReleaseAsync(Guid importId)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await using var release = database.DataSource.CreateCommand(
                "update imports set lease_owner = null, lease_expires_at = null where id = $1 and lease_owner = $2 and state = 'running'");
            release.Parameters.Add(new NpgsqlParameter { Value = importId });
            release.Parameters.Add(new NpgsqlParameter { Value = Owner });
            await release.ExecuteNonQueryAsync(timeout.Token);
        }
        catch (Exception e) when (e is NpgsqlException or OperationCanceledException or TimeoutException)
        {
            logger.LogWarning(e, "Could not give up the lease of import {ImportId}; another replica takes it when it expires", importId);
        }
    }

    /// <summary>
    /// Records the outcome. The import's own work is done (committed or rolled back), so a database that is away
    /// now is waited for rather than the import run again; a report PostgreSQL refuses to store still leaves the
    /// import finished, with the reason in its error, never <c>running</c> for ever.
    /// </summary>
    private async Task FinishAsync(Guid importId, ImportState state, ImportReport report, string? error, CancellationToken ct)
    {
        string? reportJson = JsonSerializer.Serialize(report, ReportJson);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var finish = database.DataSource.CreateCommand(
                    "update imports set state = $2, report = $3::jsonb, error = $4, finished_at = now(), file_path = null where id = $1");
                finish.Parameters.Add(new NpgsqlParameter { Value = importId });
                finish.Parameters.Add(new NpgsqlParameter { Value = state.Name() });
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
    /// PostgreSQL's text cannot hold U+0000, and a string with an unpaired surrogate has no UTF-8 at all (Npgsql refuses
    /// to send it); a file's bytes (a header, a cell, an XML parser's message quoting a character reference such as
    /// <c>&amp;#xD800;</c>) may carry either. An error or reason quoting them is stored with U+FFFD in their place;
    /// unstored, the import's end could not be recorded and it was run again for ever.
    /// </summary>
    public static string Printable(string text)
    {
        if (!text.Contains('\0', StringComparison.Ordinal) && text.AsSpan().IndexOfAnyInRange('\uD800', '\uDFFF') < 0)
        {
            return text;
        }
        // UTF-8's replacement fallback writes U+FFFD for each unpaired surrogate and keeps the pairs.
        return Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(text)).Replace('\0', '\uFFFD');
    }

    private async Task ApplyFileAsync(Guid importId, Guid? datasetId, bool dryRun, string format, string path, ImportReport report,
        CancellationToken ct)
    {
        await using var connection = await database.DataSource.OpenConnectionAsync(ct);
        // A draft's dataset is made in the import's transaction, which a dry run always rolls back: nothing is left.
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var dataset = (datasetId is { } id
                          ? await DatasetInfo.LoadAsync(connection, transaction, id, ct)
                          : await DraftDatasets.InsertAsync(connection, transaction, importId, ct))
                      ?? throw new ImportFileException("The dataset no longer exists.");
        var crs = CoordinateSystems.Find(dataset.Crs) ?? throw new ImportFileException($"Unknown coordinate system '{dataset.Crs}'.");
        var category = categories.Find(dataset.Category);
        var errors = new Dictionary<string, string>();
        // Leniently: a mapping stored before the strict checks keeps importing as it did.
        var mapping = DatasetMapping.Parse(dataset.Mapping, category, errors, strict: false);
        if (errors.Count > 0)
        {
            throw new ImportFileException("The dataset's mapping is invalid: " + string.Join("; ", errors.Select(e => $"{e.Key}: {e.Value}")));
        }

        format = ImportFormats.Resolve(format, path);
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
                var missing = mapping.MissingColumns(declared);
                // A dry run says what is missing and goes on as if those columns were empty, so the partner sees the
                // whole picture; a real import would write those empty columns as the partner's values, so it stops.
                report.MissingColumns.AddRange(missing);
                if (missing.Count > 0 && !dryRun)
                {
                    throw new ImportFileException("The mapping names columns the file does not have: " +
                                                  $"{string.Join(", ", missing.SelectMany(m => m.Columns).Distinct(StringComparer.OrdinalIgnoreCase))} " +
                                                  $"(the file has: {string.Join(", ", declared.Take(60))}).");
                }
                if (format == ImportFormats.Csv && mapping.X is null)
                {
                    throw new ImportFileException("A CSV needs coordinate columns: name them in the dataset's mapping as lon/lat or x/y.");
                }
            }

            var mapper = new RowMapper(mapping, crs, category);
            var observedAt = clock.GetUtcNow().UtcDateTime;
            var rejectedIds = new List<string>();
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
                var records = Stopwatch.StartNew();
                await ImportRecords.WriteAsync(connection, transaction, importId, dataset.Id, observedAt, dryRun, report, ct);
                report.PhasesMs["records"] = records.ElapsedMilliseconds;
                return true;
            }, ct);
            var commit = Stopwatch.StartNew();
            if (dryRun)
            {
                await ImportRecords.KeepAcrossRollbackAsync(connection, importId, options.Value.Directory, () => transaction.RollbackAsync(ct), ct);
                report.ForgetRolledBackProposals();
            }
            else
            {
                await FenceAsync(importId, connection, transaction, ct);
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

/// <summary>This replica's lease on an import passed to another replica: it must not commit, and stops.</summary>
public sealed class LeaseLostException() : Exception("The import's lease is another replica's now.");
