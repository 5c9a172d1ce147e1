using Facilities.Api.Features.Categories;
using Facilities.Api.Web;
using Mediator;

namespace Facilities.Api.Features.OpenData;

/// <summary>GET /ogc/tileMatrixSets and /ogc/tileMatrixSets/{tileMatrixSetId}: the one tile matrix set served.</summary>
public sealed record OgcTileMatrixSetsQuery(string BaseUrl, string? TileMatrixSetId, string? F, string? Accept, IReadOnlyCollection<string> Parameters)
    : IRequest<object>, IOgcRequest;

public sealed class OgcTileMatrixSetsQueryValidator : OgcRequestValidator<OgcTileMatrixSetsQuery>
{
    public OgcTileMatrixSetsQueryValidator() : base(Ogc.CommonParameters, ["json"])
    {
    }
}

public sealed class OgcTileMatrixSetsHandler : IRequestHandler<OgcTileMatrixSetsQuery, object>
{
    public ValueTask<object> Handle(OgcTileMatrixSetsQuery request, CancellationToken cancellationToken)
    {
        if (request.TileMatrixSetId is null)
        {
            var definition = OgcTiles.WebMercatorQuadDefinition;
            return ValueTask.FromResult<object>(new OgcTileMatrixSets([
                new OgcTileMatrixSetRef(definition.Id, definition.Title, definition.Uri, [
                    new OgcTileLink(Ogc.Url(request.BaseUrl, $"/ogc/tileMatrixSets/{definition.Id}"), OgcTiles.TilingSchemeRel, Ogc.JsonType, definition.Title),
                ]),
            ]));
        }
        return request.TileMatrixSetId == OgcTiles.WebMercatorQuad
            ? ValueTask.FromResult<object>(OgcTiles.WebMercatorQuadDefinition)
            : throw new NotFoundException("tile matrix set", request.TileMatrixSetId);
    }
}

/// <summary>
/// GET /ogc/tiles and /ogc/collections/{collectionId}/tiles (the tilesets list), and .../tiles/{tileMatrixSetId}
/// (one tileset's metadata, with its layer and the properties its features carry). CollectionId null is the dataset.
/// </summary>
public sealed record OgcTilesetsQuery(
    string BaseUrl, string? CollectionId, string? TileMatrixSetId, string? F, string? Accept, IReadOnlyCollection<string> Parameters)
    : IRequest<object>, IOgcRequest;

public sealed class OgcTilesetsQueryValidator : OgcRequestValidator<OgcTilesetsQuery>
{
    public OgcTilesetsQueryValidator() : base(Ogc.CommonParameters, ["json"])
    {
    }
}

public sealed class OgcTilesetsHandler(CategoryCatalog categories) : IRequestHandler<OgcTilesetsQuery, object>
{
    public ValueTask<object> Handle(OgcTilesetsQuery request, CancellationToken cancellationToken)
    {
        var id = request.CollectionId ?? Ogc.AllFacilities;
        string title;
        if (id == Ogc.AllFacilities)
        {
            title = "Every facility";
        }
        else if (categories.Find(id) is { } category)
        {
            title = category.Labels.GetValueOrDefault("en") ?? id;
        }
        else
        {
            throw new NotFoundException("collection", id);
        }
        var b = request.BaseUrl;
        var root = request.CollectionId is null ? "/ogc/tiles" : $"/ogc/collections/{id}/tiles";
        var tileset = Tileset(b, root, request.CollectionId, id, title, withLayers: request.TileMatrixSetId is not null);
        if (request.TileMatrixSetId is null)
        {
            return ValueTask.FromResult<object>(new OgcTilesets([tileset], [
                new OgcTileLink(Ogc.Url(b, root), "self", Ogc.JsonType, "The tilesets"),
            ]));
        }
        return request.TileMatrixSetId == OgcTiles.WebMercatorQuad
            ? ValueTask.FromResult<object>(tileset)
            : throw new NotFoundException("tile matrix set", request.TileMatrixSetId);
    }

    private static OgcTileset Tileset(string b, string root, string? collectionId, string layer, string title, bool withLayers)
    {
        var self = Ogc.Url(b, $"{root}/{OgcTiles.WebMercatorQuad}");
        var links = new List<OgcTileLink>
        {
            new(self, "self", Ogc.JsonType, $"{title}: vector tiles on {OgcTiles.WebMercatorQuad}"),
            new(Ogc.Url(b, $"/ogc/tileMatrixSets/{OgcTiles.WebMercatorQuad}"), OgcTiles.TilingSchemeRel, Ogc.JsonType, "The tile matrix set"),
            new(self + "/{tileMatrix}/{tileRow}/{tileCol}", "item", OgcTiles.MvtType, "A Mapbox Vector Tile", Templated: true),
        };
        if (collectionId is not null)
        {
            links.Add(new(Ogc.Url(b, $"/ogc/collections/{collectionId}"), "collection", Ogc.JsonType, title));
        }
        var maxCluster = OgcTiles.MaxClusterZoom.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return new OgcTileset(
            $"{title}: clusters to zoom {maxCluster}, single facilities deeper",
            "vector",
            OgcTiles.WebMercatorCrs,
            OgcTiles.WebMercatorQuadUri,
            links,
            withLayers
                ? [new OgcTileLayer(layer, title, "vector", 0, "0", OgcTiles.MaxZoom.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    new OgcTileLayerSchema("object", OgcTiles.LayerProperties))]
                : null);
    }
}
