using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Facilities.Api.Tests.Contributors;
using Microsoft.AspNetCore.Hosting;

namespace Facilities.Api.Tests.Partners;

/// <summary>Bad keys, other partners' ids, and every bad file the issue lists: a 4xx or a failed import with a clear
/// error, and the layer exactly as it was.</summary>
public sealed class PartnerBadInputTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    private static readonly string[] Smell = ["smell"];

    private static object Dataset(string crs = "EPSG:4326", JsonObject? mapping = null) => new
    {
        name = "Bad input",
        license = "CC-BY-4.0",
        attribution = "test",
        category = "toilet",
        crs,
        mapping = mapping ?? new JsonObject { ["id"] = "id", ["lon"] = "lon", ["lat"] = "lat", ["name"] = "name" },
    };

    [Fact]
    public async Task Without_a_key_or_with_an_unknown_or_revoked_one_partner_endpoints_answer_401()
    {
        var anonymous = await fixture.Client.GetAsync("/api/v1/partner/datasets");
        await ProblemAssert.IsProblemAsync(anonymous, HttpStatusCode.Unauthorized);

        using var wrong = fixture.App.CreateClient();
        wrong.DefaultRequestHeaders.Add("X-Api-Key", "fac_not-a-key");
        await ProblemAssert.IsProblemAsync(await wrong.GetAsync("/api/v1/partner/feedback"), HttpStatusCode.Unauthorized);

        using var partner = await PartnerClient.CreateAsync(fixture, "Revoked");
        await Db.ExecuteAsync(fixture.Database, $"update partner_api_keys set revoked_at = now() where partner_id = '{partner.PartnerId}'");
        await ProblemAssert.IsProblemAsync(await partner.Http.GetAsync("/api/v1/partner/datasets"), HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task One_partner_cannot_see_or_touch_another_partners_datasets_or_imports()
    {
        using var owner = await PartnerClient.CreateAsync(fixture, "Owner");
        using var other = await PartnerClient.CreateAsync(fixture, "Other");
        var dataset = await owner.CreateDatasetAsync(Dataset());
        var import = await owner.ImportTextAsync(dataset, "a.csv", "id,lon,lat,name\n1,30.1,-20.1,Mine\n");

        Assert.Empty(JsonNode.Parse(await other.Http.GetStringAsync("/api/v1/partner/datasets"))!.AsArray());
        await ProblemAssert.IsProblemAsync(await other.Http.GetAsync($"/api/v1/partner/datasets/{dataset}"), HttpStatusCode.NotFound);
        await ProblemAssert.IsProblemAsync(await other.Http.GetAsync($"/api/v1/partner/datasets/{dataset}/imports/{import["id"]}"), HttpStatusCode.NotFound);
        await ProblemAssert.IsProblemAsync(await other.Http.GetAsync($"/api/v1/partner/datasets/{dataset}/imports"), HttpStatusCode.NotFound);
        Assert.Single(JsonNode.Parse(await owner.Http.GetStringAsync($"/api/v1/partner/datasets/{dataset}/imports"))!.AsArray());
        var before = await Db.LayerFingerprintAsync(fixture.Database);
        await ProblemAssert.IsProblemAsync(await other.UploadAsync(dataset, "b.csv", Encoding.UTF8.GetBytes("id,lon,lat,name\n2,30.2,-20.2,Theirs\n")), HttpStatusCode.NotFound);
        Assert.Equal(before, await Db.LayerFingerprintAsync(fixture.Database));
        Assert.Single(JsonNode.Parse(await owner.Http.GetStringAsync("/api/v1/partner/datasets"))!.AsArray());
    }

    [Fact]
    public async Task Invalid_datasets_are_400s_naming_the_field()
    {
        using var partner = await PartnerClient.CreateAsync(fixture, "Validation");
        var response = await partner.Http.PostAsJsonAsync("/api/v1/partner/datasets", new
        {
            name = "",
            license = "not a licence!",
            attribution = "x",
            crs = "EPSG:999999",
            match_distance_m = 5000,
            mapping = new JsonObject { ["lon"] = "x", ["colour"] = "c" },
            owned_attributes = Smell,
        });
        var errors = (await response.IsProblemAsync(HttpStatusCode.BadRequest)).GetProperty("errors");
        foreach (var field in (string[])["name", "license", "crs", "match_distance_m", "mapping", "mapping.colour", "owned_attributes"])
        {
            Assert.True(errors.TryGetProperty(field, out _), $"no error for {field}: {errors}");
        }
    }

    [Fact]
    public async Task A_dataset_definition_of_megabytes_is_a_413_before_it_is_read()
    {
        using var partner = await PartnerClient.CreateAsync(fixture, "Huge definition");
        var huge = new { name = new string('x', 2 * 1024 * 1024), license = "CC0-1.0", attribution = "x" };
        await ProblemAssert.IsProblemAsync(await partner.Http.PostAsJsonAsync("/api/v1/partner/datasets", huge), HttpStatusCode.RequestEntityTooLarge);
        var dataset = await partner.CreateDatasetAsync(Dataset());
        await ProblemAssert.IsProblemAsync(await partner.Http.PatchAsJsonAsync($"/api/v1/partner/datasets/{dataset}", huge), HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal(1, await Db.CountAsync(fixture.Database, "select count(*) from datasets where partner_id = $1", partner.PartnerId));
    }

    [Fact]
    public async Task A_null_owned_attribute_is_a_400_naming_its_path_when_made_and_when_edited()
    {
        using var partner = await PartnerClient.CreateAsync(fixture, "Null owned attribute");
        var definition = JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(Dataset()))!.AsObject();
        definition["owned_attributes"] = new JsonArray("name", null);
        using var made = await partner.Http.PostAsync("/api/v1/partner/datasets",
            new StringContent(definition.ToJsonString(), Encoding.UTF8, "application/json"));
        var errors = (await made.IsProblemAsync(HttpStatusCode.BadRequest)).GetProperty("errors");
        Assert.True(errors.TryGetProperty("owned_attributes[1]", out _), errors.ToString());

        var dataset = await partner.CreateDatasetAsync(Dataset());
        using var edited = await partner.Http.PatchAsync($"/api/v1/partner/datasets/{dataset}",
            new StringContent("""{"owned_attributes":[null]}""", Encoding.UTF8, "application/json"));
        errors = (await edited.IsProblemAsync(HttpStatusCode.BadRequest)).GetProperty("errors");
        Assert.True(errors.TryGetProperty("owned_attributes[0]", out _), errors.ToString());
        Assert.Equal(0, await Db.CountAsync(fixture.Database, "select count(*) from datasets where id = $1 and owned_attributes <> '{}'", dataset));
    }

    [Fact]
    public async Task A_file_over_the_limit_is_413_and_a_file_of_another_type_415_and_nothing_is_stored()
    {
        using var small = fixture.App.WithWebHostBuilder(b => b.UseSetting("Facilities:Imports:MaxFileBytes", "1000"));
        using var partner = await PartnerClient.CreateAsync(fixture, "Sizes");
        var dataset = await partner.CreateDatasetAsync(Dataset());
        using var client = small.CreateClient();
        foreach (var header in partner.Http.DefaultRequestHeaders)
        {
            client.DefaultRequestHeaders.Add(header.Key, header.Value);
        }
        var before = await Db.LayerFingerprintAsync(fixture.Database);
        var limited = new PartnerClient(client, partner.PartnerId);

        var big = "id,lon,lat,name\n" + string.Concat(Enumerable.Range(0, 100).Select(i => $"{i},30.1,-20.1,Toilet number {i}\n"));
        await ProblemAssert.IsProblemAsync(await limited.UploadAsync(dataset, "big.csv", Encoding.UTF8.GetBytes(big)), HttpStatusCode.RequestEntityTooLarge);
        await ProblemAssert.IsProblemAsync(await limited.UploadAsync(dataset, "report.pdf", "%PDF-1.4"u8.ToArray(), mediaType: "application/pdf"), HttpStatusCode.UnsupportedMediaType);
        await ProblemAssert.IsProblemAsync(await client.PostAsync($"/api/v1/partner/datasets/{dataset}/imports", new StringContent("id,lon,lat\n", Encoding.UTF8, "text/csv")),
            HttpStatusCode.UnsupportedMediaType);
        await ProblemAssert.IsProblemAsync(await client.PostAsync($"/api/v1/partner/datasets/{dataset}/imports?dry_run=maybe", new StringContent("")), HttpStatusCode.BadRequest);

        Assert.Equal(before, await Db.LayerFingerprintAsync(fixture.Database));
        Assert.Equal(0, await Db.CountAsync(fixture.Database, "select count(*) from imports where dataset_id = $1", dataset));
    }

    public static TheoryData<string, string, string> BadFiles => new()
    {
        { "no-coordinates.csv", "id,name\n1,Somewhere\n", "coordinate columns" },
        { "missing-columns.csv", "ref,lon,lat\n1,30,-20\n", "does not have: id, name" },
        { "doctype.kml", "<?xml version=\"1.0\"?><!DOCTYPE kml [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]><kml><Placemark><name>&xxe;</name>" +
                         "<Point><coordinates>30,-20</coordinates></Point></Placemark></kml>", "DOCTYPE" },
        { "bomb.osm", "<?xml version=\"1.0\"?><!DOCTYPE osm [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">]>" +
                      "<osm><node id=\"1\" lat=\"-20\" lon=\"30\"><tag k=\"name\" v=\"&b;\"/></node></osm>", "DOCTYPE" },
        { "broken.geojson", "{\"type\": \"FeatureCollection\", \"features\": [{\"type\": \"Feature\", ", "JSON" },
        { "not-a-zip.zip", "this is not a zip", "zip" },
        // The XML parser's refusal quotes the character itself, an unpaired surrogate that has no UTF-8 to store.
        { "surrogate.kml", "<?xml version=\"1.0\"?><kml><Placemark><name>&#xD800;</name><Point><coordinates>30,-20</coordinates></Point></Placemark></kml>",
          "not well-formed XML: '\uFFFD'" },
    };

    [Theory]
    [MemberData(nameof(BadFiles))]
    public async Task A_file_that_cannot_be_read_fails_its_import_with_a_clear_error_and_changes_nothing(string name, string content, string error)
    {
        using var partner = await PartnerClient.CreateAsync(fixture, "Bad files " + name);
        var mapping = name.StartsWith("no-coordinates", StringComparison.Ordinal) ? new JsonObject { ["id"] = "id", ["name"] = "name" } : null;
        var dataset = await partner.CreateDatasetAsync(Dataset(mapping: mapping));
        var before = await Db.LayerFingerprintAsync(fixture.Database);

        var import = await partner.ImportTextAsync(dataset, name, content);

        Assert.Equal("failed", (string?)import["state"]);
        Assert.Contains(error, (string?)import["error"], StringComparison.OrdinalIgnoreCase);
        Assert.Equal(before, await Db.LayerFingerprintAsync(fixture.Database));
    }

    public static TheoryData<string, string> DamagedShapefiles => new()
    {
        { "garbage.shp", "Invalid" },
        { "garbage.dbf", "dBASE" },
        { "overlong-record.shp", "minimumLength" },
        { "garbage-member.shp", "damaged" },
        { "cut-short.shp", "holds 118 of the 128 bytes its header says were written" },
    };

    [Theory]
    [MemberData(nameof(DamagedShapefiles))]
    public async Task A_damaged_shapefile_fails_its_import_saying_it_cannot_be_read(string damage, string words)
    {
        using var partner = await PartnerClient.CreateAsync(fixture, "Damaged shapefile " + damage);
        var dataset = await partner.CreateDatasetAsync(Dataset(mapping: new JsonObject { ["id"] = "REF", ["name"] = "NAME" }));
        var good = Facilities.Testing.TestShapefiles.Zip([("D1", "Damaged", 530827, 181935)]);
        var parts = new List<(string Name, byte[] Content)>();
        using (var zip = new ZipArchive(new MemoryStream(good)))
        {
            foreach (var entry in zip.Entries)
            {
                using var content = new MemoryStream();
                using (var stream = entry.Open())
                {
                    stream.CopyTo(content);
                }
                parts.Add((entry.FullName, content.ToArray()));
            }
        }
        var shp = parts.FindIndex(p => p.Name.EndsWith(".shp", StringComparison.Ordinal));
        var dbf = parts.FindIndex(p => p.Name.EndsWith(".dbf", StringComparison.Ordinal));
        switch (damage)
        {
            case "garbage.shp":
                parts[shp] = (parts[shp].Name, Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("garbage ", 40))));
                break;
            case "garbage.dbf":
                parts[dbf] = (parts[dbf].Name, Encoding.ASCII.GetBytes("garbage garbage"));
                break;
            case "overlong-record.shp":
                // The first record's length (big-endian 16-bit words, after its number) runs far past the file's end.
                parts[shp].Content.AsSpan(104, 4).Fill(0x7f);
                break;
            case "cut-short.shp":
                // The header, the record's header and half of its point: a download or copy that stopped early.
                parts[shp] = (parts[shp].Name, parts[shp].Content[..118]);
                break;
        }
        // Shp first, so that its compressed bytes start right after the zip's first local header.
        parts.Insert(0, parts[shp]);
        parts.RemoveAt(shp + 1);
        var file = Zip([.. parts]);
        if (damage == "garbage-member.shp")
        {
            var data = 30 + BitConverter.ToUInt16(file, 26) + BitConverter.ToUInt16(file, 28);
            file.AsSpan(data, 8).Fill(0xff); // a deflate block of the reserved type
        }
        var before = await Db.LayerFingerprintAsync(fixture.Database);

        var import = await partner.ImportAsync(dataset, "damaged.zip", file);

        Assert.True((string?)import["state"] == "failed", import.ToJsonString());
        Assert.StartsWith("The Shapefile cannot be read: ", (string?)import["error"], StringComparison.Ordinal);
        Assert.Contains(words, (string?)import["error"], StringComparison.Ordinal);
        Assert.Equal(before, await Db.LayerFingerprintAsync(fixture.Database));
    }

    [Fact]
    public async Task A_zip_bomb_and_a_zip_reaching_outside_itself_are_refused_without_extracting()
    {
        using var partner = await PartnerClient.CreateAsync(fixture, "Zips");
        var dataset = await partner.CreateDatasetAsync(Dataset());
        var before = await Db.LayerFingerprintAsync(fixture.Database);

        var bomb = Zip(("layer.shp", new byte[64 << 20]), ("layer.shx", new byte[100]), ("layer.dbf", new byte[100]));
        Assert.True(bomb.Length < 1 << 20);
        var bombImport = await partner.ImportAsync(dataset, "bomb.zip", bomb);
        Assert.Equal("failed", (string?)bombImport["state"]);
        Assert.Contains("zip bomb", (string?)bombImport["error"], StringComparison.Ordinal);

        var escape = Zip(("../../etc/layer.shp", new byte[100]), ("layer.shx", new byte[100]), ("layer.dbf", new byte[100]));
        var escapeImport = await partner.ImportAsync(dataset, "escape.zip", escape);
        Assert.Equal("failed", (string?)escapeImport["state"]);
        Assert.Contains("outside itself", (string?)escapeImport["error"], StringComparison.Ordinal);

        Assert.Equal(before, await Db.LayerFingerprintAsync(fixture.Database));
    }

    [Fact]
    public async Task Coordinates_outside_the_datasets_crs_are_rejected_row_by_row_and_an_all_bad_file_changes_nothing()
    {
        using var partner = await PartnerClient.CreateAsync(fixture, "Wrong CRS");
        // Longitude/latitude given to a British National Grid dataset.
        var dataset = await partner.CreateDatasetAsync(Dataset("EPSG:27700"));
        var before = await Db.LayerFingerprintAsync(fixture.Database);

        var import = await partner.ImportTextAsync(dataset, "latlon.csv", "id,lon,lat,name\n1,-0.14,51.50,A\n2,-0.15,51.51,B\n");

        Assert.Equal("succeeded", (string?)import["state"]);
        Assert.Equal(2, (int)import["report"]!["rejected_count"]!);
        Assert.All(import["report"]!["rejected"]!.AsArray(), r => Assert.Contains("outside the area of EPSG:27700", (string?)r!["reason"], StringComparison.Ordinal));
        Assert.Equal(before, await Db.LayerFingerprintAsync(fixture.Database));
    }

    private static byte[] Zip(params (string Name, byte[] Content)[] entries)
    {
        using var output = new MemoryStream();
        using (var zip = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, content) in entries)
            {
                using var stream = zip.CreateEntry(name, CompressionLevel.SmallestSize).Open();
                stream.Write(content);
            }
        }
        return output.ToArray();
    }
}
