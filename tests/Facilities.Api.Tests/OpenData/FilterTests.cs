using System.Net;
using System.Text.Json;

namespace Facilities.Api.Tests.OpenData;

/// <summary>
/// Part 3's filter: CQL2 text and CQL2 JSON on the queryables select exactly the facilities the same condition
/// selects in SQL, next links keep the filter, filter-crs reads geometries in another CRS, and a filter that does
/// not parse or names what the collection lacks is a 400 naming filter and the position.
/// </summary>
public sealed class FilterTests(OpenDataFixture fixture) : IClassFixture<OpenDataFixture>
{
    private const string London = "ST_MakeEnvelope(-0.2, 51.45, -0.05, 51.55, 4326)";

    [Theory]
    [InlineData("facilities", "wheelchair = 'yes'", "wheelchair = 'yes'")]
    [InlineData("toilet", "wheelchair='yes' AND fee=false", "wheelchair = 'yes' and fee = false")]
    [InlineData("toilet", "not (wheelchair = 'yes') or fee is null", "(wheelchair <> 'yes' or fee is null)")]
    [InlineData("facilities", "wheelchair <> 'yes' AND confidence >= 0.5 AND version > 1", "wheelchair <> 'yes' and confidence >= 0.5 and version > 1")]
    [InlineData("facilities", "name LIKE '%公厕'", "name like '%公厕'")]
    [InlineData("facilities", "name NOT LIKE '%公厕'", "name not like '%公厕'")]
    [InlineData("aed", "CASEI(name) LIKE casei('%aed')", "lower(name) like '%aed'")]
    [InlineData("bench", "seats BETWEEN 2 AND 4", "(attributes ->> 'seats')::bigint between 2 and 4")]
    [InlineData("bench", "seats NOT BETWEEN 2 AND 4", "(attributes ->> 'seats')::bigint not between 2 and 4")]
    [InlineData("facilities", "wheelchair IN ('yes', 'limited') AND category NOT IN ('toilet')", "wheelchair in ('yes', 'limited') and category <> 'toilet'")]
    [InlineData("facilities", "name IS NULL", "name is null")]
    [InlineData("toilet", "fee IS NOT NULL AND 3 < version", "fee is not null and version > 3")]
    [InlineData("facilities", "updated_at >= TIMESTAMP('2020-01-01T00:00:00Z') AND \"category\" = 'aed'", "updated_at >= '2020-01-01T00:00:00Z' and category = 'aed'")]
    [InlineData("facilities", "S_INTERSECTS(geometry, BBOX(-0.2, 51.45, -0.05, 51.55))", "ST_Intersects(geom, " + London + ")")]
    [InlineData("facilities", "s_intersects(geometry, ENVELOPE(-0.2, -0.05, 51.55, 51.45)) and wheelchair = 'yes'", "ST_Intersects(geom, " + London + ") and wheelchair = 'yes'")]
    [InlineData("facilities", "S_INTERSECTS(geometry, POLYGON((-0.2 51.45, -0.05 51.45, -0.05 51.55, -0.2 51.45)))",
        "ST_Intersects(geom, ST_GeomFromText('POLYGON((-0.2 51.45, -0.05 51.45, -0.05 51.55, -0.2 51.45))', 4326))")]
    [InlineData("facilities", "S_INTERSECTS(geometry, BBOX(179, -20, -179, -10))", "ST_X(geom) not between -179 and 179 and ST_Y(geom) between -20 and -10")]
    [InlineData("facilities", "S_WITHIN(geometry, MULTIPOLYGON(((-0.2 51.45, -0.05 51.45, -0.05 51.55, -0.2 51.55, -0.2 51.45))))", "ST_Intersects(geom, " + London + ")")]
    [InlineData("facilities", "TRUE AND NOT FALSE", "true")]
    public async Task Cql2_text_selects_what_the_same_condition_selects_in_sql(string collection, string filter, string where) =>
        await AssertSelectsAsync(collection, $"filter={Uri.EscapeDataString(filter)}", where);

    [Theory]
    [InlineData("toilet", """{"op":"and","args":[{"op":"=","args":[{"property":"wheelchair"},"yes"]},{"op":"=","args":[{"property":"fee"},false]}]}""",
        "wheelchair = 'yes' and fee = false")]
    [InlineData("facilities", """{"op":"not","args":[{"op":"in","args":[{"property":"wheelchair"},["yes","limited"]]}]}""", "wheelchair not in ('yes', 'limited')")]
    [InlineData("bench", """{"op":"between","args":[{"property":"seats"},2,4]}""", "(attributes ->> 'seats')::bigint between 2 and 4")]
    [InlineData("facilities", """{"op":"or","args":[{"op":"isNull","args":[{"property":"name"}]},{"op":"like","args":[{"property":"name"},"%AED"]}]}""",
        "(name is null or name like '%AED')")]
    [InlineData("facilities", """{"op":"s_intersects","args":[{"property":"geometry"},{"bbox":[-0.2,51.45,-0.05,51.55]}]}""", "ST_Intersects(geom, " + London + ")")]
    [InlineData("facilities", """{"op":"s_intersects","args":[{"property":"geometry"},{"type":"Polygon","coordinates":[[[-0.2,51.45],[-0.05,51.45],[-0.05,51.55],[-0.2,51.55],[-0.2,51.45]]]}]}""",
        "ST_Intersects(geom, " + London + ")")]
    [InlineData("facilities", """{"op":">","args":[{"property":"updated_at"},{"timestamp":"2020-01-01T00:00:00Z"}]}""", "updated_at > '2020-01-01T00:00:00Z'")]
    public async Task Cql2_json_selects_what_the_same_condition_selects_in_sql(string collection, string filter, string where) =>
        await AssertSelectsAsync(collection, $"filter-lang=cql2-json&filter={Uri.EscapeDataString(filter)}", where);

