using Facilities.Api.Data;
using Facilities.Api.Features.Categories;
using Facilities.Api.Features.Facilities;
using Facilities.Api.Web;
using Mediator;
using Npgsql;

namespace Facilities.Api.Features.OpenData;

/// <summary>GET /ogc/collections: one collection per category and one, <c>facilities</c>, with all of them.</summary>
public sealed record OgcCollectionsQuery(string BaseUrl, string? F, string? Accept, IReadOnlyCollection<string> Parameters)
    : IRequest<OgcCollections>, IOgcRequest;

public sealed class OgcCollectionsQueryValidator : OgcRequestValidator<OgcCollectionsQuery>
{
    public OgcCollectionsQueryValidator() : base(Ogc.CommonParameters, ["json", "html"])
    {
    }
}

public sealed class OgcCollectionsHandler(ReadSource dataSource, CategoryCatalog categories)
    : IRequestHandler<OgcCollectionsQuery, OgcCollections>
{
    public async ValueTask<OgcCollections> Handle(OgcCollectionsQuery request, CancellationToken cancellationToken)
    {
        var b = request.BaseUrl;
        var collections = await OgcCollectionCatalog.LoadAsync(dataSource.DataSource, categories, cancellationToken);
        return new OgcCollections(
            OgcLinks.SelfAndAlternate(Ogc.Url(b, "/ogc/collections"), request.Format(), "The feature collections"),
            [.. collections.Select(c => c.ToCollection(b, [
                new(Ogc.Url(b, $"/ogc/collections/{c.Id}"), "self", Ogc.JsonType, c.Title),
            ]))]);
    }
}

/// <summary>
/// The collections and their extents, computed from the data on every request (no cache to go stale): the spatial
/// extent of the facilities that are not removed and the interval of their updated_at.
/// </summary>
public static class OgcCollectionCatalog
{
    /// <summary>
    /// An exact bounding box without reading every row (ST_Extent over a million rows takes 240 ms). The cluster
    /// grid that a trigger keeps current holds, at zoom 12, every cell (0.022 degrees) with a facility that is not
    /// removed; its extreme cells bound each category. The westernmost facility lies in the westernmost column of
    /// cells, so min(x) over the GiST-indexed strip of that column is exact; the same for the other three sides.
    /// The strips are widened by 1e-9 degrees against rounding in the cell formula. The time interval comes from the
    /// partial (category, updated_at) index of migration 0003. About 5 ms on a million facilities.
    /// </summary>
    public const string Sql =
        "with cells as (select category, min(cx) as x0, max(cx) as x1, min(cy) as y0, max(cy) as y1, cluster_cell_size($1) as s " +
        "               from cluster_cells where zoom = $1 and n > 0 group by category) " +
        "select c.category, " +
        "  (select min(ST_X(f.geom)) from facilities f where f.category = c.category and f.status <> 'removed' " +
        "     and f.geom && ST_MakeEnvelope(c.x0 * c.s - 180 - 1e-9, -90, (c.x0 + 1) * c.s - 180 + 1e-9, 90, 4326)), " +
        "  (select min(ST_Y(f.geom)) from facilities f where f.category = c.category and f.status <> 'removed' " +
        "     and f.geom && ST_MakeEnvelope(-180, c.y0 * c.s - 90 - 1e-9, 180, (c.y0 + 1) * c.s - 90 + 1e-9, 4326)), " +
        "  (select max(ST_X(f.geom)) from facilities f where f.category = c.category and f.status <> 'removed' " +
        "     and f.geom && ST_MakeEnvelope(c.x1 * c.s - 180 - 1e-9, -90, (c.x1 + 1) * c.s - 180 + 1e-9, 90, 4326)), " +
        "  (select max(ST_Y(f.geom)) from facilities f where f.category = c.category and f.status <> 'removed' " +
        "     and f.geom && ST_MakeEnvelope(-180, c.y1 * c.s - 90 - 1e-9, 180, (c.y1 + 1) * c.s - 90 + 1e-9, 4326)), " +
        "  (select min(f.updated_at) from facilities f where f.category = c.category and f.status <> 'removed'), " +
        "  (select max(f.updated_at) from facilities f where f.category = c.category and f.status <> 'removed') " +
        "from cells c";

