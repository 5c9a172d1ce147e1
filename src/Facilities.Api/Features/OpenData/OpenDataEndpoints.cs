using System.Buffers;
using System.ComponentModel;
using System.Text;
using System.Text.Json;
using Facilities.Api.Features.Categories;
using Facilities.Api.Features.Facilities;
using Facilities.Api.Web;
using Mediator;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using HttpJsonOptions = Microsoft.AspNetCore.Http.Json.JsonOptions;

namespace Facilities.Api.Features.OpenData;

/// <summary>
/// Open data: OGC API – Features at /ogc, the bulk exports, and the change feed. Each endpoint maps HTTP to its
/// request and the answer to HTTP: JSON or HTML, an ETag with a 304 for a client whose copy is current, and
/// Cache-Control suited to how fast the resource changes.
/// </summary>
public static class OpenDataEndpoints
{
    /// <summary>The landing page and conformance change only with a deployment.</summary>
    private const string StaticCache = "public, max-age=3600";

    /// <summary>Collections, pages and items change with every edit: short-lived, then revalidated by ETag.</summary>
    private const string DataCache = "public, max-age=60";

    /// <summary>Exports are large and read rarely: a shared cache may answer a burst of downloads.</summary>
    private const string ExportCache = "public, max-age=300";

    /// <summary>Part 2's header naming the CRS of the coordinates in the body.</summary>
    private const string ContentCrs = "Content-Crs";

    public static IEndpointRouteBuilder MapOpenData(this IEndpointRouteBuilder app)
    {
        var ogc = app.MapGroup("/ogc").WithTags("Open data: OGC API – Features");

        ogc.MapGet("/", async (IMediator mediator, HttpContext http, [FromQuery(Name = "f")] string? f, CancellationToken ct) =>
            {
                var request = new OgcLandingPageQuery(OgcRequests.BaseUrl(http.Request), f, Accept(http), Parameters(http));
                var page = await mediator.Send(request, ct);
                return request.Format() == OgcFormat.Html ? Html(http, OgcHtml.LandingPage(page), StaticCache) : Json(http, page, StaticCache);
            })
            .WithName("OgcLandingPage")
            .WithSummary("OGC API – Features landing page: links to the API definition, conformance and collections.")
            .Produces<OgcLandingPage>(StatusCodes.Status200OK, Ogc.JsonType, Ogc.HtmlType)
            .ProducesValidationProblem();

        ogc.MapGet("/conformance", async (IMediator mediator, HttpContext http, [FromQuery(Name = "f")] string? f, CancellationToken ct) =>
            {
                var request = new OgcConformanceQuery(OgcRequests.BaseUrl(http.Request), f, Accept(http), Parameters(http));
                var conformance = await mediator.Send(request, ct);
                return request.Format() == OgcFormat.Html ? Html(http, OgcHtml.Conformance(conformance), StaticCache) : Json(http, conformance, StaticCache);
            })
            .WithName("OgcConformance")
            .WithSummary("The conformance classes implemented: Part 1 Core, GeoJSON and HTML.")
            .Produces<OgcConformance>(StatusCodes.Status200OK, Ogc.JsonType, Ogc.HtmlType)
            .ProducesValidationProblem();

        ogc.MapGet("/collections", async (IMediator mediator, HttpContext http, [FromQuery(Name = "f")] string? f, CancellationToken ct) =>
            {
                var request = new OgcCollectionsQuery(OgcRequests.BaseUrl(http.Request), f, Accept(http), Parameters(http));
                var collections = await mediator.Send(request, ct);
                return request.Format() == OgcFormat.Html ? Html(http, OgcHtml.Collections(collections), DataCache) : Json(http, collections, DataCache);
            })
            .WithName("OgcCollections")
            .WithSummary("The feature collections: 'facilities' with every facility, and one per category, with their extents.")
            .Produces<OgcCollections>(StatusCodes.Status200OK, Ogc.JsonType, Ogc.HtmlType)
            .ProducesValidationProblem();

        ogc.MapGet("/collections/{collectionId}", async (
                IMediator mediator, HttpContext http, string collectionId, [FromQuery(Name = "f")] string? f, CancellationToken ct) =>
            {
                var request = new OgcCollectionQuery(OgcRequests.BaseUrl(http.Request), collectionId, f, Accept(http), Parameters(http));
                var collection = await mediator.Send(request, ct);
                return request.Format() == OgcFormat.Html ? Html(http, OgcHtml.Collection(collection), DataCache) : Json(http, collection, DataCache);
            })
            .WithName("OgcCollection")
            .WithSummary("One collection: its metadata and extent (bbox and updated_at interval, computed from the data).")
            .Produces<OgcCollection>(StatusCodes.Status200OK, Ogc.JsonType, Ogc.HtmlType)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);

