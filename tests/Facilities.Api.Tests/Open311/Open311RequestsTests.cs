using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Xml.Linq;
using Facilities.Api.Tests.Contributors;
using Facilities.Api.Tests.Partners;

namespace Facilities.Api.Tests.Open311;

/// <summary>
/// GeoReport v2 service requests: the community's reports on the facilities a partner's datasets hold, with the spec's
/// field names and status values in JSON and XML, its filters, one request as an array of one, and the refusals.
/// </summary>
public sealed class Open311RequestsTests(ContributorsFixture fixture) : IClassFixture<ContributorsFixture>
{
    // The spec's fields in its order; address_id carries the facility's id, address its name.
    private static readonly string[] Fields =
    [
        "service_request_id", "status", "status_notes", "service_name", "service_code", "description", "agency_responsible",
        "requested_datetime", "updated_datetime", "address", "address_id", "lat", "long",
    ];

    private static int _places;

    /// <summary>A partner whose dataset holds two toilets, reported dirty and out of order; a second partner's toilet and
    /// a community toilet reported dirty too, which are not the first partner's.</summary>
    private sealed record World(PartnerClient Partner, string PartnerName, Guid Park, Guid Square, long DirtyReport, long BrokenReport,
        long OtherPartnersReport, long CommunityReport, double ParkLat, double ParkLon) : IDisposable
    {
        public void Dispose() => Partner.Dispose();
    }

    private async Task<World> WorldAsync()
    {
        // A place of its own for each test, far from the others' (imports match within 50 m).
        var lat = 20 + Interlocked.Increment(ref _places) * 0.5;
        const double lon = 30.0;
        var name = $"Parks {Guid.NewGuid():N}";
        var partner = await PartnerClient.CreateThroughAdminAsync(fixture, name);
        await ImportAsync(partner, name, $"id,lon,lat,name\np1,{lon},{lat},Park toilets\np2,{lon + 0.01},{lat},Square toilets\n");
        var park = await PartnerClient.OnlyFacilityNearAsync(fixture.Anonymous, lat, lon);
        var square = await PartnerClient.OnlyFacilityNearAsync(fixture.Anonymous, lat, lon + 0.01);
        using var other = await PartnerClient.CreateThroughAdminAsync(fixture, $"Other {Guid.NewGuid():N}");
        await ImportAsync(other, "Other", $"id,lon,lat,name\no1,{lon + 0.02},{lat},Other toilets\n");
        var otherFacility = await PartnerClient.OnlyFacilityNearAsync(fixture.Anonymous, lat, lon + 0.02);
        var community = await fixture.CreateFacilityAsync(lat: lat, lon: lon + 0.03);

        var resident = await fixture.RegisterAsync();
        var dirty = await ReportAsync(resident, park, "dirty", "No soap");
        var broken = await ReportAsync(resident, square, "out_of_order", null);
        var others = await ReportAsync(resident, otherFacility, "dirty", "Other partner's");
        var communityReport = await ReportAsync(resident, community, "dirty", "Nobody's");
        return new World(partner, name, park, square, dirty, broken, others, communityReport, lat, lon);
    }

    private static async Task ImportAsync(PartnerClient partner, string name, string csv)
    {
        var dataset = await partner.CreateDatasetAsync(new
        {
            name,
            license = "CC-BY-4.0",
            attribution = name,
            category = "toilet",
            mapping = new Dictionary<string, string> { ["id"] = "id", ["lon"] = "lon", ["lat"] = "lat", ["name"] = "name" },
        });
        var import = await partner.ImportTextAsync(dataset, "toilets.csv", csv);
        Assert.Equal("succeeded", (string?)import["state"]);
    }

    private static async Task<long> ReportAsync(Account resident, Guid facility, string reason, string? comment) =>
        (await ContributorsFixture.PostAsync(resident, $"/api/v1/facilities/{facility}/reports",
            comment is null ? new { reason } : new { reason, comment })).GetProperty("id").GetInt64();

