using System.Globalization;
using System.Net;
using System.Text.Json;
using Facilities.Api.Data;
using Facilities.Api.Features.Imports.Crs;
using Facilities.Testing;

namespace Facilities.Api.Tests.OpenData;

/// <summary>
/// Camden's Parkway toilets as the council publishes them (tests/data/london-toilets/camden_public_toilets.csv,
/// Open Government Licence): British National Grid easting and northing, and WGS 84 longitude and latitude. The
/// facility is placed where the import side puts a record read on the national grid, as a partner's import would.
/// </summary>
public sealed class CrsFixture : ApiFixture
{
    public const string CamdenName = "Camden Town Female Public Conveniences";

    public Guid CamdenId { get; private set; }
    public Guid SydneyId { get; private set; }
    public (double Easting, double Northing, double Lon, double Lat) Published { get; private set; }
    public (double Lon, double Lat) Stored { get; private set; }

    protected override async Task SeedAsync(TestDatabase database)
    {
        Published = ReadPublished();
        Stored = CoordinateSystems.Find("EPSG:27700")!.ToWgs84(Published.Easting, Published.Northing)!.Value;
        await using var dataSource = database.CreateDataSource();
        CamdenId = await OpenDataFixture.CreateAsync(dataSource, new FacilityState
        {
            Category = "toilet",
            Lon = Stored.Lon,
            Lat = Stored.Lat,
            Name = CamdenName,
        });
        // A kilometre east, and one on the other side of the world, outside the national grid's area.
        await OpenDataFixture.CreateAsync(dataSource, new FacilityState { Category = "toilet", Lon = Stored.Lon + 0.0144, Lat = Stored.Lat, Name = "East" });
        SydneyId = await OpenDataFixture.CreateAsync(dataSource, new FacilityState { Category = "toilet", Lon = 151.2093, Lat = -33.8688, Name = "Sydney" });
    }

    private static (double, double, double, double) ReadPublished()
    {
        var path = Path.Combine(RepositoryPaths.Root, "tests", "data", "london-toilets", "camden_public_toilets.csv");
        var lines = File.ReadAllLines(path);
        var header = Cells(lines[0]);
        var cells = Cells(lines.Single(l => l.StartsWith(CamdenName + ",", StringComparison.Ordinal)));
        double Cell(string name) => double.Parse(cells[header.IndexOf(name)], CultureInfo.InvariantCulture);
        return (Cell("Easting"), Cell("Northing"), Cell("Longitude"), Cell("Latitude"));
    }

    /// <summary>One line of RFC 4180 CSV (no line breaks inside these quotes).</summary>
    private static List<string> Cells(string line)
    {
        var cells = new List<string>();
        var cell = new System.Text.StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quoted && c == '"' && i + 1 < line.Length && line[i + 1] == '"')
            {
                cell.Append('"');
                i++;
            }
            else if (c == '"')
            {
                quoted = !quoted;
            }
            else if (c == ',' && !quoted)
            {
                cells.Add(cell.ToString());
                cell.Clear();
            }
            else
            {
                cell.Append(c);
            }
        }
        cells.Add(cell.ToString());
        return cells;
    }
}

/// <summary>OGC API – Features Part 2: crs, bbox-crs, storageCrs and Content-Crs over the CRS list of the import side.</summary>
public sealed class CrsTests(CrsFixture fixture) : IClassFixture<CrsFixture>
{
    private const string Bng = "http://www.opengis.net/def/crs/EPSG/0/27700";

