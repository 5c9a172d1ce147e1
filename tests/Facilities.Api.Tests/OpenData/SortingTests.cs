using System.Net;
using System.Text.Json;

namespace Facilities.Api.Tests.OpenData;

/// <summary>
/// The sorting extension: each collection's sortables as a JSON Schema, sortby ordering the items as the database
/// orders the same keys (nulls last, the id breaking ties), and next links that continue that order exactly once
/// over every feature.
/// </summary>
public sealed class SortingTests(OpenDataFixture fixture) : IClassFixture<OpenDataFixture>
{
    [Fact]
    public async Task Sortables_are_a_json_schema_per_collection_linked_from_it_and_declared_in_conformance()
    {
        using var response = await fixture.Client.GetAsync("/ogc/collections/bench/sortables");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/schema+json", response.Content.Headers.ContentType?.MediaType);
        var schema = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal($"{fixture.BaseUrl}/ogc/collections/bench/sortables", schema.GetProperty("$id").GetString());
        Assert.Equal("object", schema.GetProperty("type").GetString());
        var properties = schema.GetProperty("properties");
        foreach (var name in (string[])["id", "name", "updated_at", "confidence", "seats", "wheelchair"])
        {
            Assert.True(properties.TryGetProperty(name, out var property), name);
            Assert.True(property.TryGetProperty("type", out _), name);
        }
        Assert.False(properties.TryGetProperty("gender", out _), "a list has no order");

        var links = (await fixture.Client.GetJsonAsync("/ogc/collections/bench")).GetProperty("links").EnumerateArray();
        Assert.Contains(links, l => l.GetProperty("rel").GetString() == "http://www.opengis.net/def/rel/ogc/1.0/sortables"
                                    && l.GetProperty("href").GetString() == $"{fixture.BaseUrl}/ogc/collections/bench/sortables");
        var classes = (await fixture.Client.GetJsonAsync("/ogc/conformance")).GetProperty("conformsTo").EnumerateArray().Select(c => c.GetString());
        Assert.Contains("http://www.opengis.net/spec/ogcapi-features-8/1.0/conf/sortables", classes);
        Assert.Contains("http://www.opengis.net/spec/ogcapi-features-8/1.0/conf/features-sorting", classes);
    }

    [Theory]
    [InlineData("facilities", "-updated_at,name", "updated_at desc, name asc nulls last, id", 400)]
    [InlineData("toilet", "-last_verified_at,%2Bname", "last_verified_at desc nulls last, name asc nulls last, id", 37)]
    [InlineData("toilet", "+wheelchair,-confidence", "wheelchair, confidence desc, id", 50)]
    [InlineData("bench", "-seats", "(attributes ->> 'seats')::bigint desc nulls last, id", 7)]
    [InlineData("facilities", "-id", "id desc", 1000)]
    [InlineData("facilities", "category,-version", "category, version desc, id", 999)]
    public async Task Sortby_orders_the_items_as_the_database_and_next_links_continue_the_order_exactly_once(
        string collection, string sortby, string order, int limit)
    {
        var where = collection == "facilities" ? "status <> 'removed'" : $"status <> 'removed' and category = '{collection}'";
        var expected = await IdsAsync($"select id::text from facilities where {where} order by {order}");
        var seen = new List<string>();
        string? url = $"/ogc/collections/{collection}/items?sortby={sortby}&limit={limit}";
        var pages = 0;
        while (url is not null)
        {
            var page = await fixture.Client.GetJsonAsync(url);
            Assert.Equal(expected.Count, page.GetProperty("numberMatched").GetInt64());
            seen.AddRange(page.Features().Select(f => f.GetProperty("id").GetString()!));
            url = page.GetProperty("links").EnumerateArray().Where(l => l.GetProperty("rel").GetString() == "next")
                .Select(l => l.GetProperty("href").GetString()).SingleOrDefault();
            Assert.True(url is null || url.Contains("sortby=", StringComparison.Ordinal), url);
            Assert.True(++pages < 200, "paging does not end");
        }
        Assert.True(pages > 1 || expected.Count <= limit);
        Assert.Equal(expected, seen);
    }

    [Fact]
    public async Task A_cursor_of_one_order_is_refused_in_another()
    {
        var first = await fixture.Client.GetJsonAsync("/ogc/collections/facilities/items?sortby=name&limit=5");
        var next = first.GetProperty("links").EnumerateArray().Single(l => l.GetProperty("rel").GetString() == "next").GetProperty("href").GetString()!;
        var cursor = next[(next.IndexOf("cursor=", StringComparison.Ordinal) + 7)..].Split('&')[0];
        foreach (var url in (string[])[$"/ogc/collections/facilities/items?sortby=-name&cursor={cursor}", $"/ogc/collections/facilities/items?cursor={cursor}"])
        {
            using var response = await fixture.Client.GetAsync(url);
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, body);
            Assert.True(JsonDocument.Parse(body).RootElement.GetProperty("errors").TryGetProperty("cursor", out _), body);
        }
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
