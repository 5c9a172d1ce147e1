using System.Globalization;
using Facilities.Api.Data;
using Facilities.Api.Features.Categories;
using Facilities.Api.Features.Facilities;
using Facilities.Api.Web;
using FluentValidation;
using Mediator;
using Npgsql;
using NpgsqlTypes;

namespace Facilities.Api.Features.OpenData;

/// <summary>
/// GET /ogc/tiles/WebMercatorQuad/{tileMatrix}/{tileRow}/{tileCol} (the dataset) and the same under
/// /ogc/collections/{collectionId}/tiles: one Mapbox Vector Tile with one layer, named by the collection
/// (<c>facilities</c> for the dataset). The path values arrive as text so that a bad one is a 400 naming it.
/// </summary>
public sealed record OgcTileQuery(
    string? CollectionId, string TileMatrixSetId, string TileMatrix, string TileRow, string TileCol, string? F, IReadOnlyCollection<string> Parameters)
    : IRequest<OgcTile>
{
    public static readonly string[] Allowed = ["f"];

    /// <summary>The layer name in the tile: the collection's id.</summary>
    public string Layer => CollectionId ?? Ogc.AllFacilities;

    /// <summary>The category the tile is limited to, or null for every facility.</summary>
    public string? Category => CollectionId is null or Ogc.AllFacilities ? null : CollectionId;
}

/// <summary>An encoded tile; empty when no facility is in it (a valid MVT with no layer).</summary>
public sealed record OgcTile(byte[] Body);

public sealed class OgcTileQueryValidator : AbstractValidator<OgcTileQuery>
{
    public OgcTileQueryValidator()
    {
        RuleFor(x => x.F)
            .Must(f => f is null || f.Equals("mvt", StringComparison.OrdinalIgnoreCase))
            .WithMessage("Must be mvt, the one tile format served.");
        RuleFor(x => x.Parameters).Custom((parameters, context) =>
        {
            foreach (var name in parameters.Where(p => !OgcTileQuery.Allowed.Contains(p, StringComparer.Ordinal)))
            {
                context.AddFailure(name, $"Is not a parameter of this resource; it accepts: {string.Join(", ", OgcTileQuery.Allowed)}.");
            }
        });
        RuleFor(x => x.TileMatrix)
            .Must(v => TryZoom(v, out _))
            .OverridePropertyName("tileMatrix")
            .WithMessage($"Must be a tile matrix of {OgcTiles.WebMercatorQuad}: a whole number from 0 to {OgcTiles.MaxZoom}.");
        RuleFor(x => x.TileRow).Custom((value, context) => Index(context, "tileRow", value, context.InstanceToValidate.TileMatrix));
        RuleFor(x => x.TileCol).Custom((value, context) => Index(context, "tileCol", value, context.InstanceToValidate.TileMatrix));
    }

    public static bool TryZoom(string? text, out int zoom) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out zoom) && zoom is >= 0 and <= OgcTiles.MaxZoom;

    /// <summary>A row or column is within the matrix of its zoom: 0 to 2^zoom − 1.</summary>
    private static void Index(ValidationContext<OgcTileQuery> context, string name, string? value, string? matrix)
    {
        if (!long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var index))
        {
            context.AddFailure(name, "Must be a whole number, 0 or more.");
        }
        else if (TryZoom(matrix, out var zoom) && index >= 1L << zoom)
        {
            context.AddFailure(name, string.Create(CultureInfo.InvariantCulture,
                $"Is outside tile matrix {zoom}, which has {1L << zoom} rows and columns (0 to {(1L << zoom) - 1})."));
        }
    }
}

