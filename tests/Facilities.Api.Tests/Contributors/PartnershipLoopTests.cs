using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Facilities.Api.Tests.Partners;

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
        var madePartner = await made.Content.ReadFromJsonAsync<JsonElement>();
        using var partner = new PartnerClient(fixture.App.CreateClient(), madePartner.GetProperty("id").GetGuid());
        partner.Http.DefaultRequestHeaders.Add("X-Api-Key", madePartner.GetProperty("api_key").GetString());
        var dataset = await partner.CreateDatasetAsync(new
        {
            name = "Park toilets",
            license = "CC-BY-4.0",
            attribution = "Parks department",
            category = "toilet",
            owned_attributes = OwnedByThePartner,
            mapping = new Dictionary<string, string> { ["id"] = "id", ["lon"] = "lon", ["lat"] = "lat", ["name"] = "name", ["wheelchair"] = "wheelchair" },
        });

        // Halfway between the two community facilities, same name: neither is a clear winner.
        var import = await partner.ImportTextAsync(dataset, "parks.csv", "id,lon,lat,name,wheelchair\np1,5.0001,45.0,Park toilets,yes\n");
        Assert.Equal("succeeded", (string?)import["state"]);
        Assert.Equal(1, (int)import["report"]!["needing_review"]!);
        var item = Guid.Parse((string)import["report"]!["review_items"]![0]!);

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
            kind = "update",
            facility_id = west,
            base_version = merged.GetProperty("version").GetInt32(),
            changes = new { wheelchair = "limited" },
            comment = "There is a step at the door",
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

        var feedback = await partner.Http.GetFromJsonAsync<JsonElement>("/api/v1/partner/feedback");
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
}