        ogc.MapGet("/collections/{collectionId}/items", async (
                IMediator mediator, HttpContext http, string collectionId,
                [FromQuery(Name = "bbox")] string? bbox,
                [FromQuery(Name = "bbox-crs")] string? bboxCrs,
                [FromQuery(Name = "crs")] string? crs,
                [FromQuery(Name = "datetime")] string? datetime,
                [FromQuery(Name = "limit")] string? limit,
                [FromQuery(Name = "offset")] string? offset,
                [FromQuery(Name = "cursor")] string? cursor,
                [FromQuery(Name = "sortby")] string? sortby,
                [FromQuery(Name = "properties")] string? properties,
                [FromQuery(Name = "filter")] string? filter,
                [FromQuery(Name = "filter-lang")] string? filterLang,
                [FromQuery(Name = "filter-crs")] string? filterCrs,
                [FromQuery(Name = "f")] string? f,
                TimeProvider clock,
                CancellationToken ct) =>
            {
                var page = await mediator.Send(new OgcItemsQuery(OgcRequests.BaseUrl(http.Request), collectionId, bbox, bboxCrs, crs, datetime,
                    limit, offset, cursor, sortby, properties, filter, filterLang, filterCrs, f, Accept(http), Parameters(http), PropertyFilters(http)), ct);
                // HTML tables show CRS84 longitude and latitude whatever crs asked for.
                http.Response.Headers[ContentCrs] = (page.Format == OgcFormat.Html ? OgcCrs.Crs84 : page.Crs).ContentCrsHeader;
                return page.Format == OgcFormat.Html ? Html(http, OgcHtml.Items(page), DataCache) : ItemsJson(http, page, clock.GetUtcNow());
            })
            .WithName("OgcItems")
            .WithSummary("The facilities of a collection, in id order or sortby's, as a GeoJSON FeatureCollection with numberMatched and next links.")
            .WithDescription($"bbox=minLon,minLat,maxLon,maxLat (CRS84; west > east crosses the antimeridian); datetime on updated_at: " +
                             "an RFC 3339 instant or date, or an interval start/end with '..' for an open end; " +
                             $"limit defaults to {OgcItemsQuery.DefaultLimit}, at most {OgcItemsQuery.MaxLimit}; offset at most " +
                             $"{OgcItemsQuery.MaxOffset}; sortby=-updated_at,name orders by the collection's sortables (the id breaks ties). " +
                             "Follow links[rel=next] (keyset paging, in either order) until it is absent.")
            .Produces(StatusCodes.Status200OK, contentType: Ogc.GeoJsonType, additionalContentTypes: Ogc.HtmlType)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);

        ogc.MapGet("/collections/{collectionId}/items/{featureId}", async (
                IMediator mediator, HttpContext http, string collectionId, string featureId, [FromQuery(Name = "crs")] string? crs,
                [FromQuery(Name = "properties")] string? properties, [FromQuery(Name = "f")] string? f, CancellationToken ct) =>
            {
                var item = await mediator.Send(new OgcItemQuery(OgcRequests.BaseUrl(http.Request), collectionId, featureId, crs, f, Accept(http),
                    Parameters(http), properties), ct);
                http.Response.Headers[ContentCrs] = (item.Format == OgcFormat.Html ? OgcCrs.Crs84 : item.Crs).ContentCrsHeader;
                if (item.Format == OgcFormat.Html)
                {
                    return Html(http, OgcHtml.Item(item), DataCache);
                }
                var buffer = new ArrayBufferWriter<byte>(2048);
                using (var w = new Utf8JsonWriter(buffer, OpenDataFeatureJson.WriterOptions))
                {
                    OpenDataFeatureJson.Write(w, item.Row, item.Schema, item.Links, item.Crs, item.Selection);
                }
                return Conditional(http, buffer.WrittenMemory, Ogc.GeoJsonType, DataCache, ConditionalGet.HashTag(buffer.WrittenSpan));
            })
            .WithName("OgcItem")
            .WithSummary("One facility of a collection as a GeoJSON Feature.")
            .Produces(StatusCodes.Status200OK, contentType: Ogc.GeoJsonType, additionalContentTypes: Ogc.HtmlType)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);

        var export = app.MapGroup("/api/v1/export").WithTags("Open data");

        // {collection}: facilities (the whole layer) or a category id, as the OGC collections; an unknown one is a 404.
        // Each is served from its dump while one holds the layer, else streamed live (ExportResponses); HEAD too.
        export.MapGet("/{collection}.geojson", GeoJsonExport)
            .WithName("ExportGeoJson")
            .WithSummary("A collection of the merged layer (not removed facilities) as one GeoJSON FeatureCollection.")
            .WithDescription("Foreign members before the features: license (SPDX expression), attribution and sources " +
                             "(every dataset with its name, license and attribution). Each feature's sources: dataset_id, record_id, license. " +
                             ExportDescription)
            .Produces(StatusCodes.Status200OK, contentType: FacilityFeatures.GeoJsonContentType)
            .Produces(StatusCodes.Status206PartialContent, contentType: FacilityFeatures.GeoJsonContentType)
            .Produces(StatusCodes.Status304NotModified)
            .ProducesProblem(StatusCodes.Status404NotFound);
        export.MapMethods("/{collection}.geojson", [HttpMethods.Head], GeoJsonExport).ExcludeFromDescription();

        export.MapGet("/{collection}.csv", CsvExport)
            .WithName("ExportCsv")
            .WithSummary("A collection of the merged layer as RFC 4180 CSV (id, category, lon, lat, the properties, sources).")
            .WithDescription("Licenses and attribution: GET /api/v1/export/attribution, also named by the Link header (rel=license). " +
                             "Text cells a spreadsheet would run as a formula (= + - @ tab CR) start with an apostrophe. " + ExportDescription)
            .Produces(StatusCodes.Status200OK, contentType: "text/csv")
            .Produces(StatusCodes.Status206PartialContent, contentType: "text/csv")
            .Produces(StatusCodes.Status304NotModified)
            .ProducesProblem(StatusCodes.Status404NotFound);
        export.MapMethods("/{collection}.csv", [HttpMethods.Head], CsvExport).ExcludeFromDescription();

        export.MapGet("/{collection}.gpkg", GeoPackageExport)
            .WithName("ExportGeoPackage")
            .WithSummary("A collection of the merged layer as a GeoPackage: one point layer named after the collection, typed columns, " +
                         "each feature's sources, and the source_datasets table with their licenses.")
            .WithDescription("Built in a file, then sent with its Content-Length: live, the first byte comes once the whole file is written. " +
                             ExportDescription)
            .Produces(StatusCodes.Status200OK, contentType: GeoPackageFormat.ContentType)
            .Produces(StatusCodes.Status206PartialContent, contentType: GeoPackageFormat.ContentType)
            .Produces(StatusCodes.Status304NotModified)
            .ProducesProblem(StatusCodes.Status404NotFound);
        export.MapMethods("/{collection}.gpkg", [HttpMethods.Head], GeoPackageExport).ExcludeFromDescription();

        export.MapGet("/attribution", async (
                IMediator mediator, HttpContext http, [FromQuery(Name = "collection")] string? collection, CancellationToken ct) =>
            {
                var sources = await mediator.Send(new ExportSourcesQuery(collection ?? Ogc.AllFacilities), ct);
                http.Response.Headers.CacheControl = ExportCache;
                return TypedResults.Ok(sources);
            })
            .WithName("ExportAttribution")
            .WithSummary("Every dataset in the merged layer (or in one collection) with its license and attribution: what a reuser must credit.")
            .ProducesProblem(StatusCodes.Status404NotFound);

        app.MapGet("/api/v1/changes", async (
                IMediator mediator, HttpContext http,
                [FromQuery(Name = "since")] string? since,
                [FromQuery(Name = "limit")] string? limit,
                CancellationToken ct) =>
            {
                var page = await mediator.Send(new ChangesQuery(OgcRequests.BaseUrl(http.Request), since, limit), ct);
                // The head of the feed moves with every edit; a page must never be served stale.
                http.Response.Headers.CacheControl = "no-cache";
                return TypedResults.Ok(page);
            })
            .WithName("Changes")
            .WithTags("Open data")
            .WithSummary("Every accepted change after 'since', in commit order, with the facility's state after it: for mirrors.")
            .WithDescription($"since defaults to 0 (the start of the feed); limit defaults to {ChangesQuery.DefaultLimit}, at most " +
                             $"{ChangesQuery.MaxLimit}. Continue with links[rel=next]; caught up when last_seq equals latest_seq.")
            .ProducesValidationProblem();

        app.MapOgcSchemas();
        app.MapOgcTiles();
        return app;
    }

    private static string? Accept(HttpContext http) => http.Request.Headers.Accept.ToString() is { Length: > 0 } accept ? accept : null;

    private static string[] Parameters(HttpContext http) => [.. http.Request.Query.Keys];

    /// <summary>The query parameters that are not the items resource's own: queryables, or a 400 naming them.</summary>
    private static Dictionary<string, IReadOnlyList<string>> PropertyFilters(HttpContext http) =>
        http.Request.Query.Where(q => !Ogc.ItemsParameters.Contains(q.Key, StringComparer.Ordinal))
            .ToDictionary(q => q.Key, q => (IReadOnlyList<string>)[.. q.Value.Select(v => v ?? "")], StringComparer.Ordinal);

    private const string ExportDescription =
        "Facilities-Feed-Position names the change-feed seq the download is as of (continue with /api/v1/changes?since=it). " +
        "While no facility changed and no import finished, for at most Exports:DumpMaxAgeSeconds, the download is the file a " +
        "previous one wrote: with Content-Length, Last-Modified, a strong ETag (If-None-Match gives 304) and Range requests.";

    private static async Task GeoJsonExport(
        IMediator mediator, HttpContext http, ExportDumps dumps, CategoryCatalog categories, [Description(ExportCollection)] string collection,
        CancellationToken ct)
    {
        var sources = await mediator.Send(new ExportSourcesQuery(collection), ct);
        var attribution = AttributionUrl(http, collection);
        ExportHeaders(http, collection, "geojson", FacilityFeatures.GeoJsonContentType);
        await using var snapshot = await mediator.Send(new ExportSnapshotQuery(collection), ct);
        await ExportResponses.SendAsync(http, dumps, snapshot, collection, ExportFormat.GeoJson, ExportDumps.VariantOf(sources, attribution),
            (body, token) => ExportFormats.WriteGeoJsonAsync(body, collection, sources, OpenDataSchema.Of(categories), attribution,
                snapshot.TakenAt, snapshot.Rows(token), token), ct);
    }

    private static async Task CsvExport(
        IMediator mediator, HttpContext http, ExportDumps dumps, [Description(ExportCollection)] string collection, CancellationToken ct)
    {
        var sources = await mediator.Send(new ExportSourcesQuery(collection), ct);
        ExportHeaders(http, collection, "csv", ExportFormats.CsvContentType);
        await using var snapshot = await mediator.Send(new ExportSnapshotQuery(collection), ct);
        await ExportResponses.SendAsync(http, dumps, snapshot, collection, ExportFormat.Csv, ExportDumps.VariantOf(sources, AttributionUrl(http, collection)),
            (body, token) => ExportFormats.WriteCsvAsync(body, snapshot.Rows(token), token), ct);
    }

    private static async Task GeoPackageExport(
        IMediator mediator, HttpContext http, ExportDumps dumps, IConfiguration configuration, [Description(ExportCollection)] string collection,
        CancellationToken ct)
    {
        var sources = await mediator.Send(new ExportSourcesQuery(collection), ct);
        ExportHeaders(http, collection, "gpkg", GeoPackageFormat.ContentType);
        await using var snapshot = await mediator.Send(new ExportSnapshotQuery(collection), ct);
        var folder = configuration[GeoPackageFormat.FolderSetting] is { Length: > 0 } configured ? configured : Path.GetTempPath();
        await ExportResponses.SendGeoPackageAsync(http, dumps, snapshot, collection, ExportDumps.VariantOf(sources, AttributionUrl(http, collection)),
            folder, path => GeoPackageFormat.WriteFileAsync(path, collection, sources, snapshot.TakenAt, snapshot.Rows(ct), ct), ct);
    }

    private const string ExportCollection = "facilities for the whole layer, or a category id (the OGC API's collections).";

    private static string AttributionUrl(HttpContext http, string collection = Ogc.AllFacilities) =>
        OgcRequests.BaseUrl(http.Request) + "/api/v1/export/attribution" + (collection == Ogc.AllFacilities ? "" : $"?collection={Uri.EscapeDataString(collection)}");

    private static void ExportHeaders(HttpContext http, string collection, string extension, string contentType)
    {
        http.Response.ContentType = contentType;
        http.Response.Headers.CacheControl = ExportCache;
        http.Response.Headers.ContentDisposition = $"attachment; filename=\"{collection}.{extension}\"";
        http.Response.Headers.Link = $"<{AttributionUrl(http, collection)}>; rel=\"license\"; type=\"application/json\"";
    }

    private static IResult Json<T>(HttpContext http, T value, string cacheControl)
    {
        var options = http.RequestServices.GetRequiredService<IOptions<HttpJsonOptions>>().Value.SerializerOptions;
        var body = JsonSerializer.SerializeToUtf8Bytes(value, options);
        return Conditional(http, body, Ogc.JsonType, cacheControl, ConditionalGet.HashTag(body));
    }

    private static IResult Html(HttpContext http, string html, string cacheControl)
    {
        var body = Encoding.UTF8.GetBytes(html);
        return Conditional(http, body, "text/html; charset=utf-8", cacheControl, ConditionalGet.HashTag(body));
    }

    /// <summary>
    /// A page of items. timeStamp, the time of the response, is written last and left out of the ETag: two reads of
    /// unchanged data are the same page, not two versions of it.
    /// </summary>
    private static IResult ItemsJson(HttpContext http, OgcItemsPage page, DateTimeOffset now)
    {
        var buffer = ResponseBuffer.For(http, 1024 + (page.Rows.Count * 800));
        EntityTagHeaderValue etag;
        using (var w = new Utf8JsonWriter(buffer, OpenDataFeatureJson.WriterOptions))
        {
            w.WriteStartObject();
            w.WriteString("type", "FeatureCollection");
            w.WriteNumber("numberMatched", page.NumberMatched);
            w.WriteNumber("numberReturned", page.Rows.Count);
            w.WritePropertyName("links");
            OgcLink.WriteArray(w, page.Links);
            w.WriteStartArray("features");
            foreach (var row in page.Rows)
            {
                OpenDataFeatureJson.Write(w, row, page.Schema, crs: page.Crs, selection: page.Selection);
            }
            w.WriteEndArray();
            w.Flush();
            etag = ConditionalGet.HashTag(buffer.WrittenSpan);
            w.WriteString("timeStamp", now.UtcDateTime);
            w.WriteEndObject();
        }
        return Conditional(http, buffer.WrittenMemory, Ogc.GeoJsonType, DataCache, etag);
    }

    private static IResult Conditional(HttpContext http, ReadOnlyMemory<byte> body, string contentType, string cacheControl, EntityTagHeaderValue etag)
    {
        // The representation may come from the Accept header (a browser gets HTML), so caches must key on it.
        http.Response.Headers.Vary = "Accept";
        return ConditionalGet.IsNotModified(http, etag, cacheControl)
            ? ConditionalGet.NotModified
            : TypedResults.Bytes(body, contentType);
    }
}
