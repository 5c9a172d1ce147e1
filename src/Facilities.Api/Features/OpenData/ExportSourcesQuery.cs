using Facilities.Api.Data;
using Facilities.Api.Features.Categories;
using Facilities.Api.Web;
using Mediator;
using Npgsql;

namespace Facilities.Api.Features.OpenData;

/// <summary>
/// GET /api/v1/export/attribution, and the header of each export: every dataset that contributes to a collection
/// (<c>facilities</c>, the whole layer, by default), with its license and the attribution it asks for. The merged
/// layer carries them all: each dataset's license applies to the facilities and attributes it contributed (a
/// facility's own sources and per-attribute provenance are at /api/v1/facilities/{id}). An unknown collection is a 404.
/// </summary>
public sealed record ExportSourcesQuery(string Collection = Ogc.AllFacilities) : IRequest<ExportSources>;

public sealed record ExportSource(string Id, string Name, string Kind, string License, string Attribution);

/// <param name="Title">What the layer is.</param>
/// <param name="License">An SPDX license expression: the licenses of all sources joined by AND.</param>
/// <param name="Attribution">The attributions of all sources, one sentence to print under a map.</param>
/// <param name="Sources">Each dataset with its own license and attribution.</param>
public sealed record ExportSources(string Title, string License, string Attribution, IReadOnlyList<ExportSource> Sources);

public sealed class ExportSourcesHandler(ReadSource dataSource, CategoryCatalog categories) : IRequestHandler<ExportSourcesQuery, ExportSources>
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

    /// <summary>
    /// The same for one category: a record counts when its facility is of the category. The (dataset_id,
    /// facility_id) index gives each dataset's records and the primary key their facilities; the search stops at
    /// the first of the category, so only a dataset with none of it is read through.
    /// </summary>
    public const string CategorySql =
        "select d.id::text, d.name, d.kind, d.license, d.attribution from datasets d " +
        "where exists (select 1 from source_records s join facilities f on f.id = s.facility_id " +
        "              where s.dataset_id = d.id and s.removed_at is null and f.category = $1) " +
        "order by case d.kind when 'official' then 0 when 'osm' then 1 else 2 end, d.name";

    public async ValueTask<ExportSources> Handle(ExportSourcesQuery request, CancellationToken cancellationToken)
    {
        var collection = OgcCollectionCatalog.Describe(categories, request.Collection)
            ?? throw new NotFoundException("collection", request.Collection);
        var all = collection.Id == Ogc.AllFacilities;
        var sources = new List<ExportSource>();
        await using var command = dataSource.CreateCommand(all ? Sql : CategorySql);
        if (!all)
        {
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = collection.Id });
        }
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            sources.Add(new ExportSource(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4)));
        }
        var licenses = sources.Select(s => s.License).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        return new ExportSources(
            all ? "Facilities: the merged open layer" : $"Facilities: {collection.Title}, from the merged open layer",
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
