using Facilities.Api.Features.Categories;
using Facilities.Api.Features.OpenData;
using Facilities.Api.Web;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Facilities.Api.Features.ApiDefinition;

/// <summary>
/// The OpenAPI 3.0 documents: <c>/openapi/v1.json</c>, the whole API behind Swagger UI at /docs, and
/// <c>/openapi/ogc.json</c>, the OGC API – Features alone with its paths relative to /ogc, as the standard's
/// <c>oas30</c> class wants and GDAL reads it: GDAL looks up <c>/collections/{collectionId}/items</c> in the
/// document its landing page names, and pages at the <c>limit</c> maximum it finds there. Endpoints stay plain; the
/// transformers here add what the endpoints' string parameters cannot say (types, bounds, defaults) from
/// <see cref="QueryParameters"/>, the security schemes, and the multipart bodies of an import and a photo.
/// </summary>
public static class ApiDefinitions
{
    public const string WholeApi = "v1";
    public const string OgcApi = Ogc.ApiDefinitionDocument;

    private const string Bearer = "bearer";
    private const string ApiKey = "api_key";

    public static string Path(string document) => $"/openapi/{document}.json";

    public static IServiceCollection AddApiDefinitions(this IServiceCollection services)
    {
        services.AddOpenApi(WholeApi, Configure);
        services.AddOpenApi(OgcApi, options =>
        {
            Configure(options);
            options.ShouldInclude = description => IsOgc(description.RelativePath);
            options.AddDocumentTransformer((document, _, _) =>
            {
                document.Info.Title = "Facilities: OGC API – Features";
                var paths = new OpenApiPaths();
                foreach (var (path, item) in document.Paths)
                {
                    paths[path == "/ogc" ? "/" : path["/ogc".Length..]] = item;
                }
                document.Paths = paths;
                // Relative to the document's own address: the server the client fetched it from.
                document.Servers = [new OpenApiServer { Url = "/ogc" }];
                return Task.CompletedTask;
            });
        });
        return services;
    }

    public static WebApplication MapApiDefinitions(this WebApplication app)
    {
        // The framework answers a name it has no document for with a text/plain 404; like every refusal it is a problem.
        app.MapOpenApi("/openapi/{documentName}.json").AddEndpointFilter((context, next) =>
        {
            var name = context.HttpContext.GetRouteValue("documentName") as string ?? "";
            if (!name.Equals(WholeApi, StringComparison.OrdinalIgnoreCase) && !name.Equals(OgcApi, StringComparison.OrdinalIgnoreCase))
            {
                throw new DomainException(StatusCodes.Status404NotFound, "Not found",
                    $"There is no API definition named '{name}': the API's is {Path(WholeApi)}, the OGC API's {Path(OgcApi)}.");
            }
            return next(context);
        });
        app.UseSwaggerUI(options =>
        {
            options.RoutePrefix = "docs";
            options.SwaggerEndpoint(Path(WholeApi), "Facilities API v1");
            options.SwaggerEndpoint(Path(OgcApi), "OGC API – Features");
            options.DocumentTitle = "Facilities API";
        });
        return app;
    }

    /// <summary>
    /// The items' queryables as query parameters, which the endpoint reads from the query string rather than binds:
    /// GDAL sends an equality of its -where as one of them when the API definition lists it.
    /// </summary>
    private static void AddQueryables(OpenApiOperation operation, CategoryCatalog categories)
    {
        operation.Parameters ??= [];
        foreach (var property in OpenDataSchema.Of(categories).AllQueryables())
        {
            if (operation.Parameters.Any(p => p.Name == property.Name))
            {
                continue;
            }
            var known = QueryParameters.Queryable(property);
            operation.Parameters.Add(new OpenApiParameter
            {
                Name = property.Name,
                In = ParameterLocation.Query,
                Description = known.Description,
                Schema = known.Schema(),
            });
        }
    }

    private static bool IsOgc(string? relativePath) =>
        relativePath is { } p && (p == "ogc" || p.StartsWith("ogc/", StringComparison.Ordinal));

