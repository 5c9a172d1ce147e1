using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Facilities.Api.Data;
using NetTopologySuite.Geometries;
using NetTopologySuite.IO.VectorTiles.Mapbox;
using Npgsql;
using Tile = NetTopologySuite.IO.VectorTiles.Tiles.Tile;

namespace Facilities.Api.Tests.OpenData;

/// <summary>
/// OGC API – Tiles: Mapbox Vector Tiles that a real decoder (NetTopologySuite.IO.VectorTiles) reads back to the
/// facilities in the tile, clusters whose counts add up at low zoom, ETags that follow edits, and bad tile addresses.
/// </summary>
public sealed class VectorTileTests(OpenDataFixture fixture) : IClassFixture<OpenDataFixture>
{
    private const string MvtType = "application/vnd.mapbox-vector-tile";

    [Fact]
    public async Task A_street_zoom_tile_decodes_to_exactly_the_facilities_in_it_with_their_names()
    {
        // The fixture's London toilet, and the removed one a few hundred metres away.
        var (x, y) = TileOf(13, -0.1276, 51.5072);
        var features = await DecodeAsync($"/ogc/collections/facilities/tiles/WebMercatorQuad/13/{y}/{x}", 13, x, y, "facilities");
        var inside = features.Where(f => Inside(f, 13, x, y)).ToList();

        var expected = await FacilitiesInTileAsync(13, x, y, category: null);
        Assert.NotEmpty(expected);
        Assert.Equal(expected.Keys.Order(), inside.Select(f => Guid.Parse((string)f.Attributes["id"])).Order());
        Assert.DoesNotContain(features, f => (string)f.Attributes["id"] == fixture.RemovedId.ToString());
        foreach (var feature in inside)
        {
            var id = Guid.Parse((string)feature.Attributes["id"]);
            Assert.Equal(expected[id].Name, feature.Attributes.Exists("name") ? (string)feature.Attributes["name"] : null);
            Assert.Equal(expected[id].Category, (string)feature.Attributes["category"]);
            // The decoder returns WGS 84; a tile of 4096 units at zoom 13 places a point within about 1.2 m.
            var point = (Point)feature.Geometry;
            Assert.InRange(point.X - expected[id].Lon, -2e-5, 2e-5);
            Assert.InRange(point.Y - expected[id].Lat, -2e-5, 2e-5);
        }
        var formula = inside.Single(f => (string)f.Attributes["id"] == fixture.FormulaId.ToString());
        Assert.Equal(OpenDataFixture.FormulaName, (string)formula.Attributes["name"]);
        Assert.Equal("yes", (string)formula.Attributes["wheelchair"]);
        Assert.True((bool)formula.Attributes["fee"]);

        // A category's tile holds that category only, in a layer named by it.
        var toilets = await DecodeAsync($"/ogc/collections/toilet/tiles/WebMercatorQuad/13/{y}/{x}", 13, x, y, "toilet");
        Assert.Equal((await FacilitiesInTileAsync(13, x, y, "toilet")).Keys.Order(),
            toilets.Where(f => Inside(f, 13, x, y)).Select(f => Guid.Parse((string)f.Attributes["id"])).Order());
    }