    /// <summary>What <see cref="Sql"/> answers, the slow way: used only if the grid disagrees with the table.</summary>
    public const string FullScanSql =
        "select category, min(ST_X(geom)), min(ST_Y(geom)), max(ST_X(geom)), max(ST_Y(geom)), min(updated_at), max(updated_at) " +
        "from facilities where status <> 'removed' group by category";

    public static async Task<IReadOnlyList<OgcCollectionInfo>> LoadAsync(
        NpgsqlDataSource dataSource, CategoryCatalog categories, CancellationToken cancellationToken)
    {
        var extents = await ReadExtentsAsync(dataSource, Sql, cancellationToken)
            ?? await ReadExtentsAsync(dataSource, FullScanSql, cancellationToken)
            ?? throw new InvalidOperationException("Facility extents could not be computed.");

        var all = extents.Values.Aggregate((Extent?)null, (a, e) => a is null ? e : a.Union(e));
        var result = new List<OgcCollectionInfo>();
        foreach (var id in (string[])[Ogc.AllFacilities, .. categories.All.Select(c => c.Id)])
        {
            var extent = id == Ogc.AllFacilities ? all : extents.GetValueOrDefault(id);
            result.Add(Describe(categories, id)! with { Bbox = extent?.Box, First = extent?.First, Last = extent?.Last });
        }
        return result;
    }

    public static async Task<OgcCollectionInfo?> FindAsync(
        NpgsqlDataSource dataSource, CategoryCatalog categories, string id, CancellationToken cancellationToken) =>
        Describe(categories, id) is not null
            ? (await LoadAsync(dataSource, categories, cancellationToken)).FirstOrDefault(c => c.Id == id)
            : null;

    /// <summary>A collection's id, title and description, without its extent; null for an unknown id.</summary>
    public static OgcCollectionInfo? Describe(CategoryCatalog categories, string id)
    {
        if (id == Ogc.AllFacilities)
        {
            return new(id, "All facilities", "Every facility of the merged open layer, whatever its category. 所有设施。", null, null, null);
        }
        if (categories.Find(id) is not { } category)
        {
            return null;
        }
        var en = category.Labels.GetValueOrDefault("en", category.Id);
        var zh = category.Labels.GetValueOrDefault("zh-Hans");
        return new(id, en, $"{en} facilities of the merged open layer.{(zh is null ? "" : $" {zh}。")}", null, null, null);
    }

    /// <summary>Extents by category, or null when a side came back empty (the grid names a cell with no facility).</summary>
    private static async Task<Dictionary<string, Extent>?> ReadExtentsAsync(
        NpgsqlDataSource dataSource, string sql, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(sql);
        if (sql == Sql)
        {
            command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = ClustersQuery.MaxPrecomputedZoom });
        }
        var extents = new Dictionary<string, Extent>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            for (var i = 1; i <= 6; i++)
            {
                if (reader.IsDBNull(i))
                {
                    return null;
                }
            }
            extents[reader.GetString(0)] = new Extent(
                new Bbox(reader.GetDouble(1), reader.GetDouble(2), reader.GetDouble(3), reader.GetDouble(4)),
                reader.GetDateTime(5), reader.GetDateTime(6));
        }
        return extents;
    }

    private sealed record Extent(Bbox Box, DateTime First, DateTime Last)
    {
        public Extent Union(Extent other) => new(
            new Bbox(Math.Min(Box.MinLon, other.Box.MinLon), Math.Min(Box.MinLat, other.Box.MinLat),
                Math.Max(Box.MaxLon, other.Box.MaxLon), Math.Max(Box.MaxLat, other.Box.MaxLat)),
            First < other.First ? First : other.First,
            Last > other.Last ? Last : other.Last);
    }
}
