using System.Text.Json;
using Facilities.Api.Web;
using Mediator;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using HttpJsonOptions = Microsoft.AspNetCore.Http.Json.JsonOptions;

namespace Facilities.Api.Features.OpenData;

/// <summary>OGC API – Tiles under /ogc: the tile matrix set, the tilesets of the dataset and of each collection, the tiles.</summary>
public static class OgcTilesEndpoints
{
    /// <summary>The tile matrix set and tileset metadata change only with a deployment.</summary>
    private const string StaticCache = "public, max-age=3600";

    /// <summary>
    /// A tile is fresh for five minutes; after that a browser or CDN may keep serving its copy for a day while it
    /// revalidates in the background. The ETag is the tile's content, so an edit inside a tile (a facility added,
    /// moved, closed, renamed) changes it and the revalidation brings the new tile; an edit elsewhere leaves it
    /// a 304.
    /// </summary>
    public const string TileCache = "public, max-age=300, stale-while-revalidate=86400";

    public static IEndpointRouteBuilder MapOgcTiles(this IEndpointRouteBuilder app)
    {
        var ogc = app.MapGroup("/ogc").WithTags("Open data: OGC API – Tiles");

        ogc.MapGet("/tileMatrixSets", (IMediator mediator, HttpContext http, [FromQuery(Name = "f")] string? f, CancellationToken ct) =>
                Metadata(http, mediator.Send(new OgcTileMatrixSetsQuery(OgcRequests.BaseUrl(http.Request), null, f, null, Parameters(http)), ct)))
            .WithName("OgcTileMatrixSets")
            .WithSummary("The tile matrix sets tiles are served on: WebMercatorQuad.")
            .ProducesValidationProblem();

        ogc.MapGet("/tileMatrixSets/{tileMatrixSetId}", (
                    IMediator mediator, HttpContext http, string tileMatrixSetId, [FromQuery(Name = "f")] string? f, CancellationToken ct) =>
                Metadata(http, mediator.Send(new OgcTileMatrixSetsQuery(OgcRequests.BaseUrl(http.Request), tileMatrixSetId, f, null, Parameters(http)), ct)))
            .WithName("OgcTileMatrixSet")
            .WithSummary("A tile matrix set's definition (OGC 17-083r4 JSON): every tile matrix with its scale and size.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);

        ogc.MapGet("/tiles", (IMediator mediator, HttpContext http, [FromQuery(Name = "f")] string? f, CancellationToken ct) =>
                Metadata(http, mediator.Send(new OgcTilesetsQuery(OgcRequests.BaseUrl(http.Request), null, null, f, null, Parameters(http)), ct)))
            .WithName("OgcDatasetTilesets")
            .WithSummary("The vector tilesets of the whole dataset (every facility in one layer).")
            .ProducesValidationProblem();

        ogc.MapGet("/tiles/{tileMatrixSetId}", (
                    IMediator mediator, HttpContext http, string tileMatrixSetId, [FromQuery(Name = "f")] string? f, CancellationToken ct) =>
                Metadata(http, mediator.Send(new OgcTilesetsQuery(OgcRequests.BaseUrl(http.Request), null, tileMatrixSetId, f, null, Parameters(http)), ct)))
            .WithName("OgcDatasetTileset")
            .WithSummary("The dataset's tileset metadata: its layer, the properties of its features, the tile URL template.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);

        ogc.MapGet("/tiles/{tileMatrixSetId}/{tileMatrix}/{tileRow}/{tileCol}", (
                    IMediator mediator, HttpContext http, string tileMatrixSetId, string tileMatrix, string tileRow, string tileCol,
                    [FromQuery(Name = "f")] string? f, CancellationToken ct) =>
                Tile(http, mediator.Send(new OgcTileQuery(null, tileMatrixSetId, tileMatrix, tileRow, tileCol, f, Parameters(http)), ct)))
            .WithName("OgcDatasetTile")
            .WithSummary("A Mapbox Vector Tile of every facility: clusters to zoom 12 (count, and id when it is one facility), single facilities deeper.")
            .Produces(StatusCodes.Status200OK, contentType: OgcTiles.MvtType)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);

        ogc.MapGet("/collections/{collectionId}/tiles", (
                    IMediator mediator, HttpContext http, string collectionId, [FromQuery(Name = "f")] string? f, CancellationToken ct) =>
                Metadata(http, mediator.Send(new OgcTilesetsQuery(OgcRequests.BaseUrl(http.Request), collectionId, null, f, null, Parameters(http)), ct)))
            .WithName("OgcCollectionTilesets")
            .WithSummary("The vector tilesets of one collection.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);

        ogc.MapGet("/collections/{collectionId}/tiles/{tileMatrixSetId}", (
                    IMediator mediator, HttpContext http, string collectionId, string tileMatrixSetId, [FromQuery(Name = "f")] string? f,
                    CancellationToken ct) =>
                Metadata(http, mediator.Send(new OgcTilesetsQuery(OgcRequests.BaseUrl(http.Request), collectionId, tileMatrixSetId, f, null,
                    Parameters(http)), ct)))
            .WithName("OgcCollectionTileset")
            .WithSummary("One collection's tileset metadata: its layer (named by the collection), properties, the tile URL template.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);

        ogc.MapGet("/collections/{collectionId}/tiles/{tileMatrixSetId}/{tileMatrix}/{tileRow}/{tileCol}", (
                    IMediator mediator, HttpContext http, string collectionId, string tileMatrixSetId, string tileMatrix, string tileRow,
                    string tileCol, [FromQuery(Name = "f")] string? f, CancellationToken ct) =>
                Tile(http, mediator.Send(new OgcTileQuery(collectionId, tileMatrixSetId, tileMatrix, tileRow, tileCol, f, Parameters(http)), ct)))
            .WithName("OgcCollectionTile")
            .WithSummary("A Mapbox Vector Tile of one collection, its layer named by the collection id.")
            .Produces(StatusCodes.Status200OK, contentType: OgcTiles.MvtType)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);

        return app;
    }

    private static string[] Parameters(HttpContext http) => [.. http.Request.Query.Keys];

    private static async Task<IResult> Metadata(HttpContext http, ValueTask<object> answer)
    {
        var options = http.RequestServices.GetRequiredService<IOptions<HttpJsonOptions>>().Value.SerializerOptions;
        var value = await answer;
        var body = JsonSerializer.SerializeToUtf8Bytes(value, value.GetType(), options);
        return ConditionalGet.IsNotModified(http, ConditionalGet.HashTag(body), StaticCache)
            ? ConditionalGet.NotModified
            : TypedResults.Bytes(body, Ogc.JsonType);
    }

    private static async Task<IResult> Tile(HttpContext http, ValueTask<OgcTile> answer)
    {
        var tile = await answer;
        return ConditionalGet.IsNotModified(http, ConditionalGet.HashTag(tile.Body), TileCache)
            ? ConditionalGet.NotModified
            : TypedResults.Bytes(tile.Body, OgcTiles.MvtType);
    }
}