    private static void Configure(OpenApiOptions options)
    {
        options.OpenApiVersion = OpenApiSpecVersion.OpenApi3_0;
        options.AddDocumentTransformer((document, _, _) =>
        {
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes = new Dictionary<string, IOpenApiSecurityScheme>
            {
                [Bearer] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.Http,
                    Scheme = "bearer",
                    Description = "A contributor's access token from POST /api/v1/auth/login (or register, refresh).",
                },
                [ApiKey] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.ApiKey,
                    In = ParameterLocation.Header,
                    Name = PartnerApiKeys.HeaderName,
                    Description = "A government partner's key, issued by an administrator (POST /api/v1/admin/partners).",
                },
            };
            foreach (var (name, schema) in document.Components.Schemas ?? new Dictionary<string, IOpenApiSchema>())
            {
                foreach (var property in (schema.Properties ?? new Dictionary<string, IOpenApiSchema>()).Keys.ToList())
                {
                    if (BodyProperties.Find(name, property) is { } typed)
                    {
                        schema.Properties![property] = typed;
                    }
                }
            }
            return Task.CompletedTask;
        });
        options.AddOperationTransformer((operation, context, _) =>
        {
            var route = context.Description.RelativePath ?? "";
            foreach (var parameter in (operation.Parameters ?? []).OfType<OpenApiParameter>())
            {
                if (parameter.In == ParameterLocation.Query && parameter.Name is { } name && QueryParameters.Find(route, name) is { } known)
                {
                    parameter.Description = known.Description;
                    parameter.Schema = known.Schema();
                    parameter.Required = known.Required;
                    if (known.CommaSeparated)
                    {
                        parameter.Style = ParameterStyle.Form;
                        parameter.Explode = false;
                    }
                }
            }

            if (operation.OperationId == "OgcItems")
            {
                AddQueryables(operation, context.ApplicationServices.GetRequiredService<CategoryCatalog>());
            }

            var metadata = context.Description.ActionDescriptor.EndpointMetadata;
            var scheme = route.StartsWith("api/v1/partner", StringComparison.Ordinal) ? ApiKey
                : metadata.OfType<IAuthorizeData>().Any() && !metadata.OfType<IAllowAnonymous>().Any() ? Bearer
                : null;
            if (scheme is not null)
            {
                operation.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(scheme, context.Document)] = [] }];
            }

            if (operation.OperationId is "Open311PostRequestJson" or "Open311PostRequestXml")
            {
                var form = new OpenApiMediaType { Schema = BodyProperties.Open311ServiceRequestForm() };
                operation.RequestBody = new OpenApiRequestBody
                {
                    Required = true,
                    Description = "The service request as a form, as GeoReport v2 sends it.",
                    Content = new Dictionary<string, OpenApiMediaType>
                    {
                        ["application/x-www-form-urlencoded"] = form,
                        ["multipart/form-data"] = form,
                    },
                };
            }

            if (operation.OperationId is "UploadImport" or "UploadPhoto")
            {
                operation.RequestBody = new OpenApiRequestBody
                {
                    Required = true,
                    Description = operation.OperationId == "UploadPhoto"
                        ? "The photo in the form field 'file': JPEG, PNG or WebP, declared by the part's Content-Type (or its name)."
                        : "The dataset's file in the form field 'file'; its format is told by its name or content.",
                    Content = new Dictionary<string, OpenApiMediaType>
                    {
                        ["multipart/form-data"] = new()
                        {
                            Schema = new OpenApiSchema
                            {
                                Type = JsonSchemaType.Object,
                                Required = new HashSet<string> { "file" },
                                Properties = new Dictionary<string, IOpenApiSchema>
                                {
                                    ["file"] = new OpenApiSchema { Type = JsonSchemaType.String, Format = "binary" },
                                },
                            },
                        },
                    },
                };
            }
            return Task.CompletedTask;
        });
    }
}
