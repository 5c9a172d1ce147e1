using System.Runtime.CompilerServices;
using Facilities.Api.Data;
using Mediator;
using Npgsql;

namespace Facilities.Api.Features.OpenData;

/// <summary>
/// A collection of the public layer, row by row, for GET /api/v1/export/{collection}.geojson, .csv and .gpkg: every
/// facility of the collection (<c>facilities</c> for all of them, else a category id, as the OGC collections) that is
/// not removed, in id order (so two exports diff cleanly). A stream, never a list: memory stays flat however large
/// the layer. The collection is checked before (<see cref="ExportSourcesQuery"/>, which every export sends first).
/// </summary>
public sealed record ExportFacilitiesQuery(string Collection = Ogc.AllFacilities) : IStreamRequest<FacilityRow>;

public sealed class ExportFacilitiesHandler(NpgsqlDataSource dataSource, ReadSource reads) : IStreamRequestHandler<ExportFacilitiesQuery, FacilityRow>
{
    /// <summary>
    /// One statement read by one NpgsqlDataReader: PostgreSQL sends rows as fast as the response body takes them
    /// (TCP backpressure), Npgsql holds one row at a time, and the single statement is one consistent snapshot.
    /// The primary key index gives the order without a sort.
    /// </summary>
    public const string Sql = "select " + FacilityRow.Columns + ", " + OpenDataFeatureJson.SourcesColumn +
                              " from facilities f where f.status <> 'removed' order by f.id";

    /// <summary>
    /// One category: the planner walks the primary key and filters for a large category (no sort, rows flow at
    /// once), or reads a small one through facilities_category and sorts what it found.
    /// </summary>
    public const string CategorySql = "select " + FacilityRow.Columns + ", " + OpenDataFeatureJson.SourcesColumn +
                                      " from facilities f where f.status <> 'removed' and f.category = $1 order by f.id";

    public async IAsyncEnumerable<FacilityRow> Handle(ExportFacilitiesQuery request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // On the writers' larger pool, where a stream held for minutes takes no reader's connection; from a standby when one serves the request.
        await using var connection = await (reads.FromStandby ? reads.DataSource : dataSource).OpenConnectionAsync(cancellationToken);
        var all = request.Collection == Ogc.AllFacilities;
        // No command timeout: a large export to a slow client may take minutes; a client that leaves cancels it.
        await using var command = new NpgsqlCommand(all ? Sql : CategorySql, connection) { CommandTimeout = 0 };
        if (!all)
        {
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = request.Collection });
        }
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            yield return FacilityRow.ReadWithSources(reader);
        }
    }
}
