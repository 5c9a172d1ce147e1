using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Xml.Linq;
using Facilities.Api.Tests.Contributors;
using Facilities.Api.Tests.Partners;

namespace Facilities.Api.Tests.Open311;

/// <summary>
/// The partner answers the reports on its facilities: Open311 shows fixed and not_a_problem as closed with the notes as
/// status_notes, the other answers as open; fixed on an out_of_order report reopens the facility the reports closed.
/// </summary>
public sealed class Open311ResponsesTests(ContributorsFixture fixture) : IClassFixture<ContributorsFixture>
{
    private static int _places;

    private async Task<(PartnerClient Partner, Guid Facility)> PartnerFacilityAsync()
    {
        var lat = -30 + Interlocked.Increment(ref _places) * 0.5;
        const double lon = 140.0;
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
        var import = await partner.ImportTextAsync(dataset, "toilets.csv", $"id,lon,lat,name\nt1,{lon},{lat},Beach toilets\n");
        Assert.Equal("succeeded", (string?)import["state"]);
        return (partner, await PartnerClient.OnlyFacilityNearAsync(fixture.Anonymous, lat, lon));
    }

    private static async Task<long> ReportAsync(Account resident, Guid facility, string reason, string expectedEffect)
    {
        var report = await ContributorsFixture.PostAsync(resident, $"/api/v1/facilities/{facility}/reports", new { reason });
        Assert.Equal(expectedEffect, report.GetProperty("effect").GetString());
        return report.GetProperty("id").GetInt64();
    }

