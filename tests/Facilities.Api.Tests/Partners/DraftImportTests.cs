using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Facilities.Api.Tests.Contributors;
using Facilities.Testing;

namespace Facilities.Api.Tests.Partners;

/// <summary>A file dry-run against a definition before any dataset exists, and the per-record report: each record's
/// outcome, facility and ignored values, as JSON and as CSV.</summary>
public sealed class DraftImportTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    private static readonly string Camden = Path.Combine(RepositoryPaths.TestData, "london-toilets", "camden_public_toilets.csv");

    private static JsonObject CamdenDefinition(string idColumn = "Socrata ID") => new()
    {
        ["name"] = "Camden public toilets",
        ["license"] = "OGL-UK-3.0",
        ["attribution"] = "Contains public sector information licensed under the Open Government Licence v3.0 (London Borough of Camden)",
        ["crs"] = "EPSG:27700",
        ["mapping"] = new JsonObject
        {
            ["fields"] = new JsonObject
            {
                ["id"] = idColumn,
                ["x"] = "Easting",
                ["y"] = "Northing",
                ["name"] = "Name",
                ["opening_hours"] = new JsonObject { ["column"] = "Opening Hours", ["transform"] = "hours_24_7" },
            },
        },
    };

    private static async Task<HttpResponseMessage> PostAsync(PartnerClient partner, JsonObject definition, string fileName, byte[] file, bool dryRun)
    {
        var form = new MultipartFormDataContent
        {
            { new StringContent(definition.ToJsonString(), Encoding.UTF8, "application/json"), "definition" },
        };
        var content = new ByteArrayContent(file);
        content.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        form.Add(content, "file", fileName);
        return await partner.Http.PostAsync($"/api/v1/partner/imports{(dryRun ? "?dry_run=true" : "")}", form);
    }

    private static async Task<JsonNode> FinishedAsync(PartnerClient partner, HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, text);
        var location = response.Headers.Location!.ToString();
        for (var attempt = 0; attempt < 6000; attempt++)
        {
            var import = JsonNode.Parse(await partner.Http.GetStringAsync(location))!;
            if ((string?)import["state"] is "succeeded" or "failed")
            {
                return import;
            }
            await Task.Delay(50);
        }
        throw new TimeoutException("The import did not finish.");
    }

    [Fact]
    public async Task A_dry_run_of_a_draft_reports_every_record_and_leaves_no_dataset_and_no_facility()
    {
        using var partner = await PartnerClient.CreateAsync(fixture, "Camden draft");
        var before = await Db.LayerFingerprintAsync(fixture.Database);

        var import = await FinishedAsync(partner, await PostAsync(partner, CamdenDefinition(), "camden.csv", File.ReadAllBytes(Camden), dryRun: true));

        Assert.Equal("succeeded", (string?)import["state"]);
        Assert.Null((string?)import["dataset_id"]);
        Assert.Equal(47, (int)import["report"]!["created"]!);
        Assert.Equal(before, await Db.LayerFingerprintAsync(fixture.Database));
        Assert.Empty(JsonNode.Parse(await partner.Http.GetStringAsync("/api/v1/partner/datasets"))!.AsArray());
        Assert.Equal(0, await Db.CountAsync(fixture.Database, "select count(*) from datasets where partner_id = $1", partner.PartnerId));

        var records = JsonNode.Parse(await partner.Http.GetStringAsync($"/api/v1/partner/imports/{import["id"]}/records?limit=1000"))!;
        Assert.Equal(47, (int)records["total"]!);
        Assert.All(records["items"]!.AsArray(), r => Assert.Equal("created", (string?)r!["outcome"]));
        // A dry run's new facilities do not exist, so no id points at one.
        Assert.All(records["items"]!.AsArray(), r => Assert.Null((string?)r!["facility_id"]));
        var holborn = records["items"]!.AsArray().Single(r => (string?)r!["record_id"] == "24")!;
        Assert.Equal(3, (int)holborn["row"]!);
        // Each ignored value with the value itself: Camden's prose hours.
        var daylight = records["items"]!.AsArray().Single(r => (string?)r!["record_id"] == "43")!["ignored"]!.AsArray().Single()!;
        Assert.Equal("opening_hours", (string?)daylight["attribute"]);
        Assert.Equal("Daylight hours", (string?)daylight["value"]);
        Assert.Contains("opening hours", (string?)daylight["reason"], StringComparison.Ordinal);

        var csv = await partner.Http.GetAsync($"/api/v1/partner/imports/{import["id"]}/records.csv");
        Assert.Equal("text/csv", csv.Content.Headers.ContentType?.MediaType);
        var lines = (await csv.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("row,record_id,outcome,facility_id,reason,ignored", lines[0]);
        Assert.Equal(48, lines.Length);
        Assert.Contains(lines, l => l.StartsWith("6,43,created,,,", StringComparison.Ordinal) && l.Contains("opening_hours='Daylight hours'", StringComparison.Ordinal));

        using var other = await PartnerClient.CreateAsync(fixture, "Not Camden");
        await ProblemAssert.IsProblemAsync(await other.Http.GetAsync($"/api/v1/partner/imports/{import["id"]}/records"), HttpStatusCode.NotFound);
        await ProblemAssert.IsProblemAsync(await other.Http.GetAsync($"/api/v1/partner/imports/{import["id"]}/records.csv"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_file_without_a_mapped_column_is_a_dry_run_report_naming_it_and_a_bad_definition_a_400()
    {
        using var partner = await PartnerClient.CreateAsync(fixture, "Camden typo");
        var import = await FinishedAsync(partner, await PostAsync(partner, CamdenDefinition("Socrata Id Number"), "camden.csv", File.ReadAllBytes(Camden), dryRun: true));

        Assert.Equal("succeeded", (string?)import["state"]);
        var missing = import["report"]!["missing_columns"]!.AsArray().Single()!;
        Assert.Equal("id", (string?)missing["field"]);
        Assert.Equal("Socrata Id Number", (string?)missing["columns"]![0]);
        Assert.Equal(47, (int)import["report"]!["rejected_count"]!);

        var bad = CamdenDefinition();
        bad["mapping"]!["fields"]!["wheelchair"] = new JsonObject { ["column"] = "Name", ["values"] = new JsonObject { ["accessible"] = "accessible" } };
        var response = await PostAsync(partner, bad, "camden.csv", File.ReadAllBytes(Camden), dryRun: true);
        var errors = (await response.IsProblemAsync(HttpStatusCode.BadRequest)).GetProperty("errors");
        Assert.True(errors.TryGetProperty("mapping.fields.wheelchair.values.accessible", out _), errors.ToString());
        // The definition part is the body of POST /datasets, as strict: a misspelt top-level key is named.
        var typo = CamdenDefinition();
        typo["match_distance"] = 30;
        errors = (await (await PostAsync(partner, typo, "camden.csv", File.ReadAllBytes(Camden), dryRun: true)).IsProblemAsync(HttpStatusCode.BadRequest)).GetProperty("errors");
        Assert.True(errors.TryGetProperty("match_distance", out _), errors.ToString());
        Assert.Equal(0, await Db.CountAsync(fixture.Database, "select count(*) from datasets where partner_id = $1", partner.PartnerId));
        Assert.Equal(1, await Db.CountAsync(fixture.Database, "select count(*) from imports where partner_id = $1", partner.PartnerId));
    }

    [Fact]
    public async Task The_real_import_of_a_draft_makes_the_dataset_and_a_merged_record_names_its_facility()
    {
        using var partner = await PartnerClient.CreateAsync(fixture, "Two sources");
        var first = await FinishedAsync(partner, await PostAsync(partner, new JsonObject
        {
            ["name"] = "Council",
            ["license"] = "OGL-UK-3.0",
            ["attribution"] = "Council",
            ["crs"] = "EPSG:4326",
            ["mapping"] = new JsonObject { ["fields"] = new JsonObject { ["id"] = "ref", ["lon"] = "lon", ["lat"] = "lat", ["name"] = "name" } },
        }, "council.csv", Encoding.UTF8.GetBytes("ref,lon,lat,name\nc1,12.5001,41.9001,Piazza toilet\n"), dryRun: false));
        Assert.Equal("succeeded", (string?)first["state"]);
        Assert.NotNull((string?)first["dataset_id"]);
        var facility = (string?)JsonNode.Parse(await partner.Http.GetStringAsync($"/api/v1/partner/imports/{first["id"]}/records"))!["items"]![0]!["facility_id"];
        Assert.NotNull(facility);

        var second = await FinishedAsync(partner, await PostAsync(partner, new JsonObject
        {
            ["name"] = "Volunteers",
            ["license"] = "CC-BY-4.0",
            ["attribution"] = "Volunteers",
            ["crs"] = "EPSG:4326",
            ["mapping"] = new JsonObject { ["fields"] = new JsonObject { ["id"] = "ref", ["lon"] = "lon", ["lat"] = "lat", ["name"] = "name" } },
        }, "volunteers.csv", Encoding.UTF8.GetBytes("ref,lon,lat,name\nv1,12.50012,41.90011,Piazza toilet\nv2,12.6,41.95,Somewhere else\n"), dryRun: true));
        Assert.Equal(1, (int)second["report"]!["merged"]!);
        var merged = JsonNode.Parse(await partner.Http.GetStringAsync($"/api/v1/partner/imports/{second["id"]}/records?outcome=merged"))!;
        Assert.Equal(1, (int)merged["total"]!);
        Assert.Equal("v1", (string?)merged["items"]![0]!["record_id"]);
        Assert.Equal(facility, (string?)merged["items"]![0]!["facility_id"]);
        // The CSV has the same rows: row, record id, outcome, the facility merged into, no reason, nothing left out.
        var csv = (await partner.Http.GetStringAsync($"/api/v1/partner/imports/{second["id"]}/records.csv")).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["row,record_id,outcome,facility_id,reason,ignored", $"1,v1,merged,{facility},,", "2,v2,created,,,"], csv);
        await ProblemAssert.IsProblemAsync(await partner.Http.GetAsync($"/api/v1/partner/imports/{second["id"]}/records?outcome=lost"), HttpStatusCode.BadRequest);
        Assert.Single(JsonNode.Parse(await partner.Http.GetStringAsync("/api/v1/partner/datasets"))!.AsArray());
    }
}
