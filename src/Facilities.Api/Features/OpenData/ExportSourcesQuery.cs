using Facilities.Api.Data;
using Mediator;
using Npgsql;

namespace Facilities.Api.Features.OpenData;

/// <summary>
/// GET /api/v1/export/attribution, and the header of the GeoJSON export: every dataset that contributes to the layer,
/// with its license and the attribution it asks for. The merged layer carries them all: each dataset's license
/// applies to the facilities and attributes it contributed (a facility's own sources and per-attribute provenance
/// are at /api/v1/facilities/{id}).
/// </summary>
public sealed record ExportSourcesQuery : IRequest<ExportSources>;

public sealed record ExportSource(string Id, string Name, string Kind, string License, string Attribution);

/// <param name="Title">What the layer is.</param>
/// <param name="License">An SPDX license expression: the licenses of all sources joined by AND.</param>
/// <param name="Attribution">The attributions of all sources, one sentence to print under a map.</param>
/// <param name="Sources">Each dataset with its own license and attribution.</param>
public sealed record ExportSources(string Title, string License, string Attribution, IReadOnlyList<ExportSource> Sources);

public sealed class ExportSourcesHandler(ReadSource dataSource) : IRequestHandler<ExportSourcesQuery, ExportSources>
{
    /// <summary>
    /// A dataset counts when a current source record of it is linked to a facility. Records of facilities since
    /// removed still count: naming a source too many is harmless, one too few breaks its license. The unique
    /// (dataset_id, external_id) index finds each dataset's first record without a scan.
    /// </summary>
    public const string Sql =
        "select d.id::text, d.name, d.kind, d.license, d.attribution from datasets d " +
        "where exists (select 1 from source_records s where s.dataset_id = d.id and s.facility_id is not null and s.removed_at is null) " +
        "order by case d.kind when 'official' then 0 when 'osm' then 1 else 2 end, d.name";

    public async ValueTask<ExportSources> Handle(ExportSourcesQuery request, CancellationToken cancellationToken)
    {
        var sources = new List<ExportSource>();
        await using var command = dataSource.CreateCommand(Sql);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            sources.Add(new ExportSource(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4)));
        }
        var licenses = sources.Select(s => s.License).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        return new ExportSources(
            "Facilities: the merged open layer",
            licenses.Count switch
            {
                0 => "NOASSERTION",
                1 => licenses[0],
                _ => string.Join(" AND ", licenses),
            },
            string.Join("; ", sources.Select(s => s.Attribution).Distinct(StringComparer.Ordinal)),
            sources);
    }
}
