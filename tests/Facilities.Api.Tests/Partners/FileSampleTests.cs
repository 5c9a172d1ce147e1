using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Facilities.Api.Tests.Contributors;
using Facilities.Testing;

namespace Facilities.Api.Tests.Partners;

/// <summary>An upload folder of this class's own: nothing else writes there, so a sample left behind shows.</summary>
public sealed class FileSampleFixture : ApiFixture
{
    public string UploadDirectory { get; } = Directory.CreateTempSubdirectory("file-samples").FullName;

    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["Facilities:Imports:Directory"] = UploadDirectory,
    };

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Directory.Delete(UploadDirectory, true);
    }
}

/// <summary>
/// POST /api/v1/partner/file-samples: the first records of a file in every format, read by the importer's own readers,
/// so the columns a partner maps are the ones an import reads; and nothing of the file is kept.
/// </summary>
public sealed class FileSampleTests(FileSampleFixture fixture) : IClassFixture<FileSampleFixture>
{
    private static readonly string London = Path.Combine(RepositoryPaths.TestData, "london-toilets");

    private static Task<HttpResponseMessage> PostAsync(HttpClient client, string fileName, byte[] content, string query = "") =>
        PartnerClient.PostFileAsync(client, "/api/v1/partner/file-samples" + query, fileName, content);

    private async Task<JsonNode> SampleAsync(PartnerClient partner, string fileName, byte[] content, string query = "")
    {
        var response = await PostAsync(partner.Http, fileName, content, query);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        // Sampled and gone: neither the upload nor a Shapefile's unpacked layer stays behind.
        Assert.Empty(Directory.EnumerateFileSystemEntries(fixture.UploadDirectory));
        return JsonNode.Parse(text)!;
    }

    private static List<string> Strings(JsonNode? array) => [.. array!.AsArray().Select(n => (string)n!)];

    [Fact]
    public async Task A_zipped_shapefile_gives_its_dbf_fields_as_columns_its_positions_and_the_crs_of_its_prj()
    {
        using var partner = await PartnerClient.CreateAsync(fixture, "Shapefile sample");
        var zip = TestShapefiles.Zip([("S1", "Holborn Library", 530827, 181935), ("S2", "Euston", 529500, 182600)]);

        var sample = await SampleAsync(partner, "toilets.zip", zip);

        Assert.Equal("shapefile_zip", (string?)sample["format"]);
        Assert.Equal("EPSG:27700", (string?)sample["crs"]);
        Assert.True((bool)sample["has_geometry"]!);
        Assert.True((bool)sample["complete"]!);
        var columns = Strings(sample["columns"]);
        Assert.Equal(["REF", "NAME"], columns);
        var records = sample["records"]!.AsArray();
        Assert.Equal(2, records.Count);
        Assert.Equal(["S1", "Holborn Library"], Strings(records[0]!["values"]));
        Assert.Equal(1, (long)records[0]!["row"]!);
        Assert.Equal(530827, (double)records[0]!["position"]![0]!, 3);
        Assert.Equal(181935, (double)records[0]!["position"]![1]!, 3);
        Assert.Null(records[0]!["error"]);
    }