    private async Task<List<JsonElement>> RequestsAsync(World world, string query = "")
    {
        using var response = await fixture.Anonymous.GetAsync($"/open311/v2/requests.json?jurisdiction_id={world.Partner.PartnerId}{query}");
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return [.. JsonDocument.Parse(body).RootElement.EnumerateArray().Select(e => e.Clone())];
    }

    private async Task<XElement> XmlAsync(string url)
    {
        using var response = await fixture.Anonymous.GetAsync(url);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        Assert.Equal("text/xml", response.Content.Headers.ContentType?.MediaType);
        Assert.StartsWith("<?xml version=\"1.0\" encoding=\"utf-8\"?>", body, StringComparison.OrdinalIgnoreCase);
        return XDocument.Parse(body).Root!;
    }

    [Fact]
    public async Task Requests_json_lists_the_reports_on_the_partners_facilities_newest_first_with_the_specs_fields()
    {
        using var world = await WorldAsync();

        var requests = await RequestsAsync(world);

        Assert.Equal([world.BrokenReport, world.DirtyReport], requests.Select(r => r.GetProperty("service_request_id").GetInt64()));
        Assert.All(requests, r =>
        {
            Assert.Equal(Fields, r.EnumerateObject().Select(p => p.Name));
            Assert.Equal("open", r.GetProperty("status").GetString());
            Assert.Equal(world.PartnerName, r.GetProperty("agency_responsible").GetString());
            Assert.Matches(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$", r.GetProperty("requested_datetime").GetString());
            Assert.Equal(r.GetProperty("requested_datetime").GetString(), r.GetProperty("updated_datetime").GetString());
        });
        var dirty = requests[1];
        Assert.Equal("dirty", dirty.GetProperty("service_code").GetString());
        Assert.Equal("Dirty", dirty.GetProperty("service_name").GetString());
        Assert.Equal("No soap", dirty.GetProperty("description").GetString());
        Assert.Equal("Park toilets", dirty.GetProperty("address").GetString());
        Assert.Equal(world.Park, dirty.GetProperty("address_id").GetGuid());
        Assert.Equal(world.ParkLat, dirty.GetProperty("lat").GetDouble(), 6);
        Assert.Equal(world.ParkLon, dirty.GetProperty("long").GetDouble(), 6);
        var requested = DateTime.Parse(dirty.GetProperty("requested_datetime").GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal);
        Assert.InRange(requested, DateTime.UtcNow.AddMinutes(-10), DateTime.UtcNow.AddMinutes(1));
        var broken = requests[0];
        Assert.Equal("out_of_order", broken.GetProperty("service_code").GetString());
        Assert.Equal(JsonValueKind.Null, broken.GetProperty("description").ValueKind);
        Assert.Equal(JsonValueKind.Null, broken.GetProperty("status_notes").ValueKind);
        Assert.Equal(world.Square, broken.GetProperty("address_id").GetGuid());
    }

    [Fact]
    public async Task Requests_xml_is_the_specs_service_requests_request_shape_with_the_same_values()
    {
        using var world = await WorldAsync();
        var json = await RequestsAsync(world);

        var xml = await XmlAsync($"/open311/v2/requests.xml?jurisdiction_id={world.Partner.PartnerId}");

        Assert.Equal("service_requests", xml.Name.LocalName);
        var requests = xml.Elements("request").ToList();
        Assert.Equal(json.Count, requests.Count);
        foreach (var (element, entry) in requests.Zip(json))
        {
            Assert.Equal(Fields, element.Elements().Select(e => e.Name.LocalName));
            Assert.Equal(entry.GetProperty("service_request_id").GetInt64().ToString(CultureInfo.InvariantCulture), element.Element("service_request_id")!.Value);
            Assert.Equal("open", element.Element("status")!.Value);
            Assert.Equal(entry.GetProperty("service_code").GetString(), element.Element("service_code")!.Value);
            Assert.Equal(entry.GetProperty("requested_datetime").GetString(), element.Element("requested_datetime")!.Value);
            Assert.Equal(entry.GetProperty("lat").GetDouble(), double.Parse(element.Element("lat")!.Value, CultureInfo.InvariantCulture));
            Assert.Equal(entry.GetProperty("long").GetDouble(), double.Parse(element.Element("long")!.Value, CultureInfo.InvariantCulture));
        }
        // An unknown value is an empty element, as the spec's examples write it.
        Assert.Equal("", requests[0].Element("description")!.Value);
        Assert.Equal("No soap", requests[1].Element("description")!.Value);
    }

    [Fact]
    public async Task Service_code_status_and_dates_filter_the_requests_and_service_request_id_overrides_them()
    {
        using var world = await WorldAsync();
        // One report of the partner's made long ago: outside the default window of 90 days, inside an explicit range.
        var old = await ReportAsync(await fixture.RegisterAsync(), world.Park, "unsafe", "Loose tiles");
        await fixture.ExecuteAsync("update reports set created_at = '2026-01-10T08:00:00Z' where id = $1", old);

        long[] Ids(IEnumerable<JsonElement> requests) => [.. requests.Select(r => r.GetProperty("service_request_id").GetInt64())];

        Assert.Equal([world.BrokenReport, world.DirtyReport], Ids(await RequestsAsync(world)));
        Assert.Equal([world.DirtyReport], Ids(await RequestsAsync(world, "&service_code=dirty")));
        Assert.Equal([world.BrokenReport, world.DirtyReport], Ids(await RequestsAsync(world, "&service_code=dirty,out_of_order")));
        Assert.Equal([world.BrokenReport, world.DirtyReport], Ids(await RequestsAsync(world, "&status=open")));
        Assert.Empty(await RequestsAsync(world, "&status=closed"));
        Assert.Equal([world.BrokenReport, world.DirtyReport], Ids(await RequestsAsync(world, "&status=open,closed")));
        Assert.Equal([old], Ids(await RequestsAsync(world, "&start_date=2026-01-01T00:00:00Z&end_date=2026-01-31T00:00:00Z")));
        Assert.Equal([old], Ids(await RequestsAsync(world, "&end_date=2026-01-10T08:00:00Z")));
        Assert.Empty(await RequestsAsync(world, "&end_date=2026-01-10T07:59:59Z"));
        Assert.Equal([world.BrokenReport, world.DirtyReport, old], Ids(await RequestsAsync(world, "&start_date=2026-01-10T08:00:00%2B00:00")));
        Assert.Empty(await RequestsAsync(world, $"&start_date={DateTime.UtcNow.AddHours(1):yyyy-MM-ddTHH:mm:ssZ}"));
        Assert.Equal([old], Ids(await RequestsAsync(world, "&service_code=unsafe&start_date=2026-01-01T00:00:00Z")));
        // The spec's service_request_id: the requests a CRM tracks, whatever their age, code or status; within the jurisdiction still.
        Assert.Equal([old], Ids(await RequestsAsync(world, $"&service_request_id={old}")));
        Assert.Equal([world.DirtyReport, old], Ids(await RequestsAsync(world, $"&service_request_id={old},{world.DirtyReport}&service_code=out_of_order&status=closed")));
        Assert.Empty(await RequestsAsync(world, $"&service_request_id={world.OtherPartnersReport},{world.CommunityReport}"));
    }

    [Fact]
    public async Task One_request_is_an_array_of_one_in_json_and_xml_and_only_within_its_jurisdiction()
    {
        using var world = await WorldAsync();
        var jurisdiction = $"jurisdiction_id={world.Partner.PartnerId}";

        using var response = await fixture.Anonymous.GetAsync($"/open311/v2/requests/{world.DirtyReport}.json?{jurisdiction}");
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        var one = Assert.Single(JsonDocument.Parse(body).RootElement.EnumerateArray());
        Assert.Equal(Fields, one.EnumerateObject().Select(p => p.Name));
        Assert.Equal(world.DirtyReport, one.GetProperty("service_request_id").GetInt64());
        Assert.Equal("No soap", one.GetProperty("description").GetString());

        var xml = await XmlAsync($"/open311/v2/requests/{world.DirtyReport}.xml?{jurisdiction}");
        Assert.Equal("service_requests", xml.Name.LocalName);
        Assert.Equal(world.DirtyReport.ToString(CultureInfo.InvariantCulture), Assert.Single(xml.Elements("request")).Element("service_request_id")!.Value);

        foreach (var id in new[] { world.OtherPartnersReport, world.CommunityReport })
        {
            var problem = await (await fixture.Anonymous.GetAsync($"/open311/v2/requests/{id}.json?{jurisdiction}")).IsProblemAsync(HttpStatusCode.NotFound);
            Assert.Contains($"'{id}'", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("/open311/v2/requests.json", HttpStatusCode.BadRequest, "jurisdiction_id")]
    [InlineData("/open311/v2/requests.xml?jurisdiction_id=", HttpStatusCode.BadRequest, "jurisdiction_id")]
    [InlineData("/open311/v2/requests.json?jurisdiction_id=city-of-nowhere", HttpStatusCode.NotFound, "jurisdiction")]
    [InlineData("/open311/v2/requests.json?jurisdiction_id=0b8f7e52-54a5-4d0c-9f55-1a4c2f0d0a11", HttpStatusCode.NotFound, "jurisdiction")]
    [InlineData("/open311/v2/requests.json?jurisdiction_id={partner}&service_code=pothole", HttpStatusCode.BadRequest, "service_code")]
    [InlineData("/open311/v2/requests.json?jurisdiction_id={partner}&service_code=", HttpStatusCode.BadRequest, "service_code")]
    [InlineData("/open311/v2/requests.json?jurisdiction_id={partner}&status=pending", HttpStatusCode.BadRequest, "status")]
    [InlineData("/open311/v2/requests.json?jurisdiction_id={partner}&start_date=yesterday", HttpStatusCode.BadRequest, "start_date")]
    [InlineData("/open311/v2/requests.xml?jurisdiction_id={partner}&end_date=2026-13-01T00:00:00Z", HttpStatusCode.BadRequest, "end_date")]
    [InlineData("/open311/v2/requests.json?jurisdiction_id={partner}&end_date=0001-01-01T00:00:00Z", HttpStatusCode.BadRequest, "end_date")] // 90 days before it overflow
    [InlineData("/open311/v2/requests.json?jurisdiction_id={partner}&start_date=9999-12-31T23:59:59Z", HttpStatusCode.BadRequest, "start_date")]
    [InlineData("/open311/v2/requests.json?jurisdiction_id={partner}&start_date=2026-02-01T00:00:00Z&end_date=2026-01-01T00:00:00Z",
        HttpStatusCode.BadRequest, "start_date")]
    [InlineData("/open311/v2/requests.json?jurisdiction_id={partner}&service_request_id=12,abc", HttpStatusCode.BadRequest, "service_request_id")]
    [InlineData("/open311/v2/requests.xml?jurisdiction_id={partner}&service_request_id=", HttpStatusCode.BadRequest, "service_request_id")]
    [InlineData("/open311/v2/requests/abc.json?jurisdiction_id={partner}", HttpStatusCode.NotFound, "service request")]
    [InlineData("/open311/v2/requests/99999999999.xml?jurisdiction_id={partner}", HttpStatusCode.NotFound, "service request")]
    [InlineData("/open311/v2/requests/-1.json?jurisdiction_id={partner}", HttpStatusCode.NotFound, "service request")]
    [InlineData("/open311/v2/requests/1.json", HttpStatusCode.BadRequest, "jurisdiction_id")]
    public async Task Bad_input_is_a_problem_with_a_detail(string url, HttpStatusCode status, string named)
    {
        using var partner = await PartnerClient.CreateThroughAdminAsync(fixture, $"Refusals {Guid.NewGuid():N}");

        using var response = await fixture.Anonymous.GetAsync(url.Replace("{partner}", partner.PartnerId.ToString(), StringComparison.Ordinal));

        var problem = await response.IsProblemAsync(status);
        var detail = problem.GetProperty("detail").GetString();
        Assert.False(string.IsNullOrWhiteSpace(detail));
        Assert.Contains(named, detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_refusal_is_in_chinese_for_a_chinese_client()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/open311/v2/requests.json");
        request.Headers.AcceptLanguage.ParseAdd("zh-CN");

        using var response = await fixture.Anonymous.SendAsync(request);

        var problem = await response.IsProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("必填", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }
}
