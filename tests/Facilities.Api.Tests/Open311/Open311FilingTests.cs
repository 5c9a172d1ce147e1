using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Xml.Linq;
using Facilities.Api.Tests.Contributors;
using Facilities.Api.Tests.Partners;

namespace Facilities.Api.Tests.Open311;

/// <summary>
/// Third-party apps file reports with an admin-issued api_key: POST requests.json|.xml answers the spec's
/// [{service_request_id, service_notice, account_id}], the report is the app's and shows in the partner's requests;
/// a bad or revoked key, a form naming no facility, and a position with no facility near are refusals.
/// </summary>
public sealed class Open311FilingTests(ContributorsFixture fixture) : IClassFixture<ContributorsFixture>
{
    private static int _places;

    private async Task<(PartnerClient Partner, string Name, Guid Facility, double Lat, double Lon)> PartnerFacilityAsync()
    {
        var lat = 50 + Interlocked.Increment(ref _places) * 0.5;
        const double lon = -100.0;
        var name = $"Council {Guid.NewGuid():N}";
        var partner = await PartnerClient.CreateThroughAdminAsync(fixture, name);
        var dataset = await partner.CreateDatasetAsync(new
        {
            name,
            license = "CC-BY-4.0",
            attribution = name,
            category = "toilet",
            mapping = new Dictionary<string, string> { ["id"] = "id", ["lon"] = "lon", ["lat"] = "lat", ["name"] = "name" },
        });
        var import = await partner.ImportTextAsync(dataset, "toilets.csv", $"id,lon,lat,name\nt1,{lon},{lat},Harbour toilets\n");
        Assert.Equal("succeeded", (string?)import["state"]);
        return (partner, name, await PartnerClient.OnlyFacilityNearAsync(fixture.Anonymous, lat, lon), lat, lon);
    }

    private async Task<(Guid Id, string Key)> IssueAppAsync(string name)
    {
        using var made = await fixture.Admin.Client.PostAsJsonAsync("/api/v1/admin/open311-apps", new { name });
        var body = await made.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(made.StatusCode == HttpStatusCode.Created, body.ToString());
        return (body.GetProperty("id").GetGuid(), body.GetProperty("api_key").GetString()!);
    }

    private Task<HttpResponseMessage> FileAsync(string format, params (string Name, string Value)[] fields) =>
        fixture.Anonymous.PostAsync($"/open311/v2/requests.{format}",
            new FormUrlEncodedContent(fields.Select(f => new KeyValuePair<string, string>(f.Name, f.Value))));