    [Fact]
    public async Task A_point_selects_the_facility_there()
    {
        var page = await fixture.Client.GetJsonAsync(
            $"/ogc/collections/toilet/items?filter={Uri.EscapeDataString("S_INTERSECTS(geometry, POINT(-0.1276 51.5072))")}");
        Assert.Contains(fixture.FormulaId.ToString(), page.Features().Select(f => f.GetProperty("id").GetString()));
        var json = await fixture.Client.GetJsonAsync(
            "/ogc/collections/toilet/items?filter-lang=cql2-json&filter=" +
            Uri.EscapeDataString("""{"op":"s_intersects","args":[{"type":"Point","coordinates":[-0.1276,51.5072]},{"property":"geometry"}]}"""));
        Assert.Equal(page.Features().Select(f => f.GetProperty("id").GetString()), json.Features().Select(f => f.GetProperty("id").GetString()));
    }

    [Fact]
    public async Task Filter_crs_reads_the_geometries_of_the_filter_in_that_crs_and_its_axis_order()
    {
        // The British National Grid, easting then northing: central London.
        await AssertSelectsAsync("facilities",
            $"filter-crs={Uri.EscapeDataString("http://www.opengis.net/def/crs/EPSG/0/27700")}&filter={Uri.EscapeDataString("S_INTERSECTS(geometry, BBOX(525000, 175000, 535000, 185000))")}",
            "ST_Intersects(geom, ST_Transform(ST_MakeEnvelope(525000, 175000, 535000, 185000, 27700), 4326))");
        // EPSG:4326 is latitude first.
        await AssertSelectsAsync("facilities",
            $"filter-crs=EPSG:4326&filter={Uri.EscapeDataString("S_INTERSECTS(geometry, POLYGON((51.45 -0.2, 51.45 -0.05, 51.55 -0.05, 51.55 -0.2, 51.45 -0.2)))")}",
            "ST_Intersects(geom, " + London + ")");
    }

