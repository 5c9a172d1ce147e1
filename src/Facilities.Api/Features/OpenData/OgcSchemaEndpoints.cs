using System.Text.Json;
using Facilities.Api.Web;
using Mediator;
using Microsoft.AspNetCore.Mvc;

namespace Facilities.Api.Features.OpenData;

/// <summary>The JSON Schemas of each collection under /ogc: queryables, sortables and the features' schema.</summary>
public static class OgcSchemaEndpoints
{
    public const string SchemaType = "application/schema+json";

    /// <summary>The schemas change only with the categories, that is with a deployment.</summary>
    private const string StaticCache = "public, max-age=3600";

    public static IEndpointRouteBuilder MapOgcSchemas(this IEndpointRouteBuilder app)
    {
        var ogc = app.MapGroup("/ogc/collections/{collectionId}").WithTags("Open data: OGC API – Features");
        foreach (var (kind, path, name, summary) in (ReadOnlySpan<(OgcSchemaKind, string, string, string)>)[
                     (OgcSchemaKind.Queryables, "/queryables", "OgcQueryables",
                         "The queryables of a collection (Part 3): the properties filter and the query parameters may name, typed, with their values."),
                     (OgcSchemaKind.Sortables, "/sortables", "OgcSortables",
                         "The sortables of a collection (the sorting extension): the properties sortby may name, typed."),
                     (OgcSchemaKind.Features, "/schema", "OgcSchema",
                         "The JSON Schema of a collection's features: a GeoJSON Feature with every property typed."),
                 ])
        {
            ogc.MapGet(path, async (IMediator mediator, HttpContext http, string collectionId, [FromQuery(Name = "f")] string? f, CancellationToken ct) =>
                {
                    var schema = await mediator.Send(new OgcSchemaQuery(OgcRequests.BaseUrl(http.Request), collectionId, kind, f,
                        http.Request.Headers.Accept.ToString(), [.. http.Request.Query.Keys]), ct);
                    var body = JsonSerializer.SerializeToUtf8Bytes(schema, OgcSchemaJson.Options);
                    var etag = ConditionalGet.HashTag(body);
                    return ConditionalGet.IsNotModified(http, etag, StaticCache) ? ConditionalGet.NotModified : TypedResults.Bytes(body, SchemaType);
                })
                .WithName(name)
                .WithSummary(summary)
                .Produces(StatusCodes.Status200OK, contentType: SchemaType)
                .ProducesValidationProblem()
                .ProducesProblem(StatusCodes.Status404NotFound);
        }
        return app;
    }

    private static class OgcSchemaJson
    {
        public static readonly JsonSerializerOptions Options = new() { Encoder = OpenDataFeatureJson.WriterOptions.Encoder };
    }
}
