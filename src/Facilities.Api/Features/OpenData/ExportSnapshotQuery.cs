using System.Runtime.CompilerServices;
using Facilities.Api.Data;
using Mediator;
using Npgsql;

namespace Facilities.Api.Features.OpenData;

/// <summary>
/// A collection of the public layer as of one snapshot, for GET /api/v1/export/{collection}.geojson, .csv and .gpkg:
/// where the layer stands (<see cref="ExportStamp"/>: the change feed's position and the imports finished, read in
/// the snapshot the rows come from), then every facility of the collection (<c>facilities</c> for all of them, else a
/// category id, as the OGC collections) that is not removed, in id order (so two exports diff cleanly). The stamp says
/// whether a dump (<see cref="ExportDumps"/>) still holds this layer; the rows are read only when none does. The
/// collection is checked before (<see cref="ExportSourcesQuery"/>, which every export sends first).
/// </summary>
public sealed record ExportSnapshotQuery(string Collection = Ogc.AllFacilities) : IRequest<ExportSnapshot>;

/// <summary>
/// What a dump must match to stand for the layer. Scores and source links change without a feed entry, but only
/// in an import (or by ageing, which <c>Exports:DumpMaxAgeSeconds</c> bounds), so the feed position and the count and
/// last finish of the imports together change whenever the exported rows can.
/// </summary>
/// <param name="FeedPosition">The highest change-feed seq visible in the snapshot: a mirror continues from
/// /api/v1/changes?since=FeedPosition. The feed is gapless and numbered under a lock held to commit, so every entry up
/// to it is in the snapshot too.</param>
/// <param name="ImportsFinished">How many imports had finished (succeeded or failed): an import that finishes later but
/// stamps an earlier finished_at (its transaction's start) still moves this.</param>
/// <param name="LastImportFinishedAt">The latest finished_at of an import, if any.</param>
/// <param name="Database">Which database this is (system identifier : database oid), the same on a standby as on
/// its primary: a dump folder shared by mistake never serves another database's layer.</param>
public sealed record ExportStamp(long FeedPosition, long ImportsFinished, DateTime? LastImportFinishedAt, string Database);

/// <summary>An open read-only transaction at one snapshot: its <see cref="Stamp"/>, and the rows read at that snapshot.</summary>
public sealed class ExportSnapshot(
    NpgsqlConnection connection, NpgsqlTransaction transaction, string collection, ExportStamp stamp, DateTimeOffset takenAt) : IAsyncDisposable
{
    /// <summary>
    /// One statement read by one NpgsqlDataReader: PostgreSQL sends rows as fast as the response body takes them
    /// (TCP backpressure), Npgsql holds one row at a time. The primary key index gives the order without a sort.
    /// </summary>
    public const string Sql = "select " + FacilityRow.Columns + ", " + OpenDataFeatureJson.SourcesColumn +
                              " from facilities f where f.status <> 'removed' order by f.id";

    /// <summary>
    /// One category: the planner walks the primary key and filters for a large category (no sort, rows flow at
    /// once), or reads a small one through facilities_category and sorts what it found.
    /// </summary>
    public const string CategorySql = "select " + FacilityRow.Columns + ", " + OpenDataFeatureJson.SourcesColumn +
                                      " from facilities f where f.status <> 'removed' and f.category = $1 order by f.id";

    public ExportStamp Stamp { get; } = stamp;

    /// <summary>When the snapshot was taken: the export's generated_at, and its dump's Last-Modified.</summary>
    public DateTimeOffset TakenAt { get; } = takenAt;

    /// <summary>The collection's rows, a stream, never a list: memory stays flat however large the layer.</summary>
    public async IAsyncEnumerable<FacilityRow> Rows([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var all = collection == Ogc.AllFacilities;
        // No command timeout: a large export to a slow client may take minutes; a client that leaves cancels it.
        await using var command = new NpgsqlCommand(all ? Sql : CategorySql, connection, transaction) { CommandTimeout = 0 };
        if (!all)
        {
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = collection });
        }
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            yield return FacilityRow.ReadWithSources(reader);
        }
    }

    private bool _disposed;

    /// <summary>Ends the transaction (a rollback: it only read); again, does nothing.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        await transaction.DisposeAsync();
        await connection.DisposeAsync();
    }
}

public sealed class ExportSnapshotHandler(NpgsqlDataSource dataSource, ReadSource reads, TimeProvider clock) : IRequestHandler<ExportSnapshotQuery, ExportSnapshot>
{
    /// <summary>
    /// The first statement of a repeatable-read transaction, so it fixes the snapshot the rows are read in: the stamp
    /// is exactly that of the rows. max(seq) reads the feed's primary key backwards; imports has a row per import.
    /// pg_control_system() tells clusters apart (a restored copy keeps it, but then holds the same layer until its first
    /// change), the oid the databases of one cluster.
    /// </summary>
    public const string StampSql =
        "select (select coalesce(max(seq), 0) from change_feed), i.finished, i.last_finished, " +
        "(select system_identifier from pg_control_system())::text || ':' || " +
        "(select oid from pg_database where datname = current_database())::text " +
        "from (select count(finished_at) as finished, max(finished_at) as last_finished from imports) i";

    public async ValueTask<ExportSnapshot> Handle(ExportSnapshotQuery request, CancellationToken cancellationToken)
    {
        // On the writers' larger pool, where a stream held for minutes takes no reader's connection; from a standby
        // when one serves the request (whose feed position is then the standby's, as are the rows).
        var connection = await (reads.FromStandby ? reads.DataSource : dataSource).OpenConnectionAsync(cancellationToken);
        try
        {
            // Read only and repeatable read: allowed on a standby too, and one snapshot for the stamp and the rows.
            var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken);
            await using var command = new NpgsqlCommand("set transaction read only; " + StampSql, connection, transaction);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            var stamp = new ExportStamp(reader.GetInt64(0), reader.GetInt64(1),
                reader.IsDBNull(2) ? null : reader.GetFieldValue<DateTime>(2), reader.GetString(3));
            return new ExportSnapshot(connection, transaction, request.Collection, stamp, clock.GetUtcNow());
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }
}
