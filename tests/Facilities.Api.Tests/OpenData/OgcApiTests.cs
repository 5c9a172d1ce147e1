using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Facilities.Api.Data;

namespace Facilities.Api.Tests.OpenData;

/// <summary>OGC API – Features Part 1 at /ogc, read as a client reads it: through links, against the database.</summary>
public sealed class OgcApiTests(OpenDataFixture fixture) : IClassFixture<OpenDataFixture>
{
    private const string Visible = "status <> 'removed'";

    [Fact]
    public async Task Landing_page_links_the_api_definition_conformance_and_collections_with_absolute_typed_links()
    {
        var landing = await fixture.Client.GetJsonAsync("/ogc");
        var links = Links(landing);
        AssertWellFormed(links);
        foreach (var rel in (string[])["self", "alternate", "service-desc", "service-doc", "conformance", "data", "license"])
        {
            Assert.Contains(links, l => l.Rel == rel);
        }
        Assert.Equal($"{fixture.BaseUrl}/ogc/collections", links.Single(l => l.Rel == "data").Href);

        // Every link the landing page gives leads somewhere that answers.
        foreach (var link in links)
        {
            using var response = await fixture.Client.GetAsync(link.Href);
            Assert.True(response.IsSuccessStatusCode, $"{link.Rel} {link.Href} answered {(int)response.StatusCode}");
        }
    }

    [Fact]
    public async Task Conformance_declares_core_geojson_and_html()
    {
        var conformance = await fixture.Client.GetJsonAsync("/ogc/conformance");
        var classes = conformance.GetProperty("conformsTo").EnumerateArray().Select(c => c.GetString()).ToList();
        Assert.Contains("http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core", classes);
        Assert.Contains("http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson", classes);
        Assert.Contains("http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html", classes);
    }

    [Fact]
    public async Task Collections_are_all_facilities_and_one_per_category_with_the_extent_of_their_data()
    {
        var body = await fixture.Client.GetJsonAsync("/ogc/collections");
        AssertWellFormed(Links(body));
        var collections = body.GetProperty("collections").EnumerateArray().ToList();
        Assert.Equal(["facilities", "toilet", "drinking_water", "aed", "shower", "bench"],
            collections.Select(c => c.GetProperty("id").GetString()));

        await using var dataSource = fixture.Database.CreateDataSource();
        foreach (var collection in collections)
        {
            var id = collection.GetProperty("id").GetString()!;
            Assert.Equal("feature", collection.GetProperty("itemType").GetString());
            Assert.Contains("http://www.opengis.net/def/crs/OGC/1.3/CRS84", collection.GetProperty("crs").EnumerateArray().Select(c => c.GetString()));
            var links = Links(collection);
            AssertWellFormed(links);
            Assert.Contains(links, l => l.Rel == "items" && l.Type == "application/geo+json");

            // The extent is the data's: compared with a full scan done here the slow, obvious way.
            await using var command = dataSource.CreateCommand(
                "select min(ST_X(geom)), min(ST_Y(geom)), max(ST_X(geom)), max(ST_Y(geom)), min(updated_at), max(updated_at) " +
                $"from facilities where {Visible} and ($1 = 'facilities' or category = $1)");
            command.Parameters.AddWithValue(id);
            await using var reader = await command.ExecuteReaderAsync();
            await reader.ReadAsync();
            var bbox = collection.GetProperty("extent").GetProperty("spatial").GetProperty("bbox")[0].EnumerateArray().Select(v => v.GetDouble()).ToArray();
            Assert.Equal([reader.GetDouble(0), reader.GetDouble(1), reader.GetDouble(2), reader.GetDouble(3)], bbox);
            var interval = collection.GetProperty("extent").GetProperty("temporal").GetProperty("interval")[0];
            Assert.Equal(reader.GetDateTime(4), interval[0].GetDateTime().ToUniversalTime());
            Assert.Equal(reader.GetDateTime(5), interval[1].GetDateTime().ToUniversalTime());

            var single = await fixture.Client.GetJsonAsync($"/ogc/collections/{id}");
            Assert.Equal(collection.GetProperty("extent").GetRawText(), single.GetProperty("extent").GetRawText());
        }
    }

