using System.Text.Json.Serialization;

namespace Facilities.Api.Features.OpenData;

/// <summary>
/// OGC API – Tiles (OGC 20-057) at /ogc: Mapbox Vector Tiles of the facilities on the one tile matrix set web maps
/// use, WebMercatorQuad (OGC 17-083r4, Annex D), for the dataset (/ogc/tiles) and each collection
/// (/ogc/collections/{id}/tiles). The member names the standards fix are camelCase, as in <see cref="Ogc"/>.
/// </summary>
public static class OgcTiles
{
    public const string MvtType = "application/vnd.mapbox-vector-tile";

    public const string WebMercatorQuad = "WebMercatorQuad";

    public const string WebMercatorQuadUri = "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad";

    public const string WebMercatorCrs = "http://www.opengis.net/def/crs/EPSG/0/3857";

    /// <summary>The deepest tile matrix of WebMercatorQuad as the standard defines it.</summary>
    public const int MaxZoom = 24;

    /// <summary>
    /// Up to this zoom a tile shows the cluster grid (cluster_cells); beyond it, every facility as a point. At 13 a
    /// tile is about 5 km across at the equator: a city district, a few thousand facilities at most.
    /// </summary>
    public const int MaxClusterZoom = 12;

    /// <summary>MVT tile coordinates run 0..Extent on each axis; Buffer is how far past the edge points are kept, so a
    /// symbol on the edge is drawn whole by both tiles.</summary>
    public const int Extent = 4096;

    public const int Buffer = 64;

    /// <summary>Half the side of the square world of EPSG:3857, in metres.</summary>
    public const double OriginShift = 20037508.3427892;

    /// <summary>The standard's scale denominators assume 0.28 mm pixels.</summary>
    private const double PixelSizeMetres = 0.00028;

    /// <summary>The relation types OGC API – Tiles links with.</summary>
    public const string TilesetsVectorRel = "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector";

    public const string TilingSchemeRel = "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme";

    public const string TilingSchemesRel = "http://www.opengis.net/def/rel/ogc/1.0/tiling-schemes";

    public const string GeodataRel = "http://www.opengis.net/def/rel/ogc/1.0/geodata";

    /// <summary>
    /// What /ogc/conformance adds for tiles: Core, TileSet metadata, the tilesets lists, dataset and collection
    /// (geodata) tilesets, the MVT encoding, and the tile matrix set resources of OGC 17-083r4 in JSON.
    /// </summary>
    public static readonly string[] ConformsTo =
    [
        "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/core",
        "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tileset",
        "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tilesets-list",
        "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/dataset-tilesets",
        "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/geodata-tilesets",
        "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/mvt",
        "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/oas30",
        "http://www.opengis.net/spec/tms/2.0/conf/tilematrixset",
        "http://www.opengis.net/spec/tms/2.0/conf/json-tilematrixset",
    ];

    /// <summary>WebMercatorQuad: at zoom z, 2^z × 2^z tiles of 256 pixels, row 0 at the top (north).</summary>
    public static readonly OgcTileMatrixSet WebMercatorQuadDefinition = new(
        WebMercatorQuad,
        "Google Maps Compatible for the World",
        WebMercatorQuadUri,
        WebMercatorCrs,
        ["X", "Y"],
        "http://www.opengis.net/def/wkss/OGC/1.0/GoogleMapsCompatible",
        [.. Enumerable.Range(0, MaxZoom + 1).Select(z =>
        {
            var cellSize = 2 * OriginShift / 256 / Math.Pow(2, z);
            var tiles = 1L << z;
            return new OgcTileMatrix(z.ToString(System.Globalization.CultureInfo.InvariantCulture), cellSize / PixelSizeMetres, cellSize,
                "topLeft", [-OriginShift, OriginShift], 256, 256, tiles, tiles);
        })]);

    /// <summary>West and east longitude of tile column <paramref name="x"/> (fractional columns allowed).</summary>
    public static double Lon(int zoom, double x) => (x / Math.Pow(2, zoom) * 360) - 180;

    /// <summary>Latitude of the top edge of tile row <paramref name="y"/> (fractional rows allowed).</summary>
    public static double Lat(int zoom, double y) => Math.Atan(Math.Sinh(Math.PI * (1 - (2 * y / Math.Pow(2, zoom))))) * 180 / Math.PI;

