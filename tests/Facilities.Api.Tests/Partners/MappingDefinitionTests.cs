using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Facilities.Api.Tests.Contributors;
using Facilities.Testing;

namespace Facilities.Api.Tests.Partners;

/// <summary>Mapping v2 through the API: strict definitions named by path, presets listed and extended, and the real
/// council files mapped as they are.</summary>
public sealed class MappingDefinitionTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    private static object Dataset(JsonObject? mapping, string? preset = null, string crs = "EPSG:27700") => new
    {
        name = "Mapping v2",
        license = "OGL-UK-3.0",
        attribution = "Contains public sector information licensed under the Open Government Licence v3.0",
        category = "toilet",
        crs,
        mapping,
        preset,
    };

    [Fact]
    public async Task A_bad_definition_is_a_400_naming_the_exact_path_of_each_bad_part_and_creates_nothing()
    {
        using var partner = await PartnerClient.CreateAsync(fixture, "Strict");
        var response = await partner.Http.PostAsJsonAsync("/api/v1/partner/datasets", Dataset(new JsonObject
        {
            ["fields"] = new JsonObject
            {
                ["x"] = "Easting",
                ["y"] = "Northing",
                ["wheelchair"] = new JsonObject { ["column"] = "Accessible", ["values"] = new JsonObject { ["Yes"] = "accessible" } },
                ["name"] = new JsonObject { ["column"] = "Name", ["pattern"] = "([unclosed" },
                ["fee"] = new JsonObject { ["column"] = "Charge", ["colum"] = "typo" },
            },
        }));
        var errors = (await response.IsProblemAsync(HttpStatusCode.BadRequest)).GetProperty("errors");
        foreach (var path in (string[])["mapping.fields.wheelchair.values.Yes", "mapping.fields.name.pattern", "mapping.fields.fee.colum"])
        {
            Assert.True(errors.TryGetProperty(path, out _), $"no error for {path}: {errors}");
        }

        // Unknown keys at the top of the definition and of the mapping too, each by its path.
        var top = await partner.Http.PostAsJsonAsync("/api/v1/partner/datasets", new JsonObject
        {
            ["name"] = "Typos",
            ["license"] = "OGL-UK-3.0",
            ["attribution"] = "Council",
            ["crs"] = "EPSG:27700",
            ["owned_attribute"] = new JsonArray("opening_hours"),
            ["mapping"] = new JsonObject { ["fields"] = new JsonObject { ["x"] = "Easting", ["y"] = "Northing" }, ["field"] = new JsonObject() },
        });
        errors = (await top.IsProblemAsync(HttpStatusCode.BadRequest)).GetProperty("errors");
        Assert.Contains("unknown key", errors.GetProperty("owned_attribute")[0].GetString(), StringComparison.Ordinal);
        Assert.True(errors.TryGetProperty("mapping.field", out _), errors.ToString());

        var both = await partner.Http.PostAsJsonAsync("/api/v1/partner/datasets",
            Dataset(new JsonObject { ["fields"] = new JsonObject { ["name"] = "LocationText" } }, "uk_lga_toilets"));
        Assert.True((await both.IsProblemAsync(HttpStatusCode.BadRequest)).GetProperty("errors").TryGetProperty("mapping.extends", out _));
        Assert.Empty(JsonNode.Parse(await partner.Http.GetStringAsync("/api/v1/partner/datasets"))!.AsArray());
    }

    [Fact]
    public async Task Presets_are_listed_the_osm_preset_makes_an_osm_dataset_and_extends_keeps_the_presets_fields()
    {
        using var partner = await PartnerClient.CreateAsync(fixture, "Presets");
        var presets = JsonNode.Parse(await partner.Http.GetStringAsync("/api/v1/partner/presets"))!.AsArray();
        Assert.Equal(["au_nptm", "uk_lga_toilets", "osm_toilets"], presets.Select(p => (string?)p!["id"]));
        Assert.Equal("osm", (string?)presets.Single(p => (string?)p!["id"] == "osm_toilets")!["kind"]);

        var osm = await partner.CreateDatasetAsync(new { name = "OSM", license = "ODbL-1.0", attribution = "© OpenStreetMap contributors", preset = "osm_toilets" });
        var dataset = JsonNode.Parse(await partner.Http.GetStringAsync($"/api/v1/partner/datasets/{osm}"))!;
        Assert.Equal("osm", (string?)dataset["kind"]);

        var extended = await partner.CreateDatasetAsync(Dataset(new JsonObject
        {
            ["extends"] = "uk_lga_toilets",
            ["fields"] = new JsonObject { ["name"] = new JsonObject { ["columns"] = new JsonArray("LocationText", "StreetAddress") } },
        }, "uk_lga_toilets"));
        var stored = JsonNode.Parse(await partner.Http.GetStringAsync($"/api/v1/partner/datasets/{extended}"))!["mapping"]!;
        Assert.Equal("official", (string?)JsonNode.Parse(await partner.Http.GetStringAsync($"/api/v1/partner/datasets/{extended}"))!["kind"]);
        Assert.Equal("GeoX", (string?)stored["fields"]!["x"]);
        Assert.Equal("StreetAddress", (string?)stored["fields"]!["name"]!["columns"]![1]);
    }

    [Fact]
    public async Task Barnets_prefixed_hours_and_camdens_building_and_street_go_in_through_the_mapping()
    {
        using var partner = await PartnerClient.CreateAsync(fixture, "London councils");
        var barnet = await partner.CreateDatasetAsync(new
        {
            name = "Barnet",
            license = "OGL-UK-3.0",
            attribution = "London Borough of Barnet",
            preset = "uk_lga_toilets",
        });
        var import = await partner.ImportFileAsync(barnet, Path.Combine(RepositoryPaths.TestData, "london-toilets", "barnet_lga_schema.csv"));
        Assert.Equal("succeeded", (string?)import["state"]);
        Assert.Equal(26, (int)import["report"]!["created"]!);
        // The prefix is gone from all 26; the 8 "08:00-(sunset)" are what the evaluator cannot read.
        Assert.Equal(8, (int)import["report"]!["ignored_values"]!["opening_hours"]!);
        Assert.Equal(0, await Db.CountAsync(fixture.Database, "select count(*) from facilities where opening_hours like 'opening_hours=%'"));
        Assert.Equal(7, await Db.CountAsync(fixture.Database, "select count(*) from facilities where opening_hours = '24/7'"));
        Assert.Equal(18, await Db.CountAsync(fixture.Database, "select count(*) from facilities where opening_hours is not null"));

        var camden = await partner.CreateDatasetAsync(Dataset(new JsonObject
        {
            ["fields"] = new JsonObject
            {
                ["id"] = "Socrata ID",
                ["x"] = "Easting",
                ["y"] = "Northing",
                ["name"] = "Name",
                ["operator"] = new JsonObject { ["template"] = "{Building Name}, {Street}" },
                ["opening_hours"] = new JsonObject { ["column"] = "Opening Hours", ["transform"] = "hours_24_7" },
            },
        }));
        import = await partner.ImportFileAsync(camden, Path.Combine(RepositoryPaths.TestData, "london-toilets", "camden_public_toilets.csv"));
        Assert.Equal(47, (int)import["report"]!["rows_read"]!);
        Assert.Equal(0, (int)import["report"]!["rejected_count"]!);
        var holborn = await PartnerClient.OnlyFacilityNearAsync(fixture.Client, 51.521182, -0.115702);
        var properties = JsonNode.Parse(await fixture.Client.GetStringAsync($"/api/v1/facilities/{holborn}"))!["properties"]!;
        Assert.Equal("Theobald's Road", (string?)properties["operator"]);
        Assert.Equal(1, await Db.CountAsync(fixture.Database,
            "select count(*) from facilities where name = 'Leather Lane Public Conveniences' and opening_hours = '24/7' and operator = 'Public Convenience, Leather Lane'"));
    }
}