    [Theory]
    [InlineData("facilities", 500)]
    [InlineData("toilet", 333)]
    [InlineData("bench", 10_000)]
    public async Task Next_links_page_through_every_facility_of_a_collection_exactly_once(string collection, int limit)
    {
        var expected = await IdsAsync(collection == "facilities" ? Visible : $"{Visible} and category = '{collection}'");
        var seen = new List<string>();
        string? url = $"/ogc/collections/{collection}/items?limit={limit}";
        var pages = 0;
        while (url is not null)
        {
            var page = await fixture.Client.GetJsonAsync(url);
            var ids = page.Features().Select(f => f.GetProperty("id").GetString()!).ToList();
            Assert.Equal(ids.Count, page.GetProperty("numberReturned").GetInt32());
            Assert.Equal(expected.Count, page.GetProperty("numberMatched").GetInt64());
            Assert.True(page.GetProperty("timeStamp").GetDateTime() > DateTime.UtcNow.AddMinutes(-5));
            Assert.True(ids.Count <= limit);
            AssertWellFormed(Links(page));
            seen.AddRange(ids);
            url = Links(page).SingleOrDefault(l => l.Rel == "next")?.Href;
            if (url is not null)
            {
                Assert.Equal(limit, ids.Count);
                Assert.StartsWith(fixture.BaseUrl, url, StringComparison.Ordinal);
            }
            Assert.True(++pages < 100, "paging does not end");
        }
        Assert.Equal(expected, seen);
        Assert.DoesNotContain(fixture.RemovedId.ToString(), seen);
    }

    [Fact]
    public async Task Offset_and_limit_select_a_slice_of_the_id_order()
    {
        var all = await IdsAsync($"{Visible} and category = 'aed'");
        var page = await fixture.Client.GetJsonAsync("/ogc/collections/aed/items?offset=5&limit=3");
        Assert.Equal(all.Skip(5).Take(3), page.Features().Select(f => f.GetProperty("id").GetString()));
        Assert.Equal(all.Count, page.GetProperty("numberMatched").GetInt64());
        var beyond = await fixture.Client.GetJsonAsync($"/ogc/collections/aed/items?offset={all.Count}");
        Assert.Empty(beyond.Features());
        Assert.DoesNotContain(Links(beyond), l => l.Rel == "next");
    }

    [Theory]
    [InlineData("-0.2,51.45,0.0,51.56", "geom && ST_MakeEnvelope(-0.2, 51.45, 0.0, 51.56, 4326)")]
    // West > east: across the antimeridian, where the demo data has Fiji on both sides of 180°.
    [InlineData("179.5,-17.5,-179.5,-16", "(geom && ST_MakeEnvelope(179.5, -17.5, 180, -16, 4326) or geom && ST_MakeEnvelope(-180, -17.5, -179.5, -16, 4326))")]
    public async Task Bbox_selects_the_facilities_inside_including_across_the_antimeridian(string bbox, string sql)
    {
        var expected = await IdsAsync($"{Visible} and {sql}");
        Assert.NotEmpty(expected);
        var page = await fixture.Client.GetJsonAsync($"/ogc/collections/facilities/items?bbox={bbox}&limit=10000");
        Assert.Equal(expected, page.Features().Select(f => f.GetProperty("id").GetString()));
        Assert.Equal(expected.Count, page.GetProperty("numberMatched").GetInt64());
        if (bbox.StartsWith("179.5", StringComparison.Ordinal))
        {
            var longitudes = page.Features().Select(f => f.GetProperty("geometry").GetProperty("coordinates")[0].GetDouble()).ToList();
            Assert.Contains(longitudes, lon => lon > 179.5);
            Assert.Contains(longitudes, lon => lon < -179.5);
        }
    }

