using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Facilities.Api.Tests.Contributors;

namespace Facilities.Api.Tests.Partners;

/// <summary>
/// PATCH /api/v1/partner/datasets/{id}: a partner whose export changed its column names (or licence) edits the
/// dataset instead of starting a new one; the record id stays fixed once records exist, and a refused edit changes
/// nothing.
/// </summary>
public sealed class DatasetEditTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    private static readonly string[] NotAToiletAttribute = ["smell"];

    private static JsonObject Mapping(string nameColumn, string idColumn = "ref") =>
        new() { ["id"] = idColumn, ["lat"] = "lat", ["lon"] = "lon", ["name"] = nameColumn };

    private static object Dataset(string name) => new
    {
        name,
        license = "CC-BY-4.0",
        attribution = "© Test council",
        category = "toilet",
        mapping = Mapping("name"),
    };

    /// <summary>Asserts a 200 answer; returns its body (refusals go through <see cref="ProblemAssert.IsProblemAsync"/>).</summary>
    private static async Task<JsonNode> OkAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{response.StatusCode}: {text}");
        return JsonNode.Parse(text)!;
    }

    [Fact]
    public async Task A_renamed_column_is_mapped_again_and_the_next_file_goes_into_the_same_records()
    {
        using var partner = await PartnerClient.CreateAsync(fixture, "Renaming council");
        var dataset = await partner.CreateDatasetAsync(Dataset("Council toilets"));
        await partner.ImportTextAsync(dataset, "v1.csv", "ref,lat,lon,name\nR1,12.301,45.601,Old name\n");
        var facility = await PartnerClient.OnlyFacilityNearAsync(partner.Http, 12.301, 45.601);

        // The new export calls the name column "site_name", and the council changed its licence wording.
        var edited = await OkAsync(await partner.Http.PatchAsJsonAsync($"/api/v1/partner/datasets/{dataset}", new
        {
            mapping = Mapping("site_name"),
            attribution = "© Test council, 2027",
        }));
        Assert.Equal("site_name", (string?)edited["mapping"]!["name"]);
        Assert.Equal("© Test council, 2027", (string?)edited["attribution"]);
        Assert.Equal("CC-BY-4.0", (string?)edited["license"]); // not given, not changed
        var listed = await partner.Http.GetFromJsonAsync<JsonNode>($"/api/v1/partner/datasets/{dataset}");
        Assert.Equal("site_name", (string?)listed!["mapping"]!["name"]);

        var report = (await partner.ImportTextAsync(dataset, "v2.csv", "ref,lat,lon,site_name\nR1,12.301,45.601,New name\n"))["report"]!;

        Assert.Equal(1, (int)report["updated"]!);
        Assert.Equal(0, (int)report["created"]!);
        Assert.Equal(0, (int)report["removed_at_source"]!);
        var after = await partner.Http.GetFromJsonAsync<JsonNode>($"/api/v1/facilities/{facility}");
        Assert.Equal("New name", (string?)after!["properties"]!["name"]);
    }

    [Fact]
    public async Task The_id_column_is_fixed_once_records_exist_and_a_refused_edit_changes_nothing()
    {
        using var partner = await PartnerClient.CreateAsync(fixture, "Rekeying council");
        var empty = await partner.CreateDatasetAsync(Dataset("Not imported yet"));
        // Before any import the id column may still change.
        await OkAsync(await partner.Http.PatchAsJsonAsync($"/api/v1/partner/datasets/{empty}", new { mapping = Mapping("name", "code") }));

        var dataset = await partner.CreateDatasetAsync(Dataset("Imported"));
        await partner.ImportTextAsync(dataset, "v1.csv", "ref,lat,lon,name\nK1,12.401,45.701,Kept\n");
        var before = await partner.Http.GetStringAsync($"/api/v1/partner/datasets/{dataset}");

        var conflict = await (await partner.Http.PatchAsJsonAsync($"/api/v1/partner/datasets/{dataset}", new
        {
            mapping = Mapping("name", "code"),
            attribution = "would change too",
        })).IsProblemAsync(HttpStatusCode.Conflict);
        Assert.Contains("id", conflict.GetProperty("detail").GetString(), StringComparison.Ordinal);

        Assert.Equal(before, await partner.Http.GetStringAsync($"/api/v1/partner/datasets/{dataset}"));
    }

    [Fact]
    public async Task Bad_edits_are_400s_naming_each_field_another_partners_dataset_is_404_and_nothing_changes()
    {
        using var partner = await PartnerClient.CreateAsync(fixture, "Careless council");
        var dataset = await partner.CreateDatasetAsync(Dataset("Careless"));
        var before = await partner.Http.GetStringAsync($"/api/v1/partner/datasets/{dataset}");
        var url = $"/api/v1/partner/datasets/{dataset}";

        var errors = (await (await partner.Http.PatchAsJsonAsync(url, new
        {
            name = "",
            license = "not a licence!",
            crs = "EPSG:999999",
            match_distance_m = 5000,
        })).IsProblemAsync(HttpStatusCode.BadRequest)).GetProperty("errors");
        foreach (var field in (string[])["name", "license", "crs", "match_distance_m"])
        {
            Assert.True(errors.TryGetProperty(field, out _), $"no error for {field}: {errors}");
        }

        // Checked against the dataset's category: an attribute toilets do not have, in the mapping and as owned.
        errors = (await (await partner.Http.PatchAsJsonAsync(url, new
        {
            mapping = new JsonObject { ["id"] = "ref", ["lat"] = "lat", ["lon"] = "lon", ["colour"] = "c" },
            owned_attributes = NotAToiletAttribute,
        })).IsProblemAsync(HttpStatusCode.BadRequest)).GetProperty("errors");
        Assert.True(errors.TryGetProperty("mapping.colour", out _), errors.ToString());
        Assert.True(errors.TryGetProperty("owned_attributes", out _), errors.ToString());

        // A misspelt key, or one that cannot change, is named, not ignored with a 200; so is one deep in the mapping.
        errors = (await (await partner.Http.PatchAsJsonAsync(url, new JsonObject
        {
            ["licence"] = "OGL-UK-3.0",
            ["category"] = "drinking_water",
        })).IsProblemAsync(HttpStatusCode.BadRequest)).GetProperty("errors");
        Assert.Contains("unknown key", errors.GetProperty("licence")[0].GetString(), StringComparison.Ordinal);
        Assert.Contains("cannot change", errors.GetProperty("category")[0].GetString(), StringComparison.Ordinal);
        Assert.False(errors.TryGetProperty("body", out _), errors.ToString());
        errors = (await (await partner.Http.PatchAsJsonAsync(url, new JsonObject
        {
            ["mapping"] = new JsonObject
            {
                ["fields"] = new JsonObject
                {
                    ["id"] = "ref",
                    ["lat"] = "lat",
                    ["lon"] = "lon",
                    ["name"] = new JsonObject { ["column"] = "name", ["transfrom"] = "collapse_spaces" }
                }
            },
        })).IsProblemAsync(HttpStatusCode.BadRequest)).GetProperty("errors");
        Assert.True(errors.TryGetProperty("mapping.fields.name.transfrom", out _), errors.ToString());

        errors = (await (await partner.Http.PatchAsJsonAsync(url, new { })).IsProblemAsync(HttpStatusCode.BadRequest)).GetProperty("errors");
        Assert.True(errors.TryGetProperty("body", out _), errors.ToString());

        using var malformed = new StringContent("{\"match_distance_m\": \"far\"", Encoding.UTF8, "application/json");
        await (await partner.Http.PatchAsync(url, malformed)).IsProblemAsync(HttpStatusCode.BadRequest);

        using var other = await PartnerClient.CreateAsync(fixture, "Other council");
        await (await other.Http.PatchAsJsonAsync(url, new { name = "Mine now" })).IsProblemAsync(HttpStatusCode.NotFound);

        Assert.Equal(before, await partner.Http.GetStringAsync(url));
    }
}