    [Fact]
    public async Task A_csv_gives_its_header_in_order_and_fifty_rows_of_a_longer_file_or_as_many_as_asked_up_to_five_hundred()
    {
        using var partner = await PartnerClient.CreateAsync(fixture, "CSV sample");

        var camden = await SampleAsync(partner, "camden_public_toilets.csv", await File.ReadAllBytesAsync(Path.Combine(London, "camden_public_toilets.csv")));
        Assert.Equal("csv", (string?)camden["format"]);
        Assert.Null(camden["crs"]);
        Assert.False((bool)camden["has_geometry"]!);
        var columns = Strings(camden["columns"]);
        Assert.Equal("Name", columns[0]);
        Assert.Equal("Socrata ID", columns[^1]);
        Assert.Equal(19, columns.Count);
        Assert.True((bool)camden["complete"]!);
        Assert.Equal(47, camden["records"]!.AsArray().Count);
        var holborn = camden["records"]!.AsArray().Single(r => (string?)r!["values"]![0] == "Holborn Library")!;
        Assert.Equal("530827", (string?)holborn["values"]![columns.IndexOf("Easting")]);
        // A quoted cell with commas is one value.
        Assert.Equal("(51.521182, -0.115702)", (string?)holborn["values"]![columns.IndexOf("Location")]);
        Assert.Null(holborn["position"]);

        var seoulBytes = await File.ReadAllBytesAsync(Path.Combine(RepositoryPaths.TestData, "seoul-toilets", "seoul_public_toilets.csv"));
        var seoul = await SampleAsync(partner, "seoul.csv", seoulBytes);
        Assert.Equal(50, seoul["records"]!.AsArray().Count);
        Assert.False((bool)seoul["complete"]!);
        Assert.Null(seoul["stopped"]);

        // More for guessing what a column says, up to the most one sample holds.
        var more = await SampleAsync(partner, "seoul.csv", seoulBytes, "?limit=120");
        Assert.Equal(120, more["records"]!.AsArray().Count);
        Assert.Equal(120, (long)more["records"]!.AsArray()[^1]!["row"]!);
        foreach (var limit in new[] { "0", "501" })
        {
            var problem = await (await PostAsync(partner.Http, "seoul.csv", seoulBytes, "?limit=" + limit)).IsProblemAsync(HttpStatusCode.BadRequest);
            Assert.Contains("limit", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
            Assert.Empty(Directory.EnumerateFileSystemEntries(fixture.UploadDirectory));
        }
    }

    [Fact]
    public async Task Kml_and_osm_records_give_their_fields_as_columns_and_are_in_wgs84()
    {
        using var partner = await PartnerClient.CreateAsync(fixture, "KML and OSM sample");

        var wandsworth = await SampleAsync(partner, "wandsworth_toilets.kml", await File.ReadAllBytesAsync(Path.Combine(London, "wandsworth_toilets.kml")));
        Assert.Equal("kml", (string?)wandsworth["format"]);
        Assert.Equal("EPSG:4326", (string?)wandsworth["crs"]);
        Assert.True((bool)wandsworth["has_geometry"]!);
        Assert.Equal(["name", "description"], Strings(wandsworth["columns"]));
        Assert.Equal(50, wandsworth["records"]!.AsArray().Count);
        Assert.False((bool)wandsworth["complete"]!);
        Assert.Contains("Disabled", string.Concat(wandsworth["records"]!.AsArray().Select(r => (string?)r!["values"]![1])), StringComparison.Ordinal);
        var lon = (double)wandsworth["records"]![0]!["position"]![0]!;
        var lat = (double)wandsworth["records"]![0]!["position"]![1]!;
        Assert.InRange(lon, -0.3, -0.1);
        Assert.InRange(lat, 51.4, 51.5);

        const string osm = """
            <?xml version="1.0" encoding="UTF-8"?>
            <osm version="0.6" generator="test">
              <node id="1" lat="41.0010" lon="11.0010"><tag k="amenity" v="toilets"/><tag k="name" v="Node loo"/><tag k="wheelchair" v="yes"/></node>
              <node id="2" lat="41.0100" lon="11.0100"/>
              <node id="3" lat="41.0100" lon="11.0102"/>
              <node id="4" lat="41.0102" lon="11.0102"/>
              <way id="9"><nd ref="2"/><nd ref="3"/><nd ref="4"/><nd ref="2"/><tag k="amenity" v="toilets"/><tag k="access" v="customers"/></way>
            </osm>
            """;
        var extract = await SampleAsync(partner, "extract.osm", Encoding.UTF8.GetBytes(osm));
        Assert.Equal("osm_xml", (string?)extract["format"]);
        Assert.Equal("EPSG:4326", (string?)extract["crs"]);
        var columns = Strings(extract["columns"]);
        // Each element's tags, then its OSM id as "@id" (what the osm_toilets preset takes as the record id).
        Assert.Equal(["amenity", "name", "wheelchair", "@id", "access"], columns);
        Assert.Equal("way/9", (string?)extract["records"]![1]!["values"]![columns.IndexOf("@id")]);
        var way = extract["records"]!.AsArray().Single(r => (string?)r!["values"]![columns.IndexOf("access")] == "customers")!;
        Assert.Equal("", (string?)way["values"]![columns.IndexOf("name")]);
    }

    [Fact]
    public async Task The_head_of_a_geojson_file_is_read_as_far_as_it_goes_and_says_where_it_stopped()
    {
        using var partner = await PartnerClient.CreateAsync(fixture, "GeoJSON head sample");
        const string head = """
            {"type": "FeatureCollection", "features": [
              {"type": "Feature", "geometry": {"type": "Point", "coordinates": [10.1, 45.1]}, "properties": {"编号": "GZ-1", "名称": "湖滨公厕"}},
              {"type": "Feature", "geometry": {"type": "Point", "coordinates": [10.2, 45.2]}, "properties": {"编号": "GZ-2", "开放时间": "24 hours"}},
              {"type": "Feature", "geometry": {"type": "Point", "coordinates": [10.3,
            """;

        var sample = await SampleAsync(partner, "gongce.geojson", Encoding.UTF8.GetBytes(head));

        Assert.Equal("geojson", (string?)sample["format"]);
        // GeoJSON positions are in the dataset's CRS, which the file does not fix.
        Assert.Null(sample["crs"]);
        Assert.Equal(["编号", "名称", "开放时间"], Strings(sample["columns"]));
        Assert.Equal(2, sample["records"]!.AsArray().Count);
        Assert.Equal(["GZ-2", "", "24 hours"], Strings(sample["records"]![1]!["values"]));
        Assert.False((bool)sample["complete"]!);
        Assert.StartsWith("The file is not valid JSON", (string?)sample["stopped"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_prj_known_only_by_its_wkt_is_named_as_the_file_names_it_not_as_a_datasets_crs()
    {
        using var partner = await PartnerClient.CreateAsync(fixture, "UTM sample");
        var zip = TestShapefiles.Zip([("U1", "Piazza", 500000, 5000000)], TestShapefiles.Utm32N);

        var sample = await SampleAsync(partner, "utm.zip", zip);

        // A dataset cannot name it, but an import of the file reads its positions by it.
        Assert.Null(sample["crs"]);
        Assert.Equal("prj:WGS_1984_UTM_Zone_32N", (string?)sample["crs_in_file"]);
        var british = await SampleAsync(partner, "bng.zip", TestShapefiles.Zip([("S1", "Holborn Library", 530827, 181935)]));
        Assert.Equal("EPSG:27700", (string?)british["crs_in_file"]);
    }

    [Fact]
    public async Task A_record_the_import_would_reject_is_sampled_with_its_reason_not_a_500()
    {
        using var partner = await PartnerClient.CreateAsync(fixture, "Odd records sample");
        // JSON lets an object name a member twice; a KML can write NaN for a coordinate.
        const string geojson = """
            {"type": "FeatureCollection", "features": [
              {"type": "Feature", "geometry": {"type": "Point", "coordinates": [10.1, 45.1]}, "properties": {"ref": "A", "ref": "B"}},
              {"type": "Feature", "geometry": {"type": "Point", "coordinates": [10.2, 45.2]}, "properties": {"ref": "C"}}
            ]}
            """;
        var twice = await SampleAsync(partner, "twice.geojson", Encoding.UTF8.GetBytes(geojson));
        var records = twice["records"]!.AsArray();
        Assert.Equal(2, records.Count);
        Assert.StartsWith("the feature cannot be read", (string?)records[0]!["error"], StringComparison.Ordinal);
        Assert.Equal(["C"], Strings(records[1]!["values"]));

        const string kml = """
            <kml xmlns="http://www.opengis.net/kml/2.2"><Document>
            <Placemark><name>Nowhere</name><Point><coordinates>NaN,NaN</coordinates></Point></Placemark>
            <Placemark><name>Lakeside</name><Point><coordinates>10.4,45.3</coordinates></Point></Placemark>
            </Document></kml>
            """;
        var nan = await SampleAsync(partner, "nan.kml", Encoding.UTF8.GetBytes(kml));
        Assert.Null(nan["records"]![0]!["position"]);
        Assert.Equal(10.4, (double)nan["records"]![1]!["position"]![0]!, 6);

        // A value is shown as far as a person reads it.
        var longText = new string('x', 5000);
        var wide = await SampleAsync(partner, "wide.csv", Encoding.UTF8.GetBytes($"name,lon,lat\n{longText},10,45\n"));
        Assert.Equal(new string('x', 1000) + "…", (string?)wide["records"]![0]!["values"]![0]);
    }

    [Fact]
    public async Task The_head_of_a_large_file_is_read_as_far_as_it_goes_without_its_cut_row_or_an_error()
    {
        using var partner = await PartnerClient.CreateAsync(fixture, "Head sample");
        var csv = await SampleAsync(partner, "head.csv", "name,lon,lat\nFirst,10.1,45.1\nSecond,10.2,45.2\nThi"u8.ToArray(), "?head=true");
        Assert.Equal(["First", "Second"], csv["records"]!.AsArray().Select(r => (string)r!["values"]![0]!).ToList());
        Assert.False((bool)csv["complete"]!);

        const string geojson = """
            {"type": "FeatureCollection", "features": [
              {"type": "Feature", "geometry": {"type": "Point", "coordinates": [10.1, 45.1]}, "properties": {"ref": "A"}},
              {"type": "Feature", "geometry": {"type": "Point", "coordinates": [10.2,
            """;
        var json = await SampleAsync(partner, "head.geojson", Encoding.UTF8.GetBytes(geojson), "?head=true");
        Assert.Single(json["records"]!.AsArray());
        Assert.Null(json["stopped"]);
        Assert.False((bool)json["complete"]!);

        var bad = await PostAsync(partner.Http, "head.csv", "name,lon,lat\n"u8.ToArray(), "?head=maybe");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("head", (await bad.Content.ReadAsStringAsync()), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_file_that_cannot_be_read_is_a_422_saying_why_and_other_refusals_are_problems_too()
    {
        using var partner = await PartnerClient.CreateAsync(fixture, "Bad sample");

        var notZip = await PostAsync(partner.Http, "toilets.zip", "not a zip at all"u8.ToArray());
        Assert.Equal(HttpStatusCode.UnprocessableEntity, notZip.StatusCode);
        Assert.Equal("application/problem+json", notZip.Content.Headers.ContentType?.MediaType);
        var problem = JsonNode.Parse(await notZip.Content.ReadAsStringAsync())!;
        Assert.Equal("The file is not a valid zip archive.", (string?)problem["detail"]);

        var binary = await PostAsync(partner.Http, "toilets.csv", [0x50, 0x4b, 0x03, 0x04, 0x00, 0x00, 0x0a, 0x0d]);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, binary.StatusCode);
        Assert.Contains("NUL", (string?)JsonNode.Parse(await binary.Content.ReadAsStringAsync())!["detail"], StringComparison.Ordinal);

        var unknown = await PostAsync(partner.Http, "toilets.xlsx", "PK"u8.ToArray());
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, unknown.StatusCode);
        Assert.Contains("toilets.xlsx", (string?)JsonNode.Parse(await unknown.Content.ReadAsStringAsync())!["detail"], StringComparison.Ordinal);

        using var anonymous = fixture.App.CreateClient();
        var refused = await PostAsync(anonymous, "toilets.csv", "Name,Lon,Lat\nA,10,45\n"u8.ToArray());
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.Empty(Directory.EnumerateFileSystemEntries(fixture.UploadDirectory));
    }
}