    [Fact]
    public async Task Datetime_filters_on_updated_at_with_instants_dates_and_open_or_closed_intervals()
    {
        await using var dataSource = fixture.Database.CreateDataSource();
        await using var command = dataSource.CreateCommand(
            $"select updated_at from facilities where {Visible} order by updated_at offset (select count(*) / 2 from facilities) limit 1");
        var middle = (DateTime)(await command.ExecuteScalarAsync())!;
        var instant = middle.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);
        var day = middle.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var cases = new (string Datetime, string Sql)[]
        {
            (instant, $"updated_at = '{instant}'"),
            (day, $"updated_at >= '{day}' and updated_at < date '{day}' + 1"),
            ($"../{instant}", $"updated_at <= '{instant}'"),
            ($"{instant}/..", $"updated_at >= '{instant}'"),
            ($"/{day}", $"updated_at < date '{day}' + 1"),
            ($"2025-12-01T00:00:00+08:00/{day}", $"updated_at >= '2025-11-30T16:00:00Z' and updated_at < date '{day}' + 1"),
            ("../..", "true"),
        };
        foreach (var (datetime, sql) in cases)
        {
            var expected = await IdsAsync($"{Visible} and {sql}");
            var page = await fixture.Client.GetJsonAsync($"/ogc/collections/facilities/items?limit=10000&datetime={Uri.EscapeDataString(datetime)}");
            Assert.True(expected.SequenceEqual(page.Features().Select(f => f.GetProperty("id").GetString()!)),
                $"datetime={datetime}: expected {expected.Count}, got {page.GetProperty("numberReturned").GetInt32()}");
            Assert.Equal(expected.Count, page.GetProperty("numberMatched").GetInt64());
        }
    }

    [Fact]
    public async Task One_item_is_a_feature_of_its_collection_and_other_collections_or_removed_ones_are_404()
    {
        var id = fixture.FormulaId;
        var feature = await fixture.Client.GetJsonAsync($"/ogc/collections/toilet/items/{id}");
        Assert.Equal("Feature", feature.GetProperty("type").GetString());
        Assert.Equal(id.ToString(), feature.GetProperty("id").GetString());
        Assert.Equal(OpenDataFixture.FormulaName, feature.GetProperty("properties").GetProperty("name").GetString());
        Assert.Equal([-0.1276, 51.5072], feature.GetProperty("geometry").GetProperty("coordinates").EnumerateArray().Select(c => c.GetDouble()));
        AssertWellFormed(Links(feature));
        Assert.Contains(Links(feature), l => l.Rel == "collection");
        Assert.Equal(id.ToString(), (await fixture.Client.GetJsonAsync($"/ogc/collections/facilities/items/{id}")).GetProperty("id").GetString());

        foreach (var url in (string[])[$"/ogc/collections/bench/items/{id}", $"/ogc/collections/toilet/items/{fixture.RemovedId}",
                     $"/ogc/collections/toilet/items/{Guid.NewGuid()}", "/ogc/collections/toilet/items/not-an-id", $"/ogc/collections/spaceship/items/{id}"])
        {
            using var response = await fixture.Client.GetAsync(url);
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }
    }

    [Theory]
    [InlineData("/ogc?f=html", "Facilities")]
    [InlineData("/ogc/conformance?f=html", "conf/core")]
    [InlineData("/ogc/collections?f=html", "Drinking water")]
    [InlineData("/ogc/collections/aed?f=html", "Defibrillator")]
    [InlineData("/ogc/collections/bench/items?f=html&limit=5000", "Café &quot;Le Coin&quot;")]
    public async Task Html_pages_exist_for_browsers_and_encode_the_data(string url, string expected)
    {
        using var response = await fixture.Client.GetAsync(url);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.StartsWith("<!doctype html>", html, StringComparison.Ordinal);
        Assert.Contains(expected, html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);

        // A browser asking for text/html gets the same page without f.
        using var request = new HttpRequestMessage(HttpMethod.Get, url.Replace("f=html&", "", StringComparison.Ordinal).Replace("?f=html", "", StringComparison.Ordinal));
        request.Headers.Accept.ParseAdd("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8");
        using var browser = await fixture.Client.SendAsync(request);
        Assert.Equal("text/html", browser.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("/ogc/collections")]
    [InlineData("/ogc/collections/toilet")]
    [InlineData("/ogc/collections/toilet/items?limit=50")]
    [InlineData("/ogc/collections/facilities/items?bbox=-0.2,51.45,0.0,51.56")]
    public async Task Collections_and_pages_carry_an_etag_and_answer_304_while_unchanged(string url)
    {
        using var first = await fixture.Client.GetAsync(url);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var etag = first.Headers.ETag;
        Assert.NotNull(etag);
        Assert.Contains("max-age=", first.Headers.CacheControl?.ToString(), StringComparison.Ordinal);

        using var again = new HttpRequestMessage(HttpMethod.Get, url);
        again.Headers.IfNoneMatch.Add(etag);
        using var notModified = await fixture.Client.SendAsync(again);
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
        Assert.Equal(etag, notModified.Headers.ETag);
        Assert.Empty(await notModified.Content.ReadAsByteArrayAsync());

        using var other = new HttpRequestMessage(HttpMethod.Get, url);
        other.Headers.IfNoneMatch.Add(new EntityTagHeaderValue("\"something-else\"", isWeak: true));
        using var changed = await fixture.Client.SendAsync(other);
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
    }

    [Fact]
    public async Task An_edit_changes_the_etag_of_the_pages_and_collections_it_shows_up_in()
    {
        async Task<EntityTagHeaderValue> Tag(string url)
        {
            using var response = await fixture.Client.GetAsync(url);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return response.Headers.ETag!;
        }
        const string page = "/ogc/collections/shower/items?bbox=151,-34.2,151.5,-33.7&limit=10000";
        var (pageTag, collectionTag) = (await Tag(page), await Tag("/ogc/collections/shower"));
        Assert.Equal(pageTag, await Tag(page));

        await using var dataSource = fixture.Database.CreateDataSource();
        // A new facility at the edge of the data moves the extent, and lands in the page.
        await OpenDataFixture.CreateAsync(dataSource, new FacilityState { Category = "shower", Lon = 151.49, Lat = -34.19, Name = "Beach shower" });
        Assert.NotEqual(pageTag, await Tag(page));
        Assert.NotEqual(collectionTag, await Tag("/ogc/collections/shower"));
    }

    [Fact]
    public async Task A_facility_read_carries_an_etag_of_its_id_and_version_and_answers_304()
    {
        var url = $"/api/v1/facilities/{fixture.QuotedId}";
        using var first = await fixture.Client.GetAsync(url);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var etag = first.Headers.ETag!;
        Assert.True(etag.IsWeak);
        Assert.Contains(fixture.QuotedId.ToString(), etag.Tag, StringComparison.Ordinal);
        Assert.Contains("no-cache", first.Headers.CacheControl?.ToString(), StringComparison.Ordinal);

        using var again = new HttpRequestMessage(HttpMethod.Get, url);
        again.Headers.IfNoneMatch.Add(etag);
        using var notModified = await fixture.Client.SendAsync(again);
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);

        // The version is part of the tag: a newer version is not the copy the client holds.
        await using var dataSource = fixture.Database.CreateDataSource();
        await using (var bump = dataSource.CreateCommand($"update facilities set version = version + 1 where id = '{fixture.QuotedId}'"))
        {
            await bump.ExecuteNonQueryAsync();
        }
        using var stale = new HttpRequestMessage(HttpMethod.Get, url);
        stale.Headers.IfNoneMatch.Add(etag);
        using var changed = await fixture.Client.SendAsync(stale);
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        Assert.NotEqual(etag, changed.Headers.ETag);
        await using (var restore = dataSource.CreateCommand($"update facilities set version = version - 1 where id = '{fixture.QuotedId}'"))
        {
            await restore.ExecuteNonQueryAsync();
        }
    }

    [Theory]
    [InlineData("/ogc?f=xml", "f")]
    [InlineData("/ogc?color=blue", "color")]
    [InlineData("/ogc/conformance?f=pdf", "f")]
    [InlineData("/ogc/collections?f=", "f")]
    [InlineData("/ogc/collections/toilet?limit=5", "limit")]
    [InlineData("/ogc/collections/toilet/items?f=csv", "f")]
    [InlineData("/ogc/collections/toilet/items?bbox=1,2,3", "bbox")]
    [InlineData("/ogc/collections/toilet/items?bbox=1,2,3,4,5", "bbox")]
    [InlineData("/ogc/collections/toilet/items?bbox=1,2,0,3,4,10", "bbox")] // 3D boxes: the data has no heights
    [InlineData("/ogc/collections/toilet/items?bbox=1,2,3,4,5,6,7", "bbox")]
    [InlineData("/ogc/collections/toilet/items?bbox=a,b,c,d", "bbox")]
    [InlineData("/ogc/collections/toilet/items?bbox=-0.2,51.5,-0.1,NaN", "bbox")]
    [InlineData("/ogc/collections/toilet/items?bbox=-181,51.5,-0.1,51.6", "bbox")]
    [InlineData("/ogc/collections/toilet/items?bbox=-0.2,51.6,-0.1,51.5", "bbox")] // minLat > maxLat
    [InlineData("/ogc/collections/toilet/items?bbox=", "bbox")]
    [InlineData("/ogc/collections/toilet/items?limit=0", "limit")]
    [InlineData("/ogc/collections/toilet/items?limit=-1", "limit")]
    [InlineData("/ogc/collections/toilet/items?limit=10001", "limit")]
    [InlineData("/ogc/collections/toilet/items?limit=99999999999999", "limit")]
    [InlineData("/ogc/collections/toilet/items?limit=ten", "limit")]
    [InlineData("/ogc/collections/toilet/items?offset=-1", "offset")]
    [InlineData("/ogc/collections/toilet/items?offset=1000001", "offset")]
    [InlineData("/ogc/collections/toilet/items?offset=1e3", "offset")]
    [InlineData("/ogc/collections/toilet/items?datetime=yesterday", "datetime")]
    [InlineData("/ogc/collections/toilet/items?datetime=2026-13-01", "datetime")]
    [InlineData("/ogc/collections/toilet/items?datetime=2026-02-30T00:00:00Z", "datetime")]
    [InlineData("/ogc/collections/toilet/items?datetime=2026-01-01T10:00:00", "datetime")] // RFC 3339 needs an offset
    [InlineData("/ogc/collections/toilet/items?datetime=2026-02-01/2026-01-01", "datetime")] // ends before it starts
    [InlineData("/ogc/collections/toilet/items?datetime=2026-01-01/2026-02-01/2026-03-01", "datetime")]
    [InlineData("/ogc/collections/toilet/items?datetime=", "datetime")]
    [InlineData("/ogc/collections/toilet/items?cursor=not-a-cursor", "cursor")]
    [InlineData("/ogc/collections/toilet/items?cursor=djE6bm90LWEtZ3VpZA", "cursor")] // "v1:not-a-guid"
    [InlineData("/ogc/collections/toilet/items?cursor=djE6MDE5MGI1ZDItMDAwMC03MDAwLTgwMDAtMDAwMDAwMDAwMDAwfDU", "cursor")] // forged: "v1:<uuid>|5"
    [InlineData("/ogc/collections/toilet/items?bbox-crs=http://www.opengis.net/def/crs/EPSG/0/4326", "bbox-crs")] // a bbox-crs without a bbox
    [InlineData("/ogc/collections/toilet/items?seats=3", "seats")] // a bench attribute, not a toilet queryable
    [InlineData("/ogc/collections/toilet/items?colour=red", "colour")]
    [InlineData("/ogc/collections/toilet/items?wheelchair=maybe", "wheelchair")]
    [InlineData("/ogc/collections/bench/items?seats=three", "seats")]
    [InlineData("/ogc/collections/toilet/items?fee=perhaps", "fee")]
    [InlineData("/ogc/collections/toilet/items?updated_at=yesterday", "updated_at")]
    [InlineData("/ogc/collections/toilet/items?wheelchair=yes&wheelchair=no", "wheelchair")]
    [InlineData("/ogc/collections/toilet/items?sortby=gender", "sortby")] // a list has no order
    [InlineData("/ogc/collections/toilet/items?sortby=seats", "sortby")] // a bench's attribute
    [InlineData("/ogc/collections/toilet/items?sortby=name,-name", "sortby")]
    [InlineData("/ogc/collections/toilet/items?sortby=", "sortby")]
    [InlineData("/ogc/collections/toilet/items?sortby=--name", "sortby")]
    [InlineData("/ogc/collections/toilet/items?sortby=THIS%20IS%20NOT%20A%20SORTBY%20EXPRESSION", "sortby")]
    [InlineData("/ogc/collections/toilet/sortables?f=html", "f")]
    [InlineData("/ogc/collections/toilet/queryables?f=html", "f")]
    [InlineData("/ogc/collections/toilet/schema?limit=1", "limit")]
    [InlineData("/ogc/collections/toilet/items/0190b5d2-0000-7000-8000-000000000000?f=xml", "f")]
    public async Task Bad_ogc_input_is_a_400_problem_naming_the_parameter(string url, string parameter)
    {
        using var response = await fixture.Client.GetAsync(url);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{url} answered {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(body).RootElement;
        Assert.Equal(400, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()));
        Assert.True(problem.GetProperty("errors").TryGetProperty(parameter, out var messages), $"errors should name '{parameter}': {body}");
        Assert.Contains(messages.EnumerateArray(), m => !string.IsNullOrWhiteSpace(m.GetString()));
    }

    [Theory]
    [InlineData("/ogc/collections/spaceship")]
    [InlineData("/ogc/collections/spaceship/items")]
    [InlineData("/ogc/collections/Toilet/items")]
    [InlineData("/ogc/collections/%27%3B%20drop%20table%20facilities/items")]
    [InlineData("/ogc/collections/toilet/items/0190b5d2-0000-7000-8000-000000000000")]
    public async Task Unknown_collection_or_item_is_a_404_problem(string url)
    {
        using var response = await fixture.Client.GetAsync(url);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(404, problem.GetProperty("status").GetInt32());
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

    private sealed record OgcLinkJson(string Href, string Rel, string Type);

    private static List<OgcLinkJson> Links(JsonElement element) =>
        [.. element.GetProperty("links").EnumerateArray().Select(l => new OgcLinkJson(
            l.GetProperty("href").GetString()!, l.GetProperty("rel").GetString()!, l.GetProperty("type").GetString()!))];

    private void AssertWellFormed(List<OgcLinkJson> links)
    {
        Assert.NotEmpty(links);
        Assert.All(links, l =>
        {
            Assert.True(Uri.TryCreate(l.Href, UriKind.Absolute, out _), $"{l.Href} is not absolute");
            Assert.False(string.IsNullOrEmpty(l.Rel));
            Assert.False(string.IsNullOrEmpty(l.Type));
        });
        Assert.Contains(links, l => l.Rel == "self");
        Assert.All(links.Where(l => l.Href.StartsWith("http://127.0.0.1", StringComparison.Ordinal)),
            l => Assert.StartsWith(fixture.BaseUrl, l.Href, StringComparison.Ordinal));
    }
}