    private async Task<JsonElement> FiledAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var filed = Assert.Single(JsonDocument.Parse(body).RootElement.EnumerateArray()).Clone();
        Assert.Equal(["service_request_id", "service_notice", "account_id"], filed.EnumerateObject().Select(p => p.Name));
        return filed;
    }

    [Fact]
    public async Task An_app_files_a_report_by_facility_id_and_by_position_that_the_partners_requests_list_in_json_and_xml()
    {
        var (partner, partnerName, facility, lat, lon) = await PartnerFacilityAsync();
        using var _ = partner;
        var (_, key) = await IssueAppAsync("FixMyToilet");

        using var byId = await FileAsync("json", ("api_key", key), ("service_code", "dirty"), ("attribute[facility_id]", facility.ToString()),
            ("description", "No paper"), ("email", "resident@example.org"), ("first_name", "Ada"), ("last_name", "Byron"));
        var first = await FiledAsync(byId);
        var firstId = first.GetProperty("service_request_id").GetInt64();
        Assert.Contains(partnerName, first.GetProperty("service_notice").GetString(), StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.Null, first.GetProperty("account_id").ValueKind);

        // Only a position, 20 m north of the facility: the nearest facility within 50 m; XML asked, XML answered.
        using var byPosition = await FileAsync("xml", ("api_key", key), ("service_code", "out_of_order"),
            ("lat", (lat + 0.00018).ToString("R", CultureInfo.InvariantCulture)), ("long", lon.ToString("R", CultureInfo.InvariantCulture)));
        var xmlBody = await byPosition.Content.ReadAsStringAsync();
        Assert.True(byPosition.StatusCode == HttpStatusCode.OK, xmlBody);
        Assert.Equal("text/xml", byPosition.Content.Headers.ContentType?.MediaType);
        var root = XDocument.Parse(xmlBody).Root!;
        Assert.Equal("service_requests", root.Name.LocalName);
        var request = Assert.Single(root.Elements("request"));
        Assert.Equal(["service_request_id", "service_notice", "account_id"], request.Elements().Select(e => e.Name.LocalName));
        var secondId = long.Parse(request.Element("service_request_id")!.Value, CultureInfo.InvariantCulture);

        var listed = await fixture.Anonymous.GetJsonAsync($"/open311/v2/requests.json?jurisdiction_id={partner.PartnerId}");
        var requests = listed.EnumerateArray().ToList();
        Assert.Equal([secondId, firstId], requests.Select(r => r.GetProperty("service_request_id").GetInt64()));
        Assert.Equal("out_of_order", requests[0].GetProperty("service_code").GetString());
        Assert.Equal(facility, requests[0].GetProperty("address_id").GetGuid());
        Assert.Equal("dirty", requests[1].GetProperty("service_code").GetString());
        Assert.Equal("No paper", requests[1].GetProperty("description").GetString());
        Assert.Equal("open", requests[1].GetProperty("status").GetString());
        // The resident's e-mail and name are the partner's to see, never in the public requests.
        Assert.DoesNotContain("resident@example.org", listed.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("Byron", listed.ToString(), StringComparison.Ordinal);

        using var xml = await fixture.Anonymous.GetAsync($"/open311/v2/requests/{firstId}.xml?jurisdiction_id={partner.PartnerId}");
        var one = Assert.Single(XDocument.Parse(await xml.Content.ReadAsStringAsync()).Root!.Elements("request"));
        Assert.Equal("dirty", one.Element("service_code")!.Value);
        Assert.Equal("No paper", one.Element("description")!.Value);

        // The report is the app's: its system account files it, at the weight of a new account (0), which closes nothing.
        Assert.Equal(1, await fixture.ScalarAsync(
            "select count(*) from reports r join users u on u.id = r.user_id where r.id = $1 and u.display_name = 'FixMyToilet' " +
            "and u.system_app_id is not null and r.weight = 0", firstId));
        Assert.Equal("open", (await fixture.FacilityAsync(facility)).GetProperty("status").GetString());
        // ...and the partner's own list of reports names them, with the app that filed the report.
        var partnerList = (await partner.Http.GetFromJsonAsync<JsonElement>("/api/v1/partner/reports")).GetProperty("reports").EnumerateArray().ToList();
        Assert.Equal([secondId, firstId], partnerList.Select(r => r.GetProperty("id").GetInt64()));
        var filedBy = partnerList[1].GetProperty("filed_by");
        Assert.Equal("FixMyToilet", filedBy.GetProperty("app").GetString());
        Assert.Equal("resident@example.org", filedBy.GetProperty("email").GetString());
        Assert.Equal("Ada", filedBy.GetProperty("first_name").GetString());
        Assert.Equal("Byron", filedBy.GetProperty("last_name").GetString());
        Assert.Equal(JsonValueKind.Null, partnerList[0].GetProperty("filed_by").GetProperty("email").ValueKind);
        // Not on the facility's public answer either.
        Assert.DoesNotContain("resident@example.org", (await fixture.FacilityAsync(facility)).ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_unknown_or_revoked_api_key_is_a_403_and_files_nothing()
    {
        var (partner, _, facility, _, _) = await PartnerFacilityAsync();
        using var __ = partner;
        var (appId, key) = await IssueAppAsync("Soon revoked");
        (string, string)[] report = [("service_code", "dirty"), ("attribute[facility_id]", facility.ToString())];
        var before = await fixture.ScalarAsync("select count(*) from reports where facility_id = $1", facility);

        await (await FileAsync("json", report)).IsProblemAsync(HttpStatusCode.Forbidden);
        var unknown = await (await FileAsync("json", [("api_key", key + "x"), .. report])).IsProblemAsync(HttpStatusCode.Forbidden);
        Assert.Equal("The api_key is unknown or revoked.", unknown.GetProperty("detail").GetString());
        await FiledAsync(await FileAsync("json", [("api_key", key), .. report]));

        using var revoked = await fixture.Admin.Client.DeleteAsync($"/api/v1/admin/open311-apps/{appId}");
        var summary = await revoked.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(HttpStatusCode.OK, revoked.StatusCode);
        Assert.False(summary.GetProperty("active").GetBoolean());
        Assert.Equal(1, summary.GetProperty("reports").GetInt64());
        Assert.Equal(12, summary.GetProperty("key_id").GetString()!.Length);

        // XML asked: the refusal is problem+json all the same (docs/api.md).
        var afterRevoke = await (await FileAsync("xml", [("api_key", key), .. report])).IsProblemAsync(HttpStatusCode.Forbidden);
        Assert.Equal("The api_key is unknown or revoked.", afterRevoke.GetProperty("detail").GetString());
        Assert.Equal(before + 1, await fixture.ScalarAsync("select count(*) from reports where facility_id = $1", facility));

        var apps = await fixture.Admin.Client.GetFromJsonAsync<JsonElement>("/api/v1/admin/open311-apps");
        var listed = apps.EnumerateArray().Single(a => a.GetProperty("id").GetGuid() == appId);
        Assert.False(listed.GetProperty("active").GetBoolean());
        Assert.DoesNotContain(key, apps.ToString(), StringComparison.Ordinal);
        // Only admins issue keys.
        var resident = await fixture.RegisterAsync();
        using var refused = await resident.Client.PostAsJsonAsync("/api/v1/admin/open311-apps", new { name = "Mine" });
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
    }

    [Fact]
    public async Task A_form_without_a_facility_or_far_from_any_or_not_a_form_is_refused_with_a_problem()
    {
        var (partner, _, _, lat, lon) = await PartnerFacilityAsync();
        using var __ = partner;
        var (_, key) = await IssueAppAsync("Careless app");

        var nothing = await (await FileAsync("json", ("api_key", key), ("service_code", "dirty"))).IsProblemAsync(HttpStatusCode.BadRequest);
        Assert.True(nothing.GetProperty("errors").TryGetProperty("lat", out _));
        Assert.True(nothing.GetProperty("errors").TryGetProperty("long", out _));
        var badCode = await (await FileAsync("json", ("api_key", key), ("service_code", "graffiti"), ("lat", "1"), ("long", "1")))
            .IsProblemAsync(HttpStatusCode.BadRequest);
        Assert.True(badCode.GetProperty("errors").TryGetProperty("service_code", out _));
        var badId = await (await FileAsync("json", ("api_key", key), ("service_code", "dirty"), ("attribute[facility_id]", "the park")))
            .IsProblemAsync(HttpStatusCode.BadRequest);
        Assert.True(badId.GetProperty("errors").TryGetProperty("attribute[facility_id]", out _));
        await (await FileAsync("json", ("api_key", key), ("service_code", "dirty"), ("attribute[facility_id]", Guid.NewGuid().ToString())))
            .IsProblemAsync(HttpStatusCode.NotFound);

        // 200 m from the facility: nothing within 50 m.
        var far = await (await FileAsync("json", ("api_key", key), ("service_code", "dirty"),
            ("lat", (lat + 0.0018).ToString("R", CultureInfo.InvariantCulture)), ("long", lon.ToString("R", CultureInfo.InvariantCulture))))
            .IsProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("No facility is within 50 m", far.GetProperty("detail").GetString(), StringComparison.Ordinal);

        using var json = await fixture.Anonymous.PostAsJsonAsync("/open311/v2/requests.json", new { api_key = key, service_code = "dirty" });
        await json.IsProblemAsync(HttpStatusCode.UnsupportedMediaType);
        Assert.Equal(0, await fixture.ScalarAsync(
            "select count(*) from open311_app_reports r join open311_apps a on a.id = r.app_id where a.name = 'Careless app'"));
    }
}