    [Theory]
    [InlineData("/ogc/tiles/WebMercatorQuad/0/0/0", "facilities", null)]
    [InlineData("/ogc/collections/facilities/tiles/WebMercatorQuad/0/0/0", "facilities", null)]
    [InlineData("/ogc/collections/toilet/tiles/WebMercatorQuad/0/0/0", "toilet", "toilet")]
    [InlineData("/ogc/collections/bench/tiles/WebMercatorQuad/0/0/0", "bench", "bench")]
    public async Task At_world_zoom_the_clusters_of_a_tile_count_every_facility_once(string url, string layer, string? category)
    {
        var features = await DecodeAsync(url, 0, 0, 0, layer);
        var counted = features.Sum(f => Convert.ToInt64(f.Attributes["count"], System.Globalization.CultureInfo.InvariantCulture));
        var filter = category is null ? "" : $" and category = '{category}'";
        Assert.Equal(await fixture.ScalarAsync($"select count(*) from facilities where status <> 'removed'{filter}"), counted);
        // Clusters, not single points: fewer features than facilities, and a cluster of one names its facility.
        Assert.True(features.Count < counted, $"{features.Count} features for {counted} facilities");
        Assert.All(features.Where(f => Convert.ToInt64(f.Attributes["count"], System.Globalization.CultureInfo.InvariantCulture) == 1),
            f => Assert.True(Guid.TryParse((string)f.Attributes["id"], out _)));
        if (category is not null)
        {
            Assert.All(features, f => Assert.Equal(category, (string)f.Attributes["category"]));
        }
    }

    [Fact]
    public async Task An_edit_inside_a_tile_changes_its_etag_and_a_tile_elsewhere_stays_not_modified()
    {
        var (x, y) = TileOf(14, -0.1276, 51.5072);
        var london = $"/ogc/collections/facilities/tiles/WebMercatorQuad/14/{y}/{x}";
        var (sx, sy) = TileOf(14, 151.2093, -33.8688);
        var sydney = $"/ogc/collections/facilities/tiles/WebMercatorQuad/14/{sy}/{sx}";
        var before = await EtagAsync(london);
        var elsewhere = await EtagAsync(sydney);
        var world = await EtagAsync("/ogc/tiles/WebMercatorQuad/0/0/0");
        Assert.Equal(HttpStatusCode.NotModified, await StatusWithAsync(london, before));

        Guid added;
        await using (var dataSource = fixture.Database.CreateDataSource())
        {
            added = await OpenDataFixture.CreateAsync(dataSource, new FacilityState
            {
                Category = "drinking_water",
                Lon = -0.1270,
                Lat = 51.5070,
                Name = "New fountain for the tile test",
            });
        }

        var after = await EtagAsync(london);
        Assert.NotEqual(before.Tag, after.Tag);
        Assert.Equal(HttpStatusCode.OK, await StatusWithAsync(london, before));
        var features = await DecodeAsync(london, 14, x, y, "facilities");
        Assert.Contains(features, f => (string)f.Attributes["id"] == added.ToString() && (string)f.Attributes["name"] == "New fountain for the tile test");
        // The world tile's counts changed too; Sydney's tile did not.
        Assert.NotEqual(world.Tag, (await EtagAsync("/ogc/tiles/WebMercatorQuad/0/0/0")).Tag);
        Assert.Equal(HttpStatusCode.NotModified, await StatusWithAsync(sydney, elsewhere));
    }

    [Fact]
    public async Task A_tile_is_cacheable_by_a_cdn_and_an_empty_one_is_an_empty_mvt()
    {
        // The middle of the South Atlantic at zoom 10.
        var (x, y) = TileOf(10, -20, -40);
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/ogc/tiles/WebMercatorQuad/10/{y}/{x}");
        request.Headers.Add("Origin", "https://maps.example");
        using var response = await fixture.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(MvtType, response.Content.Headers.ContentType?.MediaType);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
        Assert.True(response.Headers.CacheControl?.Public);
        Assert.True(response.Headers.CacheControl?.MaxAge >= TimeSpan.FromMinutes(5));
        Assert.NotNull(response.Headers.ETag);
        Assert.Equal("*", string.Join(",", response.Headers.GetValues("Access-Control-Allow-Origin")));
    }

