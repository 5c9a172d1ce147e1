using System.Runtime.CompilerServices;
using Facilities.Api.Data;
using Mediator;
using Npgsql;

namespace Facilities.Api.Features.OpenData;

/// <summary>
/// The whole public layer, row by row, for GET /api/v1/export/facilities.geojson and .csv: every facility that is
/// not removed, in id order (so two exports diff cleanly). A stream, never a list: memory stays flat however large
/// the layer.
/// </summary>
public sealed record ExportFacilitiesQuery : IStreamRequest<FacilityRow>;

public sealed class ExportFacilitiesHandler(NpgsqlDataSource dataSource, ReadSource reads) : IStreamRequestHandler<ExportFacilitiesQuery, FacilityRow>
{
    /// <summary>
    /// One statement read by one NpgsqlDataReader: PostgreSQL sends rows as fast as the response body takes them
    /// (TCP backpressure), Npgsql holds one row at a time, and the single statement is one consistent snapshot.
    /// The primary key index gives the order without a sort.
    /// </summary>
    public const string Sql = "select " + FacilityRow.Columns + ", " + OpenDataFeatureJson.SourcesColumn +
                              " from facilities f where f.status <> 'removed' order by f.id";

    public async IAsyncEnumerable<FacilityRow> Handle(ExportFacilitiesQuery request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // On the writers' larger pool, where a stream held for minutes takes no reader's connection; from a standby when one serves the request.
        await using var connection = await (reads.FromStandby ? reads.DataSource : dataSource).OpenConnectionAsync(cancellationToken);
        // No command timeout: a large export to a slow client may take minutes; a client that leaves cancels it.
        await using var command = new NpgsqlCommand(Sql, connection) { CommandTimeout = 0 };
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            yield return FacilityRow.ReadWithSources(reader);
        }
    }
}