    private static async Task<JsonElement> RespondAsync(PartnerClient partner, long report, object body)
    {
        using var response = await partner.Http.PutAsJsonAsync($"/api/v1/partner/reports/{report}/response", body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private async Task<JsonElement> RequestAsync(PartnerClient partner, long report) =>
        Assert.Single((await fixture.Anonymous.GetJsonAsync($"/open311/v2/requests/{report}.json?jurisdiction_id={partner.PartnerId}")).EnumerateArray());

    private async Task<long[]> IdsAsync(PartnerClient partner, string status) =>
        [.. (await fixture.Anonymous.GetJsonAsync($"/open311/v2/requests.json?jurisdiction_id={partner.PartnerId}&status={status}"))
            .EnumerateArray().Select(r => r.GetProperty("service_request_id").GetInt64())];

    [Fact]
    public async Task A_partner_marks_an_out_of_order_report_fixed_and_the_temporarily_closed_facility_reopens()
    {
        var (partner, facility) = await PartnerFacilityAsync();
        using var _ = partner;
        // A reporter at the at-once privilege closes the facility temporarily by itself.
        var report = await ReportAsync(await fixture.RegisterAsync(1000), facility, "out_of_order", "temporarily_closed");
        var closed = await fixture.FacilityAsync(facility);
        Assert.Equal("temporarily_closed", closed.GetProperty("status").GetString());

        var progress = await RespondAsync(partner, report, new { status = "in_progress", notes = "Plumber booked" });
        Assert.Equal("open", progress.GetProperty("status").GetString());
        Assert.False(progress.GetProperty("facility_reopened").GetBoolean());
        Assert.Equal("temporarily_closed", (await fixture.FacilityAsync(facility)).GetProperty("status").GetString());
        var open = await RequestAsync(partner, report);
        Assert.Equal("open", open.GetProperty("status").GetString());
        Assert.Equal("Plumber booked", open.GetProperty("status_notes").GetString());
        Assert.Equal([report], await IdsAsync(partner, "open"));

        var fixedAnswer = await RespondAsync(partner, report, new { status = "fixed", notes = "New cistern" });
        Assert.Equal("closed", fixedAnswer.GetProperty("status").GetString());
        Assert.True(fixedAnswer.GetProperty("facility_reopened").GetBoolean());

        var reopened = await fixture.FacilityAsync(facility);
        Assert.Equal("open", reopened.GetProperty("status").GetString());
        Assert.Equal(closed.GetProperty("version").GetInt32() + 1, reopened.GetProperty("version").GetInt32());
        // The reopening is a version like any other: in the change feed, with the partner's words as its reason.
        Assert.Equal(1, await fixture.ScalarAsync(
            "select count(*) from facility_versions where facility_id = $1 and version = $2 and reason = $3 and changes ? 'status'",
            facility, reopened.GetProperty("version").GetInt32(), $"Fixed by {fixedAnswer.GetProperty("responded_by").GetString()}: New cistern"));
        Assert.Equal(1, await fixture.ScalarAsync("select count(*) from change_feed where facility_id = $1 and version = $2",
            facility, reopened.GetProperty("version").GetInt32()));

        var closedRequest = await RequestAsync(partner, report);
        Assert.Equal("closed", closedRequest.GetProperty("status").GetString());
        Assert.Equal("New cistern", closedRequest.GetProperty("status_notes").GetString());
        Assert.True(string.CompareOrdinal(closedRequest.GetProperty("updated_datetime").GetString(),
            closedRequest.GetProperty("requested_datetime").GetString()) >= 0);
        Assert.Equal([report], await IdsAsync(partner, "closed"));
        Assert.Empty(await IdsAsync(partner, "open"));
        var xml = XDocument.Parse(await fixture.Anonymous.GetStringAsync($"/open311/v2/requests/{report}.xml?jurisdiction_id={partner.PartnerId}"));
        Assert.Equal("closed", xml.Root!.Element("request")!.Element("status")!.Value);
        Assert.Equal("New cistern", xml.Root.Element("request")!.Element("status_notes")!.Value);

        // Fixed once more: the facility is open already, so no second version.
        Assert.False((await RespondAsync(partner, report, new { status = "fixed" })).GetProperty("facility_reopened").GetBoolean());
        Assert.Equal(reopened.GetProperty("version").GetInt32(), (await fixture.FacilityAsync(facility)).GetProperty("version").GetInt32());
    }

    [Fact]
    public async Task The_reporter_sees_the_partners_answer_on_the_facility_and_in_their_reports_and_the_partner_lists_its_reports()
    {
        var (partner, facility) = await PartnerFacilityAsync();
        using var _ = partner;
        var resident = await fixture.RegisterAsync();
        var report = await ReportAsync(resident, facility, "dirty", "recorded");
        var partnerName = (await fixture.Anonymous.GetJsonAsync($"/open311/v2/requests/{report}.json?jurisdiction_id={partner.PartnerId}"))[0]
            .GetProperty("agency_responsible").GetString();

        // Before any answer: nothing on the facility, the report unanswered in the reporter's list and the partner's.
        Assert.Empty((await fixture.FacilityAsync(facility)).GetProperty("report_responses").EnumerateArray());
        var mine = Assert.Single((await resident.Client.GetFromJsonAsync<JsonElement>("/api/v1/me/reports")).GetProperty("reports").EnumerateArray());
        Assert.Equal(report, mine.GetProperty("id").GetInt64());
        Assert.Equal(JsonValueKind.Null, mine.GetProperty("response").ValueKind);
        using var etagBefore = await fixture.Anonymous.GetAsync($"/api/v1/facilities/{facility}");
        var listed = Assert.Single((await partner.Http.GetFromJsonAsync<JsonElement>("/api/v1/partner/reports")).GetProperty("reports").EnumerateArray());
        Assert.Equal(report, listed.GetProperty("id").GetInt64());
        Assert.Equal("open", listed.GetProperty("open311_status").GetString());
        Assert.Equal(JsonValueKind.Null, listed.GetProperty("filed_by").ValueKind);

        await RespondAsync(partner, report, new { status = "fixed", notes = "Deep cleaned" });

        var answer = Assert.Single((await fixture.FacilityAsync(facility)).GetProperty("report_responses").EnumerateArray());
        Assert.Equal("fixed", answer.GetProperty("status").GetString());
        Assert.Equal("Deep cleaned", answer.GetProperty("notes").GetString());
        Assert.Equal(partnerName, answer.GetProperty("partner").GetString());
        Assert.Equal("dirty", answer.GetProperty("reason").GetString());
        // The facility's version did not change, but its answer did: a cached copy is not current any more.
        using var conditional = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/facilities/{facility}");
        conditional.Headers.IfNoneMatch.Add(etagBefore.Headers.ETag!);
        using var revalidated = await fixture.Anonymous.SendAsync(conditional);
        Assert.Equal(HttpStatusCode.OK, revalidated.StatusCode);

        var mineAnswered = Assert.Single((await resident.Client.GetFromJsonAsync<JsonElement>("/api/v1/me/reports")).GetProperty("reports").EnumerateArray())
            .GetProperty("response");
        Assert.Equal("fixed", mineAnswered.GetProperty("status").GetString());
        Assert.Equal(partnerName, mineAnswered.GetProperty("partner").GetString());
        Assert.Equal("Deep cleaned", mineAnswered.GetProperty("notes").GetString());
        var listedAnswered = Assert.Single((await partner.Http.GetFromJsonAsync<JsonElement>("/api/v1/partner/reports")).GetProperty("reports").EnumerateArray());
        Assert.Equal("closed", listedAnswered.GetProperty("open311_status").GetString());
        Assert.Equal("fixed", listedAnswered.GetProperty("response").GetProperty("status").GetString());

        // Another account's reports are its own; signed out, the list is a 401.
        Assert.Empty((await (await fixture.RegisterAsync()).Client.GetFromJsonAsync<JsonElement>("/api/v1/me/reports")).GetProperty("reports").EnumerateArray());
        await (await fixture.Anonymous.GetAsync("/api/v1/me/reports")).IsProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Not_a_problem_closes_the_request_and_leaves_the_facility_as_it_is()
    {
        var (partner, facility) = await PartnerFacilityAsync();
        using var _ = partner;
        var report = await ReportAsync(await fixture.RegisterAsync(), facility, "dirty", "recorded");
        var before = await fixture.FacilityAsync(facility);

        var answer = await RespondAsync(partner, report, new { status = "not_a_problem", notes = "Cleaned every morning" });

        Assert.Equal("closed", answer.GetProperty("status").GetString());
        Assert.Equal("not_a_problem", answer.GetProperty("response").GetString());
        Assert.Equal(before.GetProperty("version").GetInt32(), (await fixture.FacilityAsync(facility)).GetProperty("version").GetInt32());
        Assert.Equal("closed", (await RequestAsync(partner, report)).GetProperty("status").GetString());

        // acknowledged opens it again: the latest answer is the request's status.
        await RespondAsync(partner, report, new { status = "acknowledged" });
        var again = await RequestAsync(partner, report);
        Assert.Equal("open", again.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, again.GetProperty("status_notes").ValueKind);
    }

    [Fact]
    public async Task Answers_are_refused_for_another_partners_report_an_unknown_one_a_bad_status_or_no_key()
    {
        var (partner, facility) = await PartnerFacilityAsync();
        using var _ = partner;
        var (other, otherFacility) = await PartnerFacilityAsync();
        using var __ = other;
        var resident = await fixture.RegisterAsync();
        var report = await ReportAsync(resident, facility, "unsafe", "recorded");
        var othersReport = await ReportAsync(resident, otherFacility, "unsafe", "recorded");

        async Task<JsonElement> Refused(HttpClient client, string id, object body, HttpStatusCode status)
        {
            using var response = await client.PutAsJsonAsync($"/api/v1/partner/reports/{id}/response", body);
            var problem = await response.IsProblemAsync(status);
            Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()));
            return problem;
        }

        await Refused(partner.Http, othersReport.ToString(System.Globalization.CultureInfo.InvariantCulture), new { status = "fixed" }, HttpStatusCode.NotFound);
        await Refused(partner.Http, "99999999999", new { status = "fixed" }, HttpStatusCode.NotFound);
        await Refused(partner.Http, "abc", new { status = "fixed" }, HttpStatusCode.NotFound);
        var id = report.ToString(System.Globalization.CultureInfo.InvariantCulture);
        Assert.Contains("status", (await Refused(partner.Http, id, new { status = "done" }, HttpStatusCode.BadRequest)).GetProperty("detail").GetString(),
            StringComparison.Ordinal);
        Assert.Contains("status", (await Refused(partner.Http, id, new { notes = "no status" }, HttpStatusCode.BadRequest)).GetProperty("detail").GetString(),
            StringComparison.Ordinal);
        Assert.Contains("notes", (await Refused(partner.Http, id, new { status = "fixed", notes = "" }, HttpStatusCode.BadRequest))
            .GetProperty("detail").GetString(), StringComparison.Ordinal);
        await Refused(fixture.Anonymous, id, new { status = "fixed" }, HttpStatusCode.Unauthorized);

        Assert.Equal(0, await fixture.ScalarAsync("select count(*) from report_responses where report_id = any($1)", new[] { report, othersReport }));
        Assert.Equal("open", (await RequestAsync(partner, report)).GetProperty("status").GetString());
    }
}
