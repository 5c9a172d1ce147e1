using System.Text.Json.Nodes;
using Facilities.Api.Features.Imports.Crs;
using Facilities.Api.Geography;
using Facilities.Testing;

namespace Facilities.Api.Tests.Partners;

/// <summary>Every format and coordinate system an import reads, with a real file from tests/data where one exists.</summary>
public sealed class FormatTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    private static object Dataset(string name, string crs, JsonObject mapping) => new
    {
        name,
        license = "CC-BY-4.0",
        attribution = name,
        category = "toilet",
        crs,
        mapping,
    };

    private async Task<JsonNode> FacilityNear(double lat, double lon, double radius = 3)
    {
        var near = JsonNode.Parse(await fixture.Client.GetStringAsync(
            FormattableString.Invariant($"/api/v1/facilities/nearby?lat={lat}&lon={lon}&radius_m={radius}")))!;
        var id = (string)near["features"]!.AsArray().Single()!["id"]!;
        return JsonNode.Parse(await fixture.Client.GetStringAsync($"/api/v1/facilities/{id}"))!;
    }

    [Fact]
    public async Task GeoJson_points_go_in_as_they_are_polygons_at_their_interior_point_and_lines_are_rejected()
    {
        using var partner = await PartnerClient.CreateAsync(fixture, "GeoJSON council");
        var dataset = await partner.CreateDatasetAsync(Dataset("GeoJSON toilets", "EPSG:4326", new JsonObject { ["id"] = "ref", ["name"] = "name" }));
        const string geojson = """
            {"type": "FeatureCollection", "name": "toilets", "features": [
              {"type": "Feature", "properties": {"ref": "g1", "name": "Point toilet"}, "geometry": {"type": "Point", "coordinates": [10.001, 40.001]}},
              {"type": "Feature", "properties": {"ref": "g2", "name": "Block"},
               "geometry": {"type": "Polygon", "coordinates": [[[10.01, 40.01], [10.0102, 40.01], [10.0102, 40.0102], [10.01, 40.0102], [10.01, 40.01]]]}},
              {"type": "Feature", "properties": {"ref": "g3", "name": "A path"}, "geometry": {"type": "LineString", "coordinates": [[10, 40], [10.1, 40.1]]}}
            ]}
            """;

        var import = await partner.ImportTextAsync(dataset, "toilets.geojson", geojson);

        Assert.Equal("succeeded", (string?)import["state"]);
        Assert.Equal(2, (int)import["report"]!["created"]!);
        Assert.Contains("LineString", (string?)import["report"]!["rejected"]![0]!["reason"], StringComparison.Ordinal);
        Assert.Equal("Point toilet", (string?)(await FacilityNear(40.001, 10.001))["properties"]!["name"]);
        Assert.Equal("Block", (string?)(await FacilityNear(40.0101, 10.0101, 20))["properties"]!["name"]);
    }

    [Fact]
    public async Task A_geojson_feature_with_an_unpaired_surrogate_is_rejected_alone()
    {
        using var partner = await PartnerClient.CreateAsync(fixture, "GeoJSON surrogates");
        var dataset = await partner.CreateDatasetAsync(Dataset("GeoJSON surrogates", "EPSG:4326", new JsonObject { ["id"] = "ref", ["name"] = "name" }));
        // JSON can escape a lone half of a surrogate pair, which is no Unicode text: in a value, in a property's name, in the id.
        const string geojson = """
            {"type": "FeatureCollection", "features": [
              {"type": "Feature", "properties": {"ref": "s1", "name": "Broken \ud800 name"}, "geometry": {"type": "Point", "coordinates": [12.001, 42.001]}},
              {"type": "Feature", "properties": {"ref": "s2", "name": "Good loo"}, "geometry": {"type": "Point", "coordinates": [12.002, 42.002]}},
              {"type": "Feature", "properties": {"ref": "s3", "x\udc00": 1}, "geometry": {"type": "Point", "coordinates": [12.003, 42.003]}},
              {"type": "Feature", "id": "\ud83d", "properties": {"ref": "s4"}, "geometry": {"type": "Point", "coordinates": [12.004, 42.004]}}
            ]}
            """;

        var import = await partner.ImportTextAsync(dataset, "surrogates.geojson", geojson);

        Assert.Equal("succeeded", (string?)import["state"]);
        Assert.Equal(1, (int)import["report"]!["created"]!);
        var rejected = import["report"]!["rejected"]!.AsArray();
        Assert.Equal([1L, 3L, 4L], rejected.Select(r => (long)r!["row"]!));
        Assert.All(rejected, r => Assert.Contains("not valid Unicode", (string?)r!["reason"], StringComparison.Ordinal));
        Assert.Equal("Good loo", (string?)(await FacilityNear(42.002, 12.002))["properties"]!["name"]);
    }

    [Fact]
    public async Task An_overpass_element_with_an_unpaired_surrogate_in_a_tag_its_type_or_its_id_is_rejected_alone()
    {
        using var partner = await PartnerClient.CreateAsync(fixture, "Overpass surrogates");
        var dataset = await partner.CreateDatasetAsync(new
        {
            name = "Overpass surrogates",
            kind = "osm",
            license = "ODbL-1.0",
            attribution = "© OpenStreetMap contributors",
            preset = "osm_toilets",
        });
        const string overpass = """
            {"version": 0.6, "elements": [
              {"type": "node", "id": 1, "lat": 43.001, "lon": 13.001, "tags": {"amenity": "toilets", "name": "Bad \udfff"}},
              {"type": "node", "id": 2, "lat": 43.002, "lon": 13.002, "tags": {"amenity": "toilets", "name\ud800": "x"}},
              {"type": "no\ud800de", "id": 3, "lat": 43.003, "lon": 13.003, "tags": {"amenity": "toilets"}},
              {"type": "node", "id": "4\udc00", "lat": 43.004, "lon": 13.004, "tags": {"amenity": "toilets"}},
              {"type": "node", "id": 5, "lat": 43.005, "lon": 13.005},
              {"type": "node", "id": 6, "lat": 43.006, "lon": 13.006, "tags": {"amenity": "toilets", "name": "Fine loo"}}
            ]}
            """;

        var import = await partner.ImportTextAsync(dataset, "overpass.json", overpass);

        Assert.Equal("succeeded", (string?)import["state"]);
        Assert.Equal(1, (int)import["report"]!["created"]!);
        var rejected = import["report"]!["rejected"]!.AsArray();
        Assert.Equal([1L, 2L, 3L, 4L], rejected.Select(r => (long)r!["row"]!));
        Assert.All(rejected, r => Assert.Contains("not valid Unicode", (string?)r!["reason"], StringComparison.Ordinal));
        var fine = (await FacilityNear(43.006, 13.006))["properties"]!;
        Assert.Equal("Fine loo", (string?)fine["name"]);
        Assert.Equal("node/6", (string?)fine["sources"]![0]!["record_id"]);
    }

    [Fact]
    public async Task OpenStreetMap_xml_nodes_and_ways_at_their_centroid_go_in_with_the_osm_preset()
    {
        using var partner = await PartnerClient.CreateAsync(fixture, "OSM XML");
        var dataset = await partner.CreateDatasetAsync(new
        {
            name = "OSM extract",
            kind = "osm",
            license = "ODbL-1.0",
            attribution = "© OpenStreetMap contributors",
            preset = "osm_toilets",
        });
        const string osm = """
            <?xml version="1.0" encoding="UTF-8"?>
            <osm version="0.6" generator="test">
              <node id="1" lat="41.0010" lon="11.0010"><tag k="amenity" v="toilets"/><tag k="name" v="Node loo"/><tag k="fee" v="no"/><tag k="wheelchair" v="yes"/></node>
              <node id="2" lat="41.0100" lon="11.0100"/>
              <node id="3" lat="41.0100" lon="11.0102"/>
              <node id="4" lat="41.0102" lon="11.0102"/>
              <node id="5" lat="41.0102" lon="11.0100"/>
              <way id="9"><nd ref="2"/><nd ref="3"/><nd ref="4"/><nd ref="5"/><nd ref="2"/><tag k="amenity" v="toilets"/><tag k="name" v="Way loo"/><tag k="access" v="customers"/></way>
            </osm>
            """;

        var import = await partner.ImportTextAsync(dataset, "extract.osm", osm);

        Assert.Equal("succeeded", (string?)import["state"]);
        Assert.Equal(2, (int)import["report"]!["created"]!);
        var node = (await FacilityNear(41.001, 11.001))["properties"]!;
        Assert.Equal("Node loo", (string?)node["name"]);
        Assert.False((bool)node["fee"]!);
        Assert.Equal("yes", (string?)node["wheelchair"]);
        Assert.Equal("node/1", (string?)node["sources"]![0]!["record_id"]);
        Assert.Equal("osm", (string?)node["sources"]![0]!["kind"]);
        var way = (await FacilityNear(41.0101, 11.0101, 5))["properties"]!;
        Assert.Equal("customers", (string?)way["access"]);
        Assert.Equal("way/9", (string?)way["sources"]![0]!["record_id"]);
    }

    [Fact]
    public async Task A_zipped_shapefile_on_the_british_national_grid_takes_its_crs_from_the_prj()
    {
        using var partner = await PartnerClient.CreateAsync(fixture, "Shapefile council");
        // The dataset says WGS 84; the .prj says British National Grid and wins.
        var dataset = await partner.CreateDatasetAsync(Dataset("Shapefile toilets", "EPSG:4326", new JsonObject { ["id"] = "REF", ["name"] = "NAME" }));
        var zip = TestShapefiles.Zip([("S1", "Holborn Library", 530827, 181935), ("S2", "Euston", 529500, 182600)]);

        var import = await partner.ImportAsync(dataset, "toilets.zip", zip);

        Assert.Equal("succeeded", (string?)import["state"]);
        Assert.Equal("EPSG:27700", (string?)import["report"]!["crs"]);
        Assert.Equal(2, (int)import["report"]!["created"]!);
        // Camden publishes Holborn Library at (51.521182, -0.115702); the grid position lands within a few metres.
        Assert.Equal("Holborn Library", (string?)(await FacilityNear(51.521182, -0.115702, 10))["properties"]!["name"]);
    }

    [Fact]
    public async Task Gcj02_and_bd09_positions_land_on_their_wgs84_place()
    {
        using var partner = await PartnerClient.CreateAsync(fixture, "Beijing");
        var gcjDataset = await partner.CreateDatasetAsync(Dataset("Beijing GCJ-02", "GCJ-02", new JsonObject { ["id"] = "id", ["lon"] = "lng", ["lat"] = "lat", ["name"] = "name" }));
        var bdDataset = await partner.CreateDatasetAsync(Dataset("Beijing BD-09", "BD-09", new JsonObject { ["id"] = "id", ["lon"] = "lng", ["lat"] = "lat", ["name"] = "name" }));
        var gcj = ChinaOffsets.Wgs84ToGcj02((116.3912, 39.9067));
        var bd = ChinaOffsets.Gcj02ToBd09(ChinaOffsets.Wgs84ToGcj02((116.4012, 39.9167)));

        await partner.ImportTextAsync(gcjDataset, "gcj.csv", FormattableString.Invariant($"id,lng,lat,name\nc1,{gcj.Lon:R},{gcj.Lat:R},天安门 厕所\n"));
        await partner.ImportTextAsync(bdDataset, "bd.csv", FormattableString.Invariant($"id,lng,lat,name\nb1,{bd.Lon:R},{bd.Lat:R},百度 厕所\n"));

        Assert.Equal("天安门 厕所", (string?)(await FacilityNear(39.9067, 116.3912, 1))["properties"]!["name"]);
        Assert.Equal("百度 厕所", (string?)(await FacilityNear(39.9167, 116.4012, 1))["properties"]!["name"]);
    }

    [Fact]
    public async Task Seouls_real_file_takes_every_row_with_a_usable_position_and_rejects_the_rest_one_by_one()
    {
        using var partner = await PartnerClient.CreateAsync(fixture, "Seoul");
        var dataset = await partner.CreateDatasetAsync(new
        {
            name = "Seoul public toilets",
            license = "LicenseRef-KOGL-Type1",
            attribution = "서울특별시 (KOGL Type 1)",
            category = "toilet",
            mapping = new JsonObject
            {
                ["id"] = "번호",
                ["name"] = "화장실명",
                ["lat"] = "WGS84위도",
                ["lon"] = "WGS84경도",
                ["operator"] = "관리기관명",
                ["changing_table"] = new JsonObject { ["column"] = "기저귀교환대유무", ["values"] = new JsonObject { ["Y"] = true, ["N"] = false } },
                ["opening_hours"] = new JsonObject { ["column"] = "개방시간", ["values"] = new JsonObject { ["상시"] = "24/7" } },
            },
        });

        var import = await partner.ImportFileAsync(dataset, Path.Combine(RepositoryPaths.TestData, "seoul-toilets", "seoul_public_toilets.csv"));

        var report = import["report"]!;
        Assert.Equal("succeeded", (string?)import["state"]);
        Assert.Equal(5226, (int)report["rows_read"]!);
        // 3,609 rows have an address only; one has longitude 217.005028.
        Assert.Equal(3610, (int)report["rejected_count"]!);
        Assert.Equal(1616, (int)report["created"]! + (int)report["merged"]! + (int)report["needing_review"]!);
        Assert.Contains(report["rejected"]!.AsArray(), r => ((string)r!["reason"]!).Contains("217.005028", StringComparison.Ordinal));
        Assert.Contains(report["rejected"]!.AsArray(), r => ((string)r!["reason"]!).Contains("no coordinates", StringComparison.Ordinal));
        var first = (await FacilityNear(37.5286, 127.1264, 2))["properties"]!;
        Assert.Equal("강동구의회 화장실", (string?)first["name"]);
    }

    private static readonly string[] OwnedByTheGovernment = ["wheelchair", "status"];

    [Fact]
    public async Task Australias_national_public_toilet_map_goes_in_whole_with_its_preset()
    {
        using var partner = await PartnerClient.CreateAsync(fixture, "Australian Government");
        var dataset = await partner.CreateDatasetAsync(new
        {
            name = "National Public Toilet Map",
            license = "CC-BY-4.0",
            attribution = "© Commonwealth of Australia (Department of Health and Aged Care)",
            preset = "au_nptm",
            owned_attributes = OwnedByTheGovernment,
        });

        var import = await partner.ImportFileAsync(dataset, Path.Combine(RepositoryPaths.TestData, "australia-nptm", "nptm_toilets_5col.csv"));

        Console.WriteLine(import.ToJsonString());
        Assert.Equal("succeeded", (string?)import["state"]);
        Assert.Equal(22513, (int)import["report"]!["rows_read"]!);
        Assert.Equal(22513, (int)import["report"]!["created"]!);
        Assert.Equal(22513, await Db.CountAsync(fixture.Database, "select count(*) from source_records where dataset_id = $1", dataset));
    }
}
