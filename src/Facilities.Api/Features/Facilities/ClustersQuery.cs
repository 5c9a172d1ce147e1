using System.Globalization;
using System.Text.Json.Serialization;
using Facilities.Api.Data;
using Facilities.Api.Features.Categories;
using Facilities.Api.Web;
using FluentValidation;
using Mediator;
using Npgsql;
using NpgsqlTypes;

namespace Facilities.Api.Features.Facilities;

/// <summary>
/// GET /api/v1/facilities/clusters?bbox=...&amp;zoom=...: what a map shows at a zoom level — points that stand for
/// a count of facilities (count 1 is a single facility, with its id).
/// </summary>
public sealed record ClustersQuery(string? Bbox, string? Zoom, string? Category = null) : IRequest<ClusterCollection>
{
    public const int MaxZoom = 22;

    /// <summary>Zooms up to this one read the precomputed grid; closer in, the few rows in view are grouped live.</summary>
    public const int MaxPrecomputedZoom = 12;

    /// <summary>The widest box accepted at a zoom, in 256-pixel tiles each way: more than any screen shows.</summary>
    public const int MaxTilesAcross = 16;

    public static double CellSizeDegrees(int zoom) => 90.0 / Math.Pow(2, zoom);

    public static double MaxSpanDegrees(int zoom) => Math.Min(360, MaxTilesAcross * 360.0 / Math.Pow(2, zoom));
}

// Name: a single facility's name, so a map can name its marker; absent for clusters and for single facilities at
// zooms that read the precomputed grid, which keeps counts, not names.
public sealed record ClusterProperties(int Count, string? Id, string? Category,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Name = null);

public sealed record ClusterFeature(PointGeometry Geometry, ClusterProperties Properties)
{
    [JsonPropertyOrder(-1)]
    public string Type => "Feature";
}

public sealed record ClusterCollection(int Zoom, double CellSizeDeg, IReadOnlyList<ClusterFeature> Features)
{
    [JsonPropertyOrder(-1)]
    public string Type => "FeatureCollection";
}

public sealed class ClustersQueryValidator : AbstractValidator<ClustersQuery>
{
    public ClustersQueryValidator(CategoryCatalog categories)
    {
        RuleFor(x => x.Zoom)
            .NotEmpty().WithMessage("Is required: the map's zoom level, 0 to 22.")
            .Must(v => QueryValues.TryParseInt(v, out var z) && z is >= 0 and <= ClustersQuery.MaxZoom)
            .WithMessage($"Must be a whole number from 0 to {ClustersQuery.MaxZoom}.");
        RuleFor(x => x.Bbox).Custom((value, context) =>
        {
            if (string.IsNullOrEmpty(value))
            {
                context.AddFailure("bbox", "Is required: minLon,minLat,maxLon,maxLat in degrees.");
                return;
            }
            if (QueryValues.TryParseBbox(value, out var error) is not { } box)
            {
                context.AddFailure("bbox", error!);
                return;
            }
            if (QueryValues.TryParseInt(context.InstanceToValidate.Zoom, out var zoom) && zoom is >= 0 and <= ClustersQuery.MaxZoom)
            {
                var max = ClustersQuery.MaxSpanDegrees(zoom);
                if (box.Width > max || box.Height > max)
                {
                    context.AddFailure("bbox", string.Create(CultureInfo.InvariantCulture,
                        $"Is larger than the maximum for zoom {zoom}: {max:0.####} degrees each way."));
                }
            }
        });
        RuleFor(x => x.Category).MustBeKnownCategories(categories);
    }
}

public sealed class ClustersHandler(ReadSource dataSource) : IRequestHandler<ClustersQuery, ClusterCollection>
{
    /// <summary>
    /// From the grid the facilities trigger keeps current (cluster_cells): a country viewport reads a few hundred
    /// rows instead of grouping a million. Categories are stored apart so a category filter stays exact; without
    /// one, the cells of all categories are added up. $1 zoom, $2..$5 cell index range, $6 categories or null.
    /// </summary>
    public const string PrecomputedSql =
        "select sum(n)::int, sum(sum_lon) / sum(n), sum(sum_lat) / sum(n), " +
        "       case when sum(n) = 1 then min(any_id::text) end, " +
        "       case when count(*) = 1 then min(category) end " +
        "from cluster_cells " +
        "where zoom = $1 and cx between $2 and $3 and cy between $4 and $5 and ($6::text[] is null or category = any($6)) " +
        "group by cx, cy";

    /// <summary>
    /// Close in, a viewport holds few facilities: group them on the fly on the same grid formula.
    /// $1 cell size in degrees, $2..$5 box, $6 categories or null.
    /// </summary>
    public const string LiveSql =
        "select count(*)::int, avg(ST_X(f.geom)), avg(ST_Y(f.geom)), " +
        "       case when count(*) = 1 then min(f.id::text) end, " +
        "       case when count(distinct f.category) = 1 then min(f.category) end, " +
        "       case when count(*) = 1 then min(f.name) end " +
        "from facilities f " +
        "where f.geom && ST_MakeEnvelope($2, $3, $4, $5, 4326) and f.status <> 'removed' " +
        "  and ($6::text[] is null or f.category = any($6)) " +
        "group by floor((ST_X(f.geom) + 180) / $1), floor((ST_Y(f.geom) + 90) / $1)";

    public async ValueTask<ClusterCollection> Handle(ClustersQuery request, CancellationToken cancellationToken)
    {
        var box = QueryValues.TryParseBbox(request.Bbox, out _)!.Value;
        var zoom = int.Parse(request.Zoom!, CultureInfo.InvariantCulture);
        var categories = QueryValues.SplitList(request.Category) is { Length: > 0 } list ? list : null;
        var cell = ClustersQuery.CellSizeDegrees(zoom);

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        if (zoom <= ClustersQuery.MaxPrecomputedZoom)
        {
            command.CommandText = PrecomputedSql;
            command.Parameters.Add(new NpgsqlParameter<short> { TypedValue = (short)zoom });
            command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = (int)Math.Floor((box.MinLon + 180) / cell) });
            command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = (int)Math.Floor((box.MaxLon + 180) / cell) });
            command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = (int)Math.Floor((box.MinLat + 90) / cell) });
            command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = (int)Math.Floor((box.MaxLat + 90) / cell) });
        }
        else
        {
            command.CommandText = LiveSql;
            foreach (var value in (double[])[cell, box.MinLon, box.MinLat, box.MaxLon, box.MaxLat])
            {
                command.Parameters.Add(new NpgsqlParameter<double> { TypedValue = value });
            }
        }
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)categories ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });

        var features = new List<ClusterFeature>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            features.Add(new ClusterFeature(
                PointGeometry.Of(Math.Round(reader.GetDouble(1), 7), Math.Round(reader.GetDouble(2), 7)),
                new ClusterProperties(
                    reader.GetInt32(0),
                    reader.IsDBNull(3) ? null : reader.GetString(3),
                    reader.IsDBNull(4) ? null : reader.GetString(4),
                    reader.FieldCount > 5 && !reader.IsDBNull(5) ? reader.GetString(5) : null)));
        }
        return new ClusterCollection(zoom, cell, features);
    }
}