    /// <summary>The properties each feature of a tile may carry, as the tileset metadata describes them.</summary>
    public static readonly Dictionary<string, OgcPropertySchema> LayerProperties = new(StringComparer.Ordinal)
    {
        ["count"] = new("integer", "How many facilities the point stands for: 1 is a single facility."),
        ["id"] = new("string", "The facility's id, when the point is a single facility."),
        ["category"] = new("string", "The category, when every facility the point stands for has the same one."),
        ["name"] = new("string", $"The facility's name (single facilities, zoom {MaxClusterZoom + 1} and deeper)."),
        ["status"] = new("string", $"open or temporarily_closed (zoom {MaxClusterZoom + 1} and deeper)."),
        ["access"] = new("string", $"Who may use it (zoom {MaxClusterZoom + 1} and deeper)."),
        ["wheelchair"] = new("string", $"yes, limited, no or unknown (zoom {MaxClusterZoom + 1} and deeper)."),
        ["fee"] = new("boolean", $"Whether it charges; absent when unknown (zoom {MaxClusterZoom + 1} and deeper)."),
        ["changing_table"] = new("boolean", $"Whether it has a baby changing table; absent when unknown (zoom {MaxClusterZoom + 1} and deeper)."),
    };
}

public sealed record OgcTileMatrix(
    string Id,
    [property: JsonPropertyName("scaleDenominator")] double ScaleDenominator,
    [property: JsonPropertyName("cellSize")] double CellSize,
    [property: JsonPropertyName("cornerOfOrigin")] string CornerOfOrigin,
    [property: JsonPropertyName("pointOfOrigin")] double[] PointOfOrigin,
    [property: JsonPropertyName("tileWidth")] int TileWidth,
    [property: JsonPropertyName("tileHeight")] int TileHeight,
    [property: JsonPropertyName("matrixWidth")] long MatrixWidth,
    [property: JsonPropertyName("matrixHeight")] long MatrixHeight);

public sealed record OgcTileMatrixSet(
    string Id,
    string Title,
    string Uri,
    string Crs,
    [property: JsonPropertyName("orderedAxes")] IReadOnlyList<string> OrderedAxes,
    [property: JsonPropertyName("wellKnownScaleSet")] string WellKnownScaleSet,
    [property: JsonPropertyName("tileMatrices")] IReadOnlyList<OgcTileMatrix> TileMatrices);

public sealed record OgcTileMatrixSetRef(string Id, string Title, string Uri, IReadOnlyList<OgcTileLink> Links);

public sealed record OgcTileMatrixSets([property: JsonPropertyName("tileMatrixSets")] IReadOnlyList<OgcTileMatrixSetRef> TileMatrixSets);

public sealed record OgcPropertySchema(string Type, string Description);

public sealed record OgcTileLayerSchema(string Type, IReadOnlyDictionary<string, OgcPropertySchema> Properties);

/// <summary>One layer of the tiles: its id is the layer name in every tile.</summary>
public sealed record OgcTileLayer(
    string Id,
    string Title,
    [property: JsonPropertyName("dataType")] string DataType,
    [property: JsonPropertyName("geometryDimension")] int GeometryDimension,
    [property: JsonPropertyName("minTileMatrix")] string MinTileMatrix,
    [property: JsonPropertyName("maxTileMatrix")] string MaxTileMatrix,
    [property: JsonPropertyName("propertiesSchema")] OgcTileLayerSchema PropertiesSchema);

/// <summary>
/// A tileset as OGC 17-083r4 describes one. The list of tilesets carries the same record without its layers
/// (<see cref="Layers"/> null).
/// </summary>
public sealed record OgcTileset(
    string Title,
    [property: JsonPropertyName("dataType")] string DataType,
    string Crs,
    [property: JsonPropertyName("tileMatrixSetURI")] string TileMatrixSetUri,
    IReadOnlyList<OgcTileLink> Links,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<OgcTileLayer>? Layers = null);

/// <summary>A link of the tiles resources: the tile link is a URI template (<c>templated</c>), as OGC 20-057 writes it.</summary>
public sealed record OgcTileLink(
    string Href,
    string Rel,
    string Type,
    string? Title = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] bool Templated = false);

public sealed record OgcTilesets(IReadOnlyList<OgcTileset> Tilesets, IReadOnlyList<OgcTileLink> Links);
