using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Facilities.Api.Tests.Contributors;

/// <summary>
/// The whole loop between a partner and the community, through HTTP only: an admin makes the partner, the partner's
/// import meets two community facilities it cannot tell apart, a moderator merges it into one, the community then
/// corrects an attribute the partner owns and reports a problem, and the partner reads both in its feedback while its
/// own value stays published.
/// </summary>
public sealed class PartnershipLoopTests(ContributorsFixture fixture) : IClassFixture<ContributorsFixture>
{
    private static readonly string[] OwnedByThePartner = ["wheelchair"];

    [Fact]
    public async Task A_moderator_merges_an_ambiguous_import_and_the_community_correction_reaches_the_partner_as_a_dispute()
    {
        var west = await fixture.CreateFacilityAsync(new { category = "toilet", name = "Park toilets", wheelchair = "no" }, lat: 45.0, lon: 5.0000);
        var east = await fixture.CreateFacilityAsync(new { category = "toilet", name = "Park toilets", wheelchair = "no" }, lat: 45.0, lon: 5.0002);

        using var made = await fixture.Admin.Client.PostAsJsonAsync("/api/v1/admin/partners", new { name = "Parks department" });
        Assert.Equal(HttpStatusCode.Created, made.StatusCode);
        using var partner = fixture.App.CreateClient();
        partner.DefaultRequestHeaders.Add("X-Api-Key", (await made.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("api_key").GetString());
        using var datasetResponse = await partner.PostAsJsonAsync("/api/v1/partner/datasets", new
        {
            name = "Park toilets", license = "CC-BY-4.0", attribution = "Parks department", category = "toilet",
            owned_attributes = OwnedByThePartner,
            mapping = new Dictionary<string, string> { ["id"] = "id", ["lon"] = "lon", ["lat"] = "lat", ["name"] = "name", ["wheelchair"] = "wheelchair" },
        });
        Assert.Equal(HttpStatusCode.Created, datasetResponse.StatusCode);
        var dataset = (await datasetResponse.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();

        // Halfway between the two community facilities, same name: neither is a clear winner.
        var import = await ImportAsync(partner, dataset, "id,lon,lat,name,wheelchair\np1,5.0001,45.0,Park toilets,yes\n");
        Assert.Equal(1, import.GetProperty("report").GetProperty("needing_review").GetInt32());
        var item = import.GetProperty("report").GetProperty("review_items")[0].GetGuid();

        using var resolved = await fixture.Admin.Client.PostAsJsonAsync($"/api/v1/reviews/{item}/resolve", new { action = "merge", facility_id = west });
        Assert.True(resolved.StatusCode == HttpStatusCode.OK, await resolved.Content.ReadAsStringAsync());
        var merged = await fixture.FacilityAsync(west);
        Assert.Equal("yes", merged.GetProperty("wheelchair").GetString());
        Assert.Contains(merged.GetProperty("sources").EnumerateArray(), s => s.GetProperty("kind").GetString() == "official");
        Assert.Equal("no", (await fixture.FacilityAsync(east)).GetProperty("wheelchair").GetString());

        // The community disagrees about the attribute the partner owns, and enough trusted votes accept the change.
        var author = await fixture.RegisterAsync(200);
        var proposal = await ContributorsFixture.ProposeAsync(author, new
        {
            kind = "update", facility_id = west, base_version = merged.GetProperty("version").GetInt32(),
            changes = new { wheelchair = "limited" }, comment = "There is a step at the door",
        });
        Assert.Equal("pending", proposal.GetProperty("state").GetString());
        foreach (var voter in new[] { await fixture.RegisterAsync(1000), await fixture.RegisterAsync(1000) })
        {
            await ContributorsFixture.VoteAsync(voter, proposal.GetProperty("id").GetGuid(), "up");
        }
        Assert.Equal("yes", (await fixture.FacilityAsync(west)).GetProperty("wheelchair").GetString());

        var resident = await fixture.RegisterAsync();
        using var report = await resident.Client.PostAsJsonAsync($"/api/v1/facilities/{west}/reports", new { reason = "dirty", comment = "No soap" });
        Assert.True(report.IsSuccessStatusCode, await report.Content.ReadAsStringAsync());

        var feedback = await partner.GetFromJsonAsync<JsonElement>("/api/v1/partner/feedback");
        var items = feedback.GetProperty("items").EnumerateArray().ToList();
        var dispute = Assert.Single(items, i => i.GetProperty("kind").GetString() == "dispute");
        Assert.Equal("limited", dispute.GetProperty("details").GetProperty("details").GetProperty("community_value").GetString());
        var dirty = Assert.Single(items, i => i.GetProperty("kind").GetString() == "report");
        Assert.Equal("dirty", dirty.GetProperty("details").GetProperty("reason").GetString());
        Assert.Equal(west, dirty.GetProperty("facility_id").GetGuid());
        // Oldest first.
        var times = items.Select(i => i.GetProperty("at").GetDateTime()).ToList();
        Assert.Equal(times.Order(), times);
    }

    private static async Task<JsonElement> ImportAsync(HttpClient partner, Guid dataset, string csv)
    {
        using var content = new MultipartFormDataContent();
        content.Add(new ByteArrayContent(Encoding.UTF8.GetBytes(csv)) { Headers = { ContentType = new("text/csv") } }, "file", "parks.csv");
        using var response = await partner.PostAsync($"/api/v1/partner/datasets/{dataset}/imports", content);
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        var location = response.Headers.Location!.ToString();
        for (var attempt = 0; attempt < 600; attempt++)
        {
            var state = await partner.GetFromJsonAsync<JsonElement>(location);
            if (state.GetProperty("state").GetString() is "succeeded" or "failed")
            {
                Assert.Equal("succeeded", state.GetProperty("state").GetString());
                return state;
            }
            await Task.Delay(100);
        }
        throw new TimeoutException("The import did not finish.");
    }
}