    [Theory]
    [InlineData("wheelchair = 'yes' AND AND fee = true", "character 24")]
    [InlineData("wheelchair = 'yes", "character 14")]
    [InlineData("wheelchair = ", "character 14")]
    [InlineData("wheelchair == 'yes'", "character 13")]
    [InlineData("colour = 'red'", "character 1")] // no such queryable
    [InlineData("fee = true AND seats = 3", "character 16")] // a bench's attribute, not a toilet's
    [InlineData("name LIKE 3", "character 11")]
    // PostgreSQL refuses a LIKE pattern that ends in its escape character once a row's text reaches it.
    [InlineData(@"name LIKE '\'", "character 11")]
    [InlineData(@"name LIKE 'Public\'", "character 11")]
    [InlineData(@"name LIKE '\\\'", "character 11")]
    [InlineData(@"CASEI(name) LIKE CASEI('x\')", "character 18")]
    [InlineData("""{"op":"like","args":[{"property":"name"},"\\"]}""", "/args/1")]
    [InlineData("fee = 'maybe'", "character 7")]
    [InlineData("updated_at > DATE('2026-13-01')", "character 19")]
    [InlineData("T_AFTER(updated_at, TIMESTAMP('2026-01-01T00:00:00Z'))", "character 1")]
    [InlineData("S_INTERSECTS(geometry, POLYGON((0 0, 1 1, 0 0)))", "character 24")]
    [InlineData("S_INTERSECTS(name, POINT(0 0))", "character 14")]
    [InlineData("S_INTERSECTS(geometry, BBOX(1, 2, 3))", "character 24")]
    [InlineData("geometry = 'x'", "character 1")]
    [InlineData("wheelchair = 'yes'; drop table facilities", "character 19")]
    [InlineData("""{"op":"=","args":[{"property":"wheelchair"}]}""", "/args")] // sent as CQL2 JSON below
    [InlineData("""{"op":"=","args":[{"property":"wheelchair"},"yes"]""", "line 1")]
    [InlineData("""{"op":"and","args":[{"op":"=","args":[{"property":"fee"},true]},{"op":"=","args":[{"property":"colour"},"red"]}]}""", "/args/1/args/0")]
    [InlineData("""{"op":"s_intersects","args":[{"property":"geometry"},{"type":"Polygon","coordinates":[[[0,0],[1,1],[0,0]]]}]}""", "/args/1/coordinates/0")]
    [InlineData("""{"op":"s_intersects","args":[{"property":"geometry"},{"type":"GeometryCollection","geometries":[]}]}""", "/args/1/geometries")]
    [InlineData("""{"op":"s_intersects","args":[{"property":"geometry"},{"type":"GeometryCollection","geometries":[{"type":"GeometryCollection","geometries":[]}]}]}""", "/args/1/geometries/0/geometries")]
    public async Task A_filter_that_does_not_parse_or_fit_is_a_400_naming_filter_and_the_position(string filter, string position)
    {
        var language = filter.StartsWith('{') ? "&filter-lang=cql2-json" : "";
        using var response = await fixture.Client.GetAsync($"/ogc/collections/toilet/items?filter={Uri.EscapeDataString(filter)}{language}");
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, body);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var errors = JsonDocument.Parse(body).RootElement.GetProperty("errors");
        Assert.True(errors.TryGetProperty("filter", out var messages), body);
        Assert.Contains(position, messages[0].GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("filter=fee%3Dtrue&filter-lang=sql", "filter-lang")]
    [InlineData("filter=fee%3Dtrue&filter-crs=EPSG:9999", "filter-crs")]
    [InlineData("filter-lang=cql2-text", "filter-lang")]
    [InlineData("filter-crs=EPSG:27700", "filter-crs")]
    public async Task Filter_lang_and_filter_crs_are_checked(string query, string parameter)
    {
        using var response = await fixture.Client.GetAsync($"/ogc/collections/toilet/items?{query}");
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, body);
        Assert.True(JsonDocument.Parse(body).RootElement.GetProperty("errors").TryGetProperty(parameter, out _), body);
    }

    [Fact]
    public async Task A_refusal_in_chinese_keeps_the_position()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/ogc/collections/toilet/items?filter={Uri.EscapeDataString("colour = 'red'")}");
        request.Headers.AcceptLanguage.ParseAdd("zh-CN");
        using var response = await fixture.Client.SendAsync(request);
        var detail = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("errors").GetProperty("filter")[0].GetString()!;
        Assert.StartsWith("在 character 1 处：'colour' 不是 'toilet' 的可查询属性", detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Conformance_declares_the_filter_and_cql2_classes()
    {
        var classes = (await fixture.Client.GetJsonAsync("/ogc/conformance")).GetProperty("conformsTo").EnumerateArray().Select(c => c.GetString()).ToList();
        foreach (var c in (string[])["ogcapi-features-3/1.0/conf/filter", "ogcapi-features-3/1.0/conf/features-filter", "cql2/1.0/conf/cql2-text",
                     "cql2/1.0/conf/cql2-json", "cql2/1.0/conf/basic-cql2", "cql2/1.0/conf/advanced-comparison-operators",
                     "cql2/1.0/conf/case-insensitive-comparison", "cql2/1.0/conf/basic-spatial-functions", "cql2/1.0/conf/basic-spatial-functions-plus",
                     "cql2/1.0/conf/spatial-functions"])
        {
            Assert.Contains("http://www.opengis.net/spec/" + c, classes);
        }
    }

    /// <summary>Pages through the items with the query, a few to a page, and compares them with the SQL's in id order.</summary>
    private async Task AssertSelectsAsync(string collection, string query, string where)
    {
        var scope = collection == "facilities" ? "status <> 'removed'" : $"status <> 'removed' and category = '{collection}'";
        var expected = await IdsAsync($"select id::text from facilities where {scope} and ({where}) order by id");
        var seen = new List<string>();
        var limit = Math.Max(3, (expected.Count / 3) + 1);
        string? url = $"/ogc/collections/{collection}/items?{query}&limit={limit}";
        var pages = 0;
        while (url is not null)
        {
            var page = await fixture.Client.GetJsonAsync(url);
            Assert.Equal(expected.Count, page.GetProperty("numberMatched").GetInt64());
            seen.AddRange(page.Features().Select(f => f.GetProperty("id").GetString()!));
            url = page.GetProperty("links").EnumerateArray().Where(l => l.GetProperty("rel").GetString() == "next")
                .Select(l => l.GetProperty("href").GetString()).SingleOrDefault();
            Assert.True(url is null || url.Contains("filter=", StringComparison.Ordinal), url);
            Assert.True(++pages < 20, "paging does not end");
        }
        Assert.Equal(expected, seen);
    }

    private async Task<List<string>> IdsAsync(string sql)
    {
        await using var dataSource = fixture.Database.CreateDataSource();
        await using var command = dataSource.CreateCommand(sql);
        await using var reader = await command.ExecuteReaderAsync();
        var ids = new List<string>();
        while (await reader.ReadAsync())
        {
            ids.Add(reader.GetString(0));
        }
        return ids;
    }
}