    [Theory]
    [InlineData("crs=" + Bng)]
    [InlineData("crs=EPSG:27700")]
    [InlineData("crs=%5BEPSG:27700%5D")]
    public async Task A_camden_toilet_comes_back_within_a_metre_of_its_published_easting_and_northing(string crs)
    {
        // The datum shift is applied on the way in: without it the stored point would be about 100 m off.
        var published = fixture.Published;
        Assert.True(Metres(fixture.Stored.Lon, fixture.Stored.Lat, published.Lon, published.Lat) < 2,
            $"stored {fixture.Stored} vs the council's {published.Lon}, {published.Lat}");

        using var response = await fixture.Client.GetAsync($"/ogc/collections/toilet/items?{crs}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal($"<{Bng}>", string.Join(",", response.Headers.GetValues("Content-Crs")));
        var page = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        var camden = page.Features().Single(f => f.Id() == fixture.CamdenId.ToString());
        var (easting, northing) = Coordinates(camden);
        Assert.True(Math.Abs(easting - published.Easting) < 1 && Math.Abs(northing - published.Northing) < 1,
            $"{easting}, {northing} vs published {published.Easting}, {published.Northing}");

        // Outside the grid's area there is no easting to give.
        Assert.Equal(JsonValueKind.Null, page.Features().Single(f => f.Id() == fixture.SydneyId.ToString()).GetProperty("geometry").ValueKind);

        using var item = await fixture.Client.GetAsync($"/ogc/collections/toilet/items/{fixture.CamdenId}?{crs}");
        Assert.Equal($"<{Bng}>", string.Join(",", item.Headers.GetValues("Content-Crs")));
        var (itemEasting, itemNorthing) = Coordinates(JsonDocument.Parse(await item.Content.ReadAsStringAsync()).RootElement);
        Assert.Equal(easting, itemEasting, 1e-6);
        Assert.Equal(northing, itemNorthing, 1e-6);
    }

    [Fact]
    public async Task Crs84_is_longitude_first_and_epsg_4326_latitude_first()
    {
        using var plain = await fixture.Client.GetAsync($"/ogc/collections/toilet/items/{fixture.CamdenId}");
        Assert.Equal("<http://www.opengis.net/def/crs/OGC/1.3/CRS84>", string.Join(",", plain.Headers.GetValues("Content-Crs")));
        var (lon, lat) = Coordinates(JsonDocument.Parse(await plain.Content.ReadAsStringAsync()).RootElement);
        Assert.Equal(fixture.Stored.Lon, lon, 1e-9);
        Assert.Equal(fixture.Stored.Lat, lat, 1e-9);

        var epsg4326 = await fixture.Client.GetJsonAsync($"/ogc/collections/toilet/items/{fixture.CamdenId}?crs=http://www.opengis.net/def/crs/EPSG/0/4326");
        var (first, second) = Coordinates(epsg4326);
        Assert.Equal(fixture.Stored.Lat, first, 1e-9);
        Assert.Equal(fixture.Stored.Lon, second, 1e-9);
    }

    [Fact]
    public async Task Bbox_crs_selects_by_a_box_on_the_national_grid_and_next_links_keep_the_crs()
    {
        var (e, n) = (fixture.Published.Easting, fixture.Published.Northing);
        var around = await fixture.Client.GetJsonAsync(
            $"/ogc/collections/toilet/items?bbox={e - 100},{n - 100},{e + 100},{n + 100}&bbox-crs=EPSG:27700");
        Assert.Equal([fixture.CamdenId.ToString()], around.Features().Select(f => f.Id()).ToList());
        Assert.Equal(1, around.GetProperty("numberMatched").GetInt64());

        var both = await fixture.Client.GetJsonAsync(
            $"/ogc/collections/toilet/items?bbox={e - 100},{n - 100},{e + 1100},{n + 100}&bbox-crs=EPSG:27700&crs=EPSG:27700&limit=1");
        Assert.Equal(2, both.GetProperty("numberMatched").GetInt64());
        var next = both.GetProperty("links").EnumerateArray().Single(l => l.GetProperty("rel").GetString() == "next").GetProperty("href").GetString()!;
        Assert.Contains("crs=EPSG%3A27700", next, StringComparison.Ordinal);
        Assert.Contains("bbox-crs=EPSG%3A27700", next, StringComparison.Ordinal);
        using var second = await fixture.Client.GetAsync(next);
        Assert.Equal($"<{Bng}>", string.Join(",", second.Headers.GetValues("Content-Crs")));
        var page = JsonDocument.Parse(await second.Content.ReadAsStringAsync()).RootElement;
        var (easting, _) = Coordinates(Assert.Single(page.Features()));
        Assert.InRange(easting, e - 100, e + 1100);
    }

    [Fact]
    public async Task Collections_list_the_crs_of_the_import_side_and_store_in_crs84()
    {
        var collections = await fixture.Client.GetJsonAsync("/ogc/collections");
        var list = collections.GetProperty("collections")[0].GetProperty("crs").EnumerateArray().Select(c => c.GetString()).ToList();
        foreach (var code in (int[])[4326, 3857, 27700, 4490, 3826, 4283, 7844, 28355, 7855, 32650, 32756])
        {
            Assert.Contains($"http://www.opengis.net/def/crs/EPSG/0/{code}", list);
        }
        Assert.Equal("http://www.opengis.net/def/crs/OGC/1.3/CRS84", list[0]);
        foreach (var collection in collections.GetProperty("collections").EnumerateArray())
        {
            Assert.Equal(list, collection.GetProperty("crs").EnumerateArray().Select(c => c.GetString()).ToList());
            Assert.Equal("http://www.opengis.net/def/crs/OGC/1.3/CRS84", collection.GetProperty("storageCrs").GetString());
        }
        var toilet = await fixture.Client.GetJsonAsync("/ogc/collections/toilet");
        Assert.Equal(list, toilet.GetProperty("crs").EnumerateArray().Select(c => c.GetString()).ToList());

        var conformance = await fixture.Client.GetJsonAsync("/ogc/conformance");
        Assert.Contains("http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
            conformance.GetProperty("conformsTo").EnumerateArray().Select(c => c.GetString()));
    }

    [Theory]
    [InlineData("/ogc/collections/toilet/items?crs=EPSG:9999", "crs")]
    [InlineData("/ogc/collections/toilet/items?crs=GCJ-02", "crs")]
    [InlineData("/ogc/collections/toilet/items?crs=http://www.opengis.net/def/crs/EPSG/0/", "crs")]
    [InlineData("/ogc/collections/toilet/items?bbox=0,0,1,1&bbox-crs=EPSG:12", "bbox-crs")]
    [InlineData("/ogc/collections/toilet/items?bbox-crs=EPSG:27700", "bbox-crs")]
    [InlineData("/ogc/collections/toilet/items?bbox=-0.2,51.4,0.1,51.6&bbox-crs=EPSG:27700", "bbox")] // degrees sent as metres
    [InlineData("/ogc/collections/toilet/items?bbox=529000,183000,528000,184000&bbox-crs=EPSG:27700", "bbox")]
    [InlineData("/ogc/collections/toilet/items?bbox=528000,183000,529000&bbox-crs=EPSG:27700", "bbox")]
    [InlineData("/ogc/collections/toilet/items?bbox=1e400,0,1,1&bbox-crs=EPSG:3857", "bbox")]
    [InlineData("/ogc/collections/toilet/items/0190b5d2-0000-7000-8000-000000000000?crs=EPSG:1", "crs")]
    public async Task Bad_crs_input_is_a_400_problem_naming_the_parameter(string url, string parameter)
    {
        using var response = await fixture.Client.GetAsync(url);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{url} answered {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(body).RootElement;
        Assert.True(problem.GetProperty("errors").TryGetProperty(parameter, out _), $"errors should name '{parameter}': {body}");
    }

    private static (double, double) Coordinates(JsonElement feature)
    {
        var c = feature.GetProperty("geometry").GetProperty("coordinates");
        return (c[0].GetDouble(), c[1].GetDouble());
    }

    /// <summary>The distance between two WGS 84 points, on a sphere: plenty for a couple of metres.</summary>
    private static double Metres(double lon1, double lat1, double lon2, double lat2)
    {
        var rad = Math.PI / 180;
        var x = (lon2 - lon1) * rad * Math.Cos((lat1 + lat2) / 2 * rad);
        var y = (lat2 - lat1) * rad;
        return Math.Sqrt((x * x) + (y * y)) * 6_371_000;
    }
}
