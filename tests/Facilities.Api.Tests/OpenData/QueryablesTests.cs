using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Facilities.Api.Tests.OpenData;

/// <summary>
/// Typed properties and Part 3's queryables: each category attribute is a property of its own with its JSON type,
/// every collection describes its queryables and its features as JSON Schemas, the queryables filter the items as
/// query parameters, and GDAL types its fields from the schema and sends its -where (as CQL2) and -spat to the server.
/// </summary>
public sealed partial class QueryablesTests(OpenDataFixture fixture) : IClassFixture<OpenDataFixture>, IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("facilities-queryables-").FullName;

    public void Dispose() => Directory.Delete(_work, recursive: true);

    [Fact]
    public async Task Category_attributes_are_typed_properties_of_their_own_in_items_and_the_export()
    {
        var bench = (await fixture.Client.GetJsonAsync($"/ogc/collections/bench/items/{fixture.QuotedId}")).GetProperty("properties");
        Assert.False(bench.TryGetProperty("attributes", out _), "no JSON blob of attributes");
        Assert.Equal(JsonValueKind.True, bench.GetProperty("backrest").ValueKind);
        Assert.Equal(3, bench.GetProperty("seats").GetInt32());
        Assert.Equal(JsonValueKind.Null, bench.GetProperty("covered").ValueKind);
        Assert.Equal(JsonValueKind.Null, bench.GetProperty("material").ValueKind);
        Assert.False(bench.TryGetProperty("squat", out _), "a toilet's attribute is not a bench's property");

        var toilet = (await fixture.Client.GetJsonAsync($"/ogc/collections/facilities/items/{fixture.FormulaId}")).GetProperty("properties");
        foreach (var name in (string[])["hand_washing", "toilet_paper", "squat", "indoor", "disposal"])
        {
            Assert.True(toilet.TryGetProperty(name, out _), $"a toilet carries {name}");
        }
        Assert.False(toilet.TryGetProperty("seats", out _));

        // The properties come in the same order on every feature of a category: id, the core attributes, the
        // category's attributes, then what the service keeps.
        var names = bench.EnumerateObject().Select(p => p.Name).ToList();
        Assert.Equal("id", names[0]);
        Assert.True(names.IndexOf("official_grade") < names.IndexOf("seats") && names.IndexOf("seats") < names.IndexOf("confidence"));

        var database = await fixture.ScalarAsync("select count(*) from facilities where status <> 'removed' and category = 'toilet' " +
                                                 "and (attributes ->> 'indoor')::boolean");
        var page = await fixture.Client.GetJsonAsync("/ogc/collections/toilet/items?limit=10000");
        Assert.Equal(database, page.Features().Count(f => f.GetProperty("properties").GetProperty("indoor").ValueKind == JsonValueKind.True));
    }

    [Fact]
    public async Task Queryables_are_a_typed_json_schema_per_collection_with_enums_and_the_geometry()
    {
        using var response = await fixture.Client.GetAsync("/ogc/collections/bench/queryables");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/schema+json", response.Content.Headers.ContentType?.MediaType);
        var bench = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("https://json-schema.org/draft/2020-12/schema", bench.GetProperty("$schema").GetString());
        Assert.Equal($"{fixture.BaseUrl}/ogc/collections/bench/queryables", bench.GetProperty("$id").GetString());
        Assert.Equal("object", bench.GetProperty("type").GetString());
        var properties = bench.GetProperty("properties");
        Assert.Equal("primary-geometry", properties.GetProperty("geometry").GetProperty("x-ogc-role").GetString());
        Assert.Equal("geometry-point", properties.GetProperty("geometry").GetProperty("format").GetString());
        Assert.Equal(["yes", "limited", "no", "unknown"], properties.GetProperty("wheelchair").GetProperty("enum").EnumerateArray().Select(v => v.GetString()));
        Assert.Equal("boolean", properties.GetProperty("adult_changing_table").GetProperty("type").GetString());
        Assert.Equal("date-time", properties.GetProperty("updated_at").GetProperty("format").GetString());
        var seats = properties.GetProperty("seats");
        Assert.Equal("integer", seats.GetProperty("type").GetString());
        Assert.Equal((1, 20), (seats.GetProperty("minimum").GetInt32(), seats.GetProperty("maximum").GetInt32()));
        Assert.Contains("concrete", properties.GetProperty("material").GetProperty("enum").EnumerateArray().Select(v => v.GetString()));
        Assert.False(properties.TryGetProperty("gender", out _), "a list is not queryable");

        var toilet = (await fixture.Client.GetJsonAsync("/ogc/collections/toilet/queryables")).GetProperty("properties");
        Assert.False(toilet.TryGetProperty("seats", out _));
        Assert.Equal("boolean", toilet.GetProperty("squat").GetProperty("type").GetString());
        // The collection of every facility has the attributes of every category.
        var all = (await fixture.Client.GetJsonAsync("/ogc/collections/facilities/queryables")).GetProperty("properties");
        foreach (var name in (string[])["seats", "squat", "indoor", "cabinet_locked", "category"])
        {
            Assert.True(all.TryGetProperty(name, out _), name);
        }

        // Every collection links its queryables and the schema of its features.
        var collection = await fixture.Client.GetJsonAsync("/ogc/collections/bench");
        var links = collection.GetProperty("links").EnumerateArray().ToList();
        Assert.Contains(links, l => l.GetProperty("rel").GetString() == "http://www.opengis.net/def/rel/ogc/1.0/queryables"
                                    && l.GetProperty("href").GetString() == $"{fixture.BaseUrl}/ogc/collections/bench/queryables");
        Assert.Contains(links, l => l.GetProperty("rel").GetString() == "describedBy"
                                    && l.GetProperty("type").GetString() == "application/schema+json");
        var conformance = await fixture.Client.GetJsonAsync("/ogc/conformance");
        var classes = conformance.GetProperty("conformsTo").EnumerateArray().Select(c => c.GetString()).ToList();
        Assert.Contains("http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables", classes);
        Assert.Contains("http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters", classes);
    }

    [Fact]
    public async Task The_schema_of_the_features_types_every_property_the_items_carry()
    {
        var schema = await fixture.Client.GetJsonAsync("/ogc/collections/bench/schema");
        var declared = schema.GetProperty("properties").GetProperty("properties").GetProperty("properties");
        var item = (await fixture.Client.GetJsonAsync($"/ogc/collections/bench/items/{fixture.QuotedId}")).GetProperty("properties");
        Assert.Equal("uuid", schema.GetProperty("properties").GetProperty("id").GetProperty("format").GetString());
        // Every property after the id (the Feature's id repeated), in the order the items write them.
        Assert.Equal(item.EnumerateObject().Skip(1).Select(p => p.Name), declared.EnumerateObject().Select(p => p.Name));
        foreach (var property in item.EnumerateObject().Skip(1).Where(p => p.Value.ValueKind != JsonValueKind.Null))
        {
            var type = declared.GetProperty(property.Name).GetProperty("type").GetString();
            var expected = property.Value.ValueKind switch
            {
                JsonValueKind.True or JsonValueKind.False => "boolean",
                JsonValueKind.Number => property.Value.TryGetInt64(out _) && type == "integer" ? "integer" : "number",
                JsonValueKind.Array => "array",
                _ => "string",
            };
            Assert.True(expected == type, $"{property.Name} is {property.Value} but typed {type}");
        }
    }

    [Theory]
    [InlineData("facilities", "wheelchair=yes", "wheelchair = 'yes'")]
    [InlineData("toilet", "fee=false", "category = 'toilet' and fee = false")]
    [InlineData("toilet", "fee=0", "category = 'toilet' and fee = false")]
    [InlineData("bench", "seats=3", "category = 'bench' and (attributes ->> 'seats')::int = 3")]
    [InlineData("toilet", "indoor=true&wheelchair=yes", "category = 'toilet' and (attributes ->> 'indoor')::boolean and wheelchair = 'yes'")]
    [InlineData("facilities", "access=public&category=aed", "category = 'aed' and access = 'public'")]
    [InlineData("facilities", "status=temporarily_closed", "status = 'temporarily_closed'")]
    public async Task Queryables_as_query_parameters_select_the_features_that_equal_them(string collection, string query, string where)
    {
        var expected = await IdsAsync($"status <> 'removed' and {where}");
        Assert.NotEmpty(expected);
        var seen = new List<string>();
        string? url = $"/ogc/collections/{collection}/items?{query}&limit={Math.Max(2, expected.Count / 3)}";
        while (url is not null)
        {
            var page = await fixture.Client.GetJsonAsync(url);
            Assert.Equal(expected.Count, page.GetProperty("numberMatched").GetInt64());
            seen.AddRange(page.Features().Select(f => f.GetProperty("id").GetString()!));
            url = page.GetProperty("links").EnumerateArray().Where(l => l.GetProperty("rel").GetString() == "next")
                .Select(l => l.GetProperty("href").GetString()).SingleOrDefault();
            // The next link keeps the filter.
            Assert.True(url is null || query.Split('&').All(p => url.Contains(p, StringComparison.Ordinal)), url);
        }
        Assert.Equal(expected, seen);
    }

    [Fact]
    public async Task A_date_as_a_query_parameter_selects_the_whole_day()
    {
        var day = (await fixture.Client.GetJsonAsync($"/ogc/collections/facilities/items/{fixture.FormulaId}"))
            .GetProperty("properties").GetProperty("updated_at").GetDateTime().ToUniversalTime().ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var expected = await IdsAsync($"status <> 'removed' and (updated_at at time zone 'UTC')::date = '{day}'");
        var page = await fixture.Client.GetJsonAsync($"/ogc/collections/facilities/items?updated_at={day}&limit=10000");
        Assert.Equal(expected, page.Features().Select(f => f.GetProperty("id").GetString()!));
    }

    [Fact]
    public async Task Ogrinfo_types_booleans_integers_and_dates_from_the_schema()
    {
        var toilet = await Processes.RunAsync("ogrinfo", "-ro", "-so", $"OAPIF:{fixture.BaseUrl}/ogc", "toilet");
        Assert.True(toilet.ExitCode == 0, toilet.ToString());
        foreach (var field in (string[])["adult_changing_table: Integer(Boolean)", "changing_table: Integer(Boolean)", "fee: Integer(Boolean)",
                     "squat: Integer(Boolean)", "updated_at: DateTime", "last_verified_at: DateTime", "status_until: DateTime",
                     "version: Integer", "confidence: Real", "gender: StringList", "disposal: String"])
        {
            Assert.Contains(field, toilet.Stdout, StringComparison.Ordinal);
        }
        Assert.Single(FieldLine().Matches(toilet.Stdout), m => m.Groups["name"].Value == "id");

        var bench = await Processes.RunAsync("ogrinfo", "-ro", "-so", $"OAPIF:{fixture.BaseUrl}/ogc", "bench");
        Assert.True(bench.ExitCode == 0, bench.ToString());
        Assert.Contains("seats: Integer", bench.Stdout, StringComparison.Ordinal);
        Assert.Contains("backrest: Integer(Boolean)", bench.Stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("wheelchair='yes'", "wheelchair = 'yes'")]
    [InlineData("(wheelchair = 'yes' OR wheelchair = 'limited') AND fee = 0 AND changing_table IS NULL",
        "wheelchair in ('yes', 'limited') and fee = false and changing_table is null")]
    [InlineData("NOT (name LIKE '%公厕') AND version >= 1", "name not like '%公厕' and version >= 1")]
    public async Task Ogr2ogr_sends_its_where_to_the_server_as_cql2_and_copies_only_the_matching_features(string ogrWhere, string sql)
    {
        var expected = await fixture.ScalarAsync($"select count(*) from facilities where status <> 'removed' and category = 'toilet' and {sql}");
        var all = await fixture.ScalarAsync("select count(*) from facilities where status <> 'removed' and category = 'toilet'");
        Assert.True(expected > 0 && expected < all);
        var gpkg = Path.Combine(_work, "where.gpkg");
        var copy = await GdalAsync("ogr2ogr", "-f", "GPKG", gpkg, $"OAPIF:{fixture.BaseUrl}/ogc", "toilet", "-where", ogrWhere,
            "-oo", "PAGE_SIZE=1000");
        Assert.True(copy.ExitCode == 0, copy.ToString());
        // What GDAL put on the wire (curl's verbose log): after its first look at the layer, every items request carried
        // the whole where as a filter, so the pages hold the matching features only.
        var items = ItemsRequest().Matches(copy.Stderr).Select(m => Uri.UnescapeDataString(m.Groups["query"].Value)).ToList();
        Assert.True(items.Count >= 2, copy.Stderr);
        Assert.All(items.Skip(1), q => Assert.Contains("filter-lang=cql-text", q, StringComparison.Ordinal));
        Assert.All(items.Skip(1), q => Assert.Contains("filter=", q, StringComparison.Ordinal));
        Assert.True(items.Count - 1 <= (expected / 1000) + 1, $"{items.Count} requests for {expected} features");
        // GDAL's debug log says when it keeps any of the where to evaluate itself.
        Assert.DoesNotContain("client side", copy.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Only part of the filter", copy.Stderr, StringComparison.Ordinal);

        var summary = await Processes.RunAsync("ogrinfo", "-ro", "-so", "-al", gpkg);
        Assert.True(summary.ExitCode == 0, summary.ToString());
        Assert.Contains($"Feature Count: {expected}", summary.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ogr2ogr_sends_its_spatial_filter_to_the_server_as_a_bbox_and_copies_only_the_features_inside()
    {
        var expected = await fixture.ScalarAsync("select count(*) from facilities where status <> 'removed' and category = 'toilet' " +
                                                 "and geom && ST_MakeEnvelope(-0.2, 51.45, -0.05, 51.55, 4326)");
        Assert.True(expected > 0);
        var gpkg = Path.Combine(_work, "spat.gpkg");
        var copy = await GdalAsync("ogr2ogr", "-f", "GPKG", gpkg, $"OAPIF:{fixture.BaseUrl}/ogc", "toilet", "-spat", "-0.2", "51.45", "-0.05", "51.55",
            "-oo", "PAGE_SIZE=1000");
        Assert.True(copy.ExitCode == 0, copy.ToString());
        var items = ItemsRequest().Matches(copy.Stderr).Select(m => Uri.UnescapeDataString(m.Groups["query"].Value)).ToList();
        Assert.True(items.Count >= 2, copy.Stderr);
        Assert.All(items.Skip(1), q => Assert.Contains("bbox=-0.2", q, StringComparison.Ordinal));
        Assert.True(items.Count - 1 <= (expected / 1000) + 1, $"{items.Count} requests for {expected} features");

        var summary = await Processes.RunAsync("ogrinfo", "-ro", "-so", "-al", gpkg);
        Assert.True(summary.ExitCode == 0, summary.ToString());
        Assert.Contains($"Feature Count: {expected}", summary.Stdout, StringComparison.Ordinal);
    }

    private async Task<Processes.Result> GdalAsync(string program, params string[] arguments)
    {
        var info = Processes.StartInfo(program, arguments);
        info.Environment["CPL_CURL_VERBOSE"] = "YES";
        info.Environment["CPL_DEBUG"] = "ON";
        using var process = Processes.Start(info, program);
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(timeout.Token);
        return new Processes.Result(process.ExitCode, await stdout, await stderr);
    }

    private async Task<List<string>> IdsAsync(string where)
    {
        await using var dataSource = fixture.Database.CreateDataSource();
        await using var command = dataSource.CreateCommand($"select id::text from facilities where {where} order by id");
        await using var reader = await command.ExecuteReaderAsync();
        var ids = new List<string>();
        while (await reader.ReadAsync())
        {
            ids.Add(reader.GetString(0));
        }
        return ids;
    }

    /// <summary>An items request in curl's verbose log: "> GET …", or "CURL_INFO_HEADER_OUT: GET …" when CPL_DEBUG is on.</summary>
    [GeneratedRegex(@"^(?:> |CURL_INFO_HEADER_OUT: )GET /ogc/collections/toilet/items\??(?<query>\S*) HTTP", RegexOptions.Multiline)]
    private static partial Regex ItemsRequest();

    [GeneratedRegex(@"^(?<name>\w+): ", RegexOptions.Multiline)]
    private static partial Regex FieldLine();
}