public sealed class OgcTileHandler(ReadSource dataSource, CategoryCatalog categories) : IRequestHandler<OgcTileQuery, OgcTile>
{
    /// <summary>
    /// Zoom 0 to <see cref="OgcTiles.MaxClusterZoom"/>: the cluster grid the facilities trigger keeps current, one
    /// zoom finer than the tile (eight cells across it: a vector tile is drawn 512 pixels wide, so points sit about
    /// 64 pixels apart, like the map's clusters). A country-sized tile reads a few hundred grid rows, never the
    /// facilities. Each cell's point is the mean position of its facilities; categories are stored apart and added
    /// up unless the collection is one category. Ordered so the same data always encodes to the same bytes (and
    /// ETag). $1..$3 tile z, x, y; $4 grid zoom; $5..$8 cell index range; $9 category or null; $10 layer name.
    /// </summary>
    public static readonly string ClusterSql = string.Create(CultureInfo.InvariantCulture, $"""
        with cells as (
          select cx, cy, sum(n)::int as n, sum(sum_lon) / sum(n) as lon, sum(sum_lat) / sum(n) as lat,
                 case when sum(n) = 1 then min(any_id::text) end as id,
                 case when count(*) = 1 then min(category) end as category
          from cluster_cells
          where zoom = $4 and cx between $5 and $6 and cy between $7 and $8 and ($9::text is null or category = $9)
          group by cx, cy),
        points as (
          select ST_AsMVTGeom(ST_Transform(ST_SetSRID(ST_MakePoint(lon, lat), 4326), 3857), ST_TileEnvelope($1, $2, $3),
                              {OgcTiles.Extent}, {OgcTiles.Buffer}, true) as geom, n as count, id, category
          from cells where lat between -85.0511 and 85.0511 and n > 0 order by cx, cy)
        select ST_AsMVT(points, $10, {OgcTiles.Extent}, 'geom') from points where geom is not null
        """);

    /// <summary>
    /// Deeper zooms: each facility that is not removed, from the GiST index over the tile's envelope (widened by the
    /// buffer) taken back to WGS 84 — Web Mercator keeps lines of longitude and latitude straight, so the envelope
    /// stays a box. In id order for stable bytes. $1..$3 tile z, x, y; $4 category or null; $5 layer name. The removed
    /// status is spliced in from its enum as a constant, not sent: a prepared statement's generic plan then still
    /// estimates it from the column's statistics, as for a literal.
    /// </summary>
    public static readonly string FacilitySql = string.Create(CultureInfo.InvariantCulture, $"""
        with points as (
          select ST_AsMVTGeom(ST_Transform(f.geom, 3857), ST_TileEnvelope($1, $2, $3), {OgcTiles.Extent}, {OgcTiles.Buffer}, true) as geom,
                 1 as count, f.id::text as id, f.category, f.name, f.status, f.access, f.wheelchair, f.fee, f.changing_table
          from facilities f
          where f.geom && ST_Transform(ST_TileEnvelope($1, $2, $3, margin => {OgcTiles.Buffer}.0 / {OgcTiles.Extent}), 4326)
            and f.status <> '{FacilityStatus.Removed.Name()}' and ($4::text is null or f.category = $4)
          order by f.id)
        select ST_AsMVT(points, $5, {OgcTiles.Extent}, 'geom') from points where geom is not null
        """);

    public async ValueTask<OgcTile> Handle(OgcTileQuery request, CancellationToken cancellationToken)
    {
        if (request.TileMatrixSetId != OgcTiles.WebMercatorQuad)
        {
            throw new NotFoundException("tile matrix set", request.TileMatrixSetId);
        }
        if (request.Category is { } category && !categories.IsKnown(category))
        {
            throw new NotFoundException("collection", category);
        }
        var z = int.Parse(request.TileMatrix, CultureInfo.InvariantCulture);
        var x = int.Parse(request.TileCol, CultureInfo.InvariantCulture);
        var y = int.Parse(request.TileRow, CultureInfo.InvariantCulture);

        await using var command = dataSource.CreateCommand(z <= OgcTiles.MaxClusterZoom ? ClusterSql : FacilitySql);
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = z });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = x });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = y });
        if (z <= OgcTiles.MaxClusterZoom)
        {
            var grid = Math.Min(z + 1, ClustersQuery.MaxPrecomputedZoom);
            var cell = ClustersQuery.CellSizeDegrees(grid);
            // The tile and its buffer in degrees, as fractional columns and rows; the cells that touch it.
            var margin = (double)OgcTiles.Buffer / OgcTiles.Extent;
            var west = OgcTiles.Lon(z, x - margin);
            var east = OgcTiles.Lon(z, x + 1 + margin);
            var north = OgcTiles.Lat(z, Math.Max(0, y - margin));
            var south = OgcTiles.Lat(z, Math.Min(1 << z, y + 1 + margin));
            command.Parameters.Add(new NpgsqlParameter<short> { TypedValue = (short)grid });
            command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = (int)Math.Floor((west + 180) / cell) });
            command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = (int)Math.Floor((east + 180) / cell) });
            command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = (int)Math.Floor((south + 90) / cell) });
            command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = (int)Math.Floor((north + 90) / cell) });
        }
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)request.Category ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = request.Layer });
        var body = await command.ExecuteScalarAsync(cancellationToken);
        return new OgcTile(body as byte[] ?? []);
    }
}