    [Theory]
    [InlineData("/ogc/tiles/WebMercatorQuad/3/8/0", "tileRow")]
    [InlineData("/ogc/tiles/WebMercatorQuad/3/0/8", "tileCol")]
    [InlineData("/ogc/collections/toilet/tiles/WebMercatorQuad/0/1/0", "tileRow")]
    [InlineData("/ogc/tiles/WebMercatorQuad/25/0/0", "tileMatrix")]
    [InlineData("/ogc/tiles/WebMercatorQuad/-1/0/0", "tileMatrix")]
    [InlineData("/ogc/tiles/WebMercatorQuad/z/0/0", "tileMatrix")]
    [InlineData("/ogc/tiles/WebMercatorQuad/2/-1/0", "tileRow")]
    [InlineData("/ogc/tiles/WebMercatorQuad/2/0/1.5", "tileCol")]
    [InlineData("/ogc/tiles/WebMercatorQuad/24/99999999999/0", "tileRow")]
    [InlineData("/ogc/tiles/WebMercatorQuad/2/0/0?bbox=1,2,3,4", "bbox")]
    [InlineData("/ogc/tiles/WebMercatorQuad/2/0/0?f=png", "f")]
    public async Task A_tile_outside_the_matrix_is_a_400_problem_naming_the_parameter(string url, string parameter)
    {
        using var response = await fixture.Client.GetAsync(url);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{url} answered {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(body).RootElement;
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("detail").GetString()));
        Assert.True(problem.GetProperty("errors").EnumerateObject().Any(e => e.Name.Equals(parameter, StringComparison.OrdinalIgnoreCase)),
            $"errors should name '{parameter}': {body}");
    }

    [Theory]
    [InlineData("/ogc/tiles/WorldCRS84Quad/0/0/0")]
    [InlineData("/ogc/collections/nonesuch/tiles/WebMercatorQuad/0/0/0")]
    [InlineData("/ogc/collections/nonesuch/tiles")]
    [InlineData("/ogc/tileMatrixSets/WorldCRS84Quad")]
    public async Task An_unknown_tile_matrix_set_or_collection_is_a_404_problem(string url)
    {
        using var response = await fixture.Client.GetAsync(url);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task The_landing_page_and_collections_lead_to_tilesets_whose_template_gives_tiles()
    {
        var conformance = await fixture.Client.GetJsonAsync("/ogc/conformance");
        var classes = conformance.GetProperty("conformsTo").EnumerateArray().Select(c => c.GetString()).ToList();
        Assert.Contains("http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/mvt", classes);
        Assert.Contains("http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/geodata-tilesets", classes);

        var landing = await fixture.Client.GetJsonAsync("/ogc");
        var datasetTiles = Link(landing, "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector");
        Assert.Equal($"{fixture.BaseUrl}/ogc/tiles", datasetTiles);
        var tms = await fixture.Client.GetJsonAsync(new Uri(Link(landing, "http://www.opengis.net/def/rel/ogc/1.0/tiling-schemes")).PathAndQuery);
        var definition = await fixture.Client.GetJsonAsync(new Uri(
            tms.GetProperty("tileMatrixSets")[0].GetProperty("links")[0].GetProperty("href").GetString()!).PathAndQuery);
        Assert.Equal("http://www.opengis.net/def/crs/EPSG/0/3857", definition.GetProperty("crs").GetString());
        var matrices = definition.GetProperty("tileMatrices").EnumerateArray().ToList();
        Assert.Equal(25, matrices.Count);
        Assert.Equal(1 << 10, matrices[10].GetProperty("matrixWidth").GetInt64());
        Assert.Equal(559082264.0287178, matrices[0].GetProperty("scaleDenominator").GetDouble(), 3);

        var collection = await fixture.Client.GetJsonAsync("/ogc/collections/toilet");
        var tilesets = await fixture.Client.GetJsonAsync(new Uri(Link(collection, "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector")).PathAndQuery);
        var tileset = await fixture.Client.GetJsonAsync(new Uri(
            tilesets.GetProperty("tilesets")[0].GetProperty("links").EnumerateArray().First(l => l.GetProperty("rel").GetString() == "self")
                .GetProperty("href").GetString()!).PathAndQuery);
        Assert.Equal("toilet", tileset.GetProperty("layers")[0].GetProperty("id").GetString());
        var template = tileset.GetProperty("links").EnumerateArray().Single(l => l.GetProperty("rel").GetString() == "item");
        Assert.True(template.GetProperty("templated").GetBoolean());
        var (x, y) = TileOf(13, -0.1276, 51.5072);
        var url = template.GetProperty("href").GetString()!.Replace("{tileMatrix}", "13", StringComparison.Ordinal)
            .Replace("{tileRow}", y.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("{tileCol}", x.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
        Assert.Contains(await DecodeAsync(new Uri(url).PathAndQuery, 13, x, y, "toilet"),
            f => (string)f.Attributes["id"] == fixture.FormulaId.ToString());
    }

    private static string Link(JsonElement document, string rel) =>
        document.GetProperty("links").EnumerateArray().First(l => l.GetProperty("rel").GetString() == rel).GetProperty("href").GetString()!;

    /// <summary>The tile column and row at a zoom that hold a WGS 84 position (the slippy-map formula).</summary>
    private static (int X, int Y) TileOf(int zoom, double lon, double lat)
    {
        var n = Math.Pow(2, zoom);
        var latRad = lat * Math.PI / 180;
        return ((int)Math.Floor((lon + 180) / 360 * n), (int)Math.Floor((1 - (Math.Log(Math.Tan(latRad) + (1 / Math.Cos(latRad))) / Math.PI)) / 2 * n));
    }

    /// <summary>Whether a decoded point lies in the tile itself rather than in the buffer around it.</summary>
    private static bool Inside(NetTopologySuite.Features.IFeature feature, int zoom, int x, int y)
    {
        var point = (Point)feature.Geometry;
        var (px, py) = TileOf(zoom, point.X, point.Y);
        return px == x && py == y;
    }

    private async Task<List<NetTopologySuite.Features.IFeature>> DecodeAsync(string url, int zoom, int x, int y, string layer)
    {
        using var response = await fixture.Client.GetAsync(url);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{url} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        Assert.Equal(MvtType, response.Content.Headers.ContentType?.MediaType);
        await using var body = new MemoryStream(await response.Content.ReadAsByteArrayAsync());
        var tile = new MapboxTileReader().Read(body, new Tile(x, y, zoom));
        var layers = tile.Layers.ToList();
        Assert.True(layers.Count <= 1, $"{layers.Count} layers");
        if (layers.Count == 1)
        {
            Assert.Equal(layer, layers[0].Name);
        }
        return [.. layers.SelectMany(l => l.Features)];
    }

    private sealed record Expected(string? Name, string Category, double Lon, double Lat);

    /// <summary>The facilities the database holds inside the tile's bounds, computed apart from the service's SQL.</summary>
    private async Task<Dictionary<Guid, Expected>> FacilitiesInTileAsync(int zoom, int x, int y, string? category)
    {
        await using var dataSource = fixture.Database.CreateDataSource();
        await using var command = dataSource.CreateCommand(
            "select id, name, category, ST_X(geom), ST_Y(geom) from facilities where status <> 'removed' and ($1::text is null or category = $1)");
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)category ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        var found = new Dictionary<Guid, Expected>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var (lon, lat) = (reader.GetDouble(3), reader.GetDouble(4));
            if (TileOf(zoom, lon, lat) == (x, y))
            {
                found[reader.GetGuid(0)] = new Expected(reader.IsDBNull(1) ? null : reader.GetString(1), reader.GetString(2), lon, lat);
            }
        }
        return found;
    }

    private async Task<EntityTagHeaderValue> EtagAsync(string url)
    {
        using var response = await fixture.Client.GetAsync(url);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return response.Headers.ETag ?? throw new InvalidOperationException($"{url} has no ETag");
    }

    private async Task<HttpStatusCode> StatusWithAsync(string url, EntityTagHeaderValue etag)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.IfNoneMatch.Add(etag);
        using var response = await fixture.Client.SendAsync(request);
        return response.StatusCode;
    }
}
