using System.Text.Json;

namespace Facilities.Api.Tests.OpenData;

/// <summary>
/// The OpenAPI 3.0 documents: every query parameter typed, bounded, described and with its default, the security
/// schemes, and the OGC API's own document, with its paths relative to /ogc as the standard names them.
/// </summary>
public sealed class ApiDefinitionTests(OpenDataFixture fixture) : IClassFixture<OpenDataFixture>
{
    [Theory]
    [InlineData("/openapi/v1.json")]
    [InlineData("/openapi/ogc.json")]
    public async Task Every_query_parameter_is_typed_described_and_bounded(string url)
    {
        var document = await fixture.Client.GetJsonAsync(url);
        Assert.StartsWith("3.0.", document.GetProperty("openapi").GetString(), StringComparison.Ordinal);
        var problems = new List<string>();
        var count = 0;
        foreach (var (path, method, parameter) in Parameters(document).Where(p => p.Parameter.GetProperty("in").GetString() == "query"))
        {
            count++;
            var name = $"{method.ToUpperInvariant()} {path} ?{parameter.GetProperty("name").GetString()}";
            if (!parameter.TryGetProperty("description", out var description) || string.IsNullOrWhiteSpace(description.GetString()))
            {
                problems.Add($"{name}: no description");
            }
            var schema = parameter.GetProperty("schema");
            var type = schema.TryGetProperty("type", out var t) ? t.GetString() : null;
            switch (type)
            {
                case "integer" or "number":
                    if (!schema.TryGetProperty("minimum", out _) || !schema.TryGetProperty("maximum", out _))
                    {
                        problems.Add($"{name}: a number without minimum and maximum");
                    }
                    break;
                case "string":
                    // A free string is the one type that says nothing: it must at least be described (checked above).
                    break;
                case "boolean" or "array":
                    break;
                default:
                    problems.Add($"{name}: no type ({schema})");
                    break;
            }
            if (parameter.GetProperty("name").GetString() == "limit"
                && (!schema.TryGetProperty("default", out _) || !schema.TryGetProperty("maximum", out _)))
            {
                problems.Add($"{name}: a limit without default and maximum");
            }
        }
        Assert.True(count > (url.Contains("ogc", StringComparison.Ordinal) ? 10 : 40), $"only {count} query parameters");
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public async Task Every_request_body_is_typed_down_to_its_properties()
    {
        var document = await fixture.Client.GetJsonAsync("/openapi/v1.json");
        var schemas = document.GetProperty("components").GetProperty("schemas");
        var problems = new List<string>();
        var bodies = 0;
        foreach (var path in document.GetProperty("paths").EnumerateObject())
        {
            foreach (var operation in path.Value.EnumerateObject().Where(o => o.Value.ValueKind == JsonValueKind.Object))
            {
                if (!operation.Value.TryGetProperty("requestBody", out var body))
                {
                    continue;
                }
                foreach (var content in body.GetProperty("content").EnumerateObject())
                {
                    bodies++;
                    CheckTyped($"{operation.Name.ToUpperInvariant()} {path.Name} ({content.Name})", content.Value.GetProperty("schema"), schemas, problems, 0);
                }
            }
        }
        Assert.True(bodies > 10, $"only {bodies} request bodies");
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public async Task The_dataset_definitions_mapping_is_documented_as_mapping_v2()
    {
        var document = await fixture.Client.GetJsonAsync("/openapi/v1.json");
        var schemas = document.GetProperty("components").GetProperty("schemas");
        foreach (var body in (string[])["CreateDatasetBody", "UpdateDatasetBody"])
        {
            var mapping = schemas.GetProperty(body).GetProperty("properties").GetProperty("mapping").GetProperty("properties");
            Assert.Equal(["au_nptm", "uk_lga_toilets", "osm_toilets"], mapping.GetProperty("extends").GetProperty("enum").EnumerateArray().Select(e => e.GetString()));
            var field = mapping.GetProperty("fields").GetProperty("additionalProperties").GetProperty("oneOf");
            Assert.Equal("string", field[0].GetProperty("type").GetString());
            var definition = field[1].GetProperty("properties");
            foreach (var key in (string[])["column", "columns", "template", "pattern", "values", "value", "transform", "flags"])
            {
                Assert.True(definition.TryGetProperty(key, out var property), $"{body}: no {key} in {definition}");
                Assert.False(string.IsNullOrWhiteSpace(property.GetProperty("description").GetString()), $"{body}.{key} undescribed");
            }
            Assert.Equal("array", definition.GetProperty("columns").GetProperty("type").GetString());
            Assert.Contains("hours_24_7", definition.GetProperty("transform").GetProperty("description").GetString(), StringComparison.Ordinal);
        }
    }

    /// <summary>A schema says what it is: a type, a reference to a typed schema, or a choice of typed schemas.</summary>
    private static void CheckTyped(string where, JsonElement schema, JsonElement schemas, List<string> problems, int depth)
    {
        if (depth > 6)
        {
            return;
        }
        if (schema.TryGetProperty("$ref", out var reference))
        {
            var name = reference.GetString()!.Split('/')[^1];
            CheckTyped($"{where} → {name}", schemas.GetProperty(name), schemas, problems, depth + 1);
            return;
        }
        foreach (var choice in (string[])["oneOf", "anyOf", "allOf"])
        {
            if (schema.TryGetProperty(choice, out var options))
            {
                foreach (var option in options.EnumerateArray())
                {
                    CheckTyped(where, option, schemas, problems, depth + 1);
                }
                return;
            }
        }
        var isNullBranch = schema.TryGetProperty("enum", out var values) && values.GetArrayLength() == 1 && values[0].ValueKind == JsonValueKind.Null;
        if (!schema.TryGetProperty("type", out _) && !isNullBranch)
        {
            problems.Add($"{where}: untyped {schema}");
            return;
        }
        if (schema.TryGetProperty("properties", out var properties))
        {
            foreach (var property in properties.EnumerateObject())
            {
                CheckTyped($"{where}.{property.Name}", property.Value, schemas, problems, depth + 1);
            }
        }
        if (schema.TryGetProperty("items", out var items))
        {
            CheckTyped($"{where}[]", items, schemas, problems, depth + 1);
        }
    }

    [Fact]
    public async Task The_ogc_document_gives_the_items_limit_default_and_maximum_at_the_path_the_standard_names()
    {
        var landing = await fixture.Client.GetJsonAsync("/ogc");
        var serviceDesc = Assert.Single(landing.GetProperty("links").EnumerateArray(), l => l.GetProperty("rel").GetString() == "service-desc");
        Assert.Equal("application/vnd.oai.openapi+json;version=3.0", serviceDesc.GetProperty("type").GetString());
        Assert.Equal($"{fixture.BaseUrl}/openapi/ogc.json", serviceDesc.GetProperty("href").GetString());

        var document = await fixture.Client.GetJsonAsync("/openapi/ogc.json");
        Assert.Equal("/ogc", document.GetProperty("servers")[0].GetProperty("url").GetString());
        var limit = document.GetProperty("paths").GetProperty("/collections/{collectionId}/items").GetProperty("get").GetProperty("parameters")
            .EnumerateArray().Single(p => p.GetProperty("name").GetString() == "limit").GetProperty("schema");
        Assert.Equal("integer", limit.GetProperty("type").GetString());
        Assert.Equal(1, limit.GetProperty("minimum").GetInt32());
        Assert.Equal(10_000, limit.GetProperty("maximum").GetInt32());
        Assert.Equal(100, limit.GetProperty("default").GetInt32());
        Assert.DoesNotContain(document.GetProperty("paths").EnumerateObject(), p => p.Name.StartsWith("/api/", StringComparison.Ordinal));

        var conformance = await fixture.Client.GetJsonAsync("/ogc/conformance");
        Assert.Contains("http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
            conformance.GetProperty("conformsTo").EnumerateArray().Select(c => c.GetString()));
    }

    [Fact]
    public async Task Security_schemes_are_declared_and_required_where_the_endpoints_require_them()
    {
        var document = await fixture.Client.GetJsonAsync("/openapi/v1.json");
        var schemes = document.GetProperty("components").GetProperty("securitySchemes");
        Assert.Equal("http", schemes.GetProperty("bearer").GetProperty("type").GetString());
        Assert.Equal("bearer", schemes.GetProperty("bearer").GetProperty("scheme").GetString());
        Assert.Equal("apiKey", schemes.GetProperty("api_key").GetProperty("type").GetString());
        Assert.Equal("header", schemes.GetProperty("api_key").GetProperty("in").GetString());
        Assert.Equal("X-Api-Key", schemes.GetProperty("api_key").GetProperty("name").GetString());

        var paths = document.GetProperty("paths");
        Assert.Equal(["bearer"], SchemesOf(paths.GetProperty("/api/v1/me").GetProperty("get")));
        Assert.Equal(["api_key"], SchemesOf(paths.GetProperty("/api/v1/partner/datasets").GetProperty("post")));
        Assert.Empty(SchemesOf(paths.GetProperty("/ogc/collections/{collectionId}/items").GetProperty("get")));

        var upload = paths.GetProperty("/api/v1/partner/datasets/{datasetId}/imports").GetProperty("post").GetProperty("requestBody");
        Assert.Equal("binary", upload.GetProperty("content").GetProperty("multipart/form-data").GetProperty("schema")
            .GetProperty("properties").GetProperty("file").GetProperty("format").GetString());
    }

    private static IEnumerable<(string Path, string Method, JsonElement Parameter)> Parameters(JsonElement document)
    {
        foreach (var path in document.GetProperty("paths").EnumerateObject())
        {
            foreach (var operation in path.Value.EnumerateObject().Where(o => o.Value.ValueKind == JsonValueKind.Object))
            {
                if (!operation.Value.TryGetProperty("parameters", out var parameters))
                {
                    continue;
                }
                foreach (var parameter in parameters.EnumerateArray())
                {
                    yield return (path.Name, operation.Name, parameter);
                }
            }
        }
    }

    private static List<string> SchemesOf(JsonElement operation) =>
        operation.TryGetProperty("security", out var security)
            ? [.. security.EnumerateArray().SelectMany(r => r.EnumerateObject().Select(s => s.Name))]
            : [];
}
