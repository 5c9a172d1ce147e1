using System.Text.Json.Nodes;
using Facilities.Api.Features.Categories;
using Facilities.Api.Web;
using Mediator;

namespace Facilities.Api.Features.OpenData;

/// <summary>Which JSON Schema of a collection: what filters may name, what sortby may name, or the features themselves.</summary>
public enum OgcSchemaKind
{
    /// <summary>/queryables (Part 3): the properties <c>filter</c> and the query parameters may name, and the geometry.</summary>
    Queryables,

    /// <summary>/sortables (the sorting extension): the properties <c>sortby</c> may name.</summary>
    Sortables,

    /// <summary>/schema: the GeoJSON Feature the items answer, every property typed (what GDAL reads to type its fields).</summary>
    Features,
}

/// <summary>
/// GET /ogc/collections/{collectionId}/queryables, /sortables and /schema: JSON Schemas (2020-12) built from
/// <see cref="OpenDataSchema"/>, so what the schemas promise is what filters, sorting and the items do.
/// </summary>
public sealed record OgcSchemaQuery(string BaseUrl, string CollectionId, OgcSchemaKind Kind, string? F, string? Accept,
    IReadOnlyCollection<string> Parameters) : IRequest<JsonObject>, IOgcRequest;

public sealed class OgcSchemaQueryValidator : OgcRequestValidator<OgcSchemaQuery>
{
    public OgcSchemaQueryValidator() : base(Ogc.CommonParameters, ["json"])
    {
    }
}

public sealed class OgcSchemaHandler(CategoryCatalog categories) : IRequestHandler<OgcSchemaQuery, JsonObject>
{
    public const string JsonSchema = "https://json-schema.org/draft/2020-12/schema";

    public ValueTask<JsonObject> Handle(OgcSchemaQuery request, CancellationToken cancellationToken)
    {
        var collection = OgcCollectionCatalog.Describe(categories, request.CollectionId)
            ?? throw new NotFoundException("collection", request.CollectionId);
        var properties = OpenDataSchema.Of(categories).Properties(collection.Id)!;
        var path = request.Kind switch
        {
            OgcSchemaKind.Queryables => "queryables",
            OgcSchemaKind.Sortables => "sortables",
            _ => "schema",
        };
        var document = new JsonObject
        {
            ["$schema"] = JsonSchema,
            ["$id"] = Ogc.Url(request.BaseUrl, $"/ogc/collections/{collection.Id}/{path}"),
            ["type"] = "object",
            ["title"] = collection.Title,
        };
        switch (request.Kind)
        {
            case OgcSchemaKind.Queryables:
                document["description"] = "The properties that filter (CQL2) and the query parameters of the items may name, and the geometry " +
                                          "that S_INTERSECTS tests. A property without a value is null: IS NULL finds it.";
                document["properties"] = new JsonObject(
                    [KeyValuePair.Create("geometry", (JsonNode?)Geometry()), .. properties.Where(p => p.Queryable).Select(p => KeyValuePair.Create(p.Name, (JsonNode?)Of(p)))]);
                document["additionalProperties"] = false;
                break;
            case OgcSchemaKind.Sortables:
                document["description"] = "The properties that sortby may name; the id breaks ties, so an order is the same on every read.";
                document["properties"] = new JsonObject(properties.Where(p => p.Sortable).Select(p => KeyValuePair.Create(p.Name, (JsonNode?)Of(p))));
                document["additionalProperties"] = false;
                break;
            default:
                document["description"] = "One feature of the items: a GeoJSON Feature whose properties are typed one by one (a category " +
                                          "attribute is a property of its own). A property without a value is null.";
                document["required"] = new JsonArray("type", "geometry", "properties");
                document["properties"] = new JsonObject
                {
                    ["type"] = new JsonObject { ["type"] = "string", ["enum"] = new JsonArray("Feature") },
                    ["id"] = Of(properties[0]),
                    ["geometry"] = Geometry(),
                    // GDAL reads the types of its fields from here, and reads "type" as one string: a nullable
                    // ["boolean", "null"] would reach it as a String. It takes the id field from the features it
                    // reads before the schema's, so the properties' id, the Feature's id again, is left to them.
                    ["properties"] = new JsonObject
                    {
                        ["type"] = "object",
                        ["description"] = "id repeats the Feature's id; the other properties in the order the items write them.",
                        ["properties"] = new JsonObject(properties.Skip(1).Select(p => KeyValuePair.Create(p.Name, (JsonNode?)Of(p)))),
                    },
                    ["sources"] = new JsonObject
                    {
                        ["description"] = "The facility's current source records: a partner joins its own file to the layer by its record ids.",
                        ["type"] = "array",
                        ["items"] = new JsonObject
                        {
                            ["type"] = "object",
                            ["properties"] = new JsonObject
                            {
                                ["dataset_id"] = new JsonObject { ["type"] = "string", ["format"] = "uuid" },
                                ["record_id"] = new JsonObject { ["type"] = "string" },
                            },
                        },
                    },
                };
                break;
        }
        return ValueTask.FromResult(document);
    }

    /// <summary>The position, as Part 3 names a geometry queryable (a point in CRS84, as the items give it).</summary>
    private static JsonObject Geometry() => new()
    {
        ["title"] = "Position",
        ["format"] = "geometry-point",
        ["x-ogc-role"] = "primary-geometry",
    };

    /// <summary>One property's schema: its title, type and what bounds it.</summary>
    public static JsonObject Of(PublishedProperty p)
    {
        var schema = new JsonObject { ["title"] = p.Title };
        switch (p.Type)
        {
            case PropertyType.Text:
                schema["type"] = "string";
                if (p.MaxLength is { } length)
                {
                    schema["maxLength"] = length;
                }
                break;
            case PropertyType.Enum:
                schema["type"] = "string";
                schema["enum"] = new JsonArray([.. p.Values!.Select(v => (JsonNode?)v)]);
                break;
            case PropertyType.Boolean:
                schema["type"] = "boolean";
                break;
            case PropertyType.WholeNumber or PropertyType.Number:
                schema["type"] = p.Type == PropertyType.WholeNumber ? "integer" : "number";
                if (p.Minimum is { } min)
                {
                    schema["minimum"] = min;
                }
                if (p.Maximum is { } max)
                {
                    schema["maximum"] = max;
                }
                break;
            case PropertyType.Instant:
                schema["type"] = "string";
                schema["format"] = "date-time";
                break;
            case PropertyType.TextList:
                schema["type"] = "array";
                schema["items"] = new JsonObject { ["type"] = "string", ["enum"] = new JsonArray([.. (p.Values ?? []).Select(v => (JsonNode?)v)]) };
                break;
            case PropertyType.Uuid:
                schema["type"] = "string";
                schema["format"] = "uuid";
                break;
        }
        return schema;
    }
}
