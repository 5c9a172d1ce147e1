using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Facilities.Api.Tests.Contributors;
using Facilities.Api.Web;

namespace Facilities.Api.Tests.Partners;

/// <summary>
/// A record missing from a reimport of a dataset that does not own <c>status</c>: the community is asked through a
/// pending closure proposal, opened in the import's transaction by the partner's system account (weight 0), once.
/// </summary>
public sealed class RemovedAtSourceTests(ContributorsFixture fixture) : IClassFixture<ContributorsFixture>
{
    private const string Header = "ref,name,lat,lon\n";

    [Fact]
    public async Task A_record_missing_from_a_reimport_opens_one_pending_closure_proposal_that_only_the_community_decides()
    {
        using var partner = await PartnerAsync("Camden parks");
        var dataset = await partner.CreateDatasetAsync(Dataset("Camden park toilets"));
        var two = Header + "C1,Gate lodge,52.1,-1.1\nC2,Bandstand,52.2,-1.2\n";
        var one = Header + "C1,Gate lodge,52.1,-1.1\n";
        Assert.Equal(2, (int)(await partner.ImportTextAsync(dataset, "parks.csv", two))["report"]!["created"]!);
        var bandstand = await FacilityIdAsync(52.2, -1.2);

        // A dry run reports the closure it would open, opens none and leaves the facility open.
        var dry = (await partner.ImportTextAsync(dataset, "parks.csv", one, dryRun: true))["report"]!;
        var wouldClose = dry["closure_proposals_needed"]!.AsArray().Single()!;
        Assert.Equal(bandstand, (Guid)wouldClose["facility_id"]!);
        Assert.True((bool)wouldClose["proposal_opened"]!);
        Assert.Null(wouldClose["proposal_id"]);
        Assert.Empty(await PendingClosuresAsync(bandstand));

        var import = await partner.ImportTextAsync(dataset, "parks.csv", one);

        Assert.Equal("succeeded", (string?)import["state"]);
        var closure = import["report"]!["closure_proposals_needed"]!.AsArray().Single()!;
        Assert.Equal("C2", (string?)closure["external_id"]);
        Assert.True((bool)closure["proposal_opened"]!);
        var proposalId = (Guid)closure["proposal_id"]!;
        Assert.Equal("open", (await fixture.FacilityAsync(bandstand)).GetProperty("status").GetString());
        var proposal = await fixture.Admin.Client.GetFromJsonAsync<JsonElement>($"/api/v1/proposals/{proposalId}");
        Assert.Equal("close", proposal.GetProperty("kind").GetString());
        Assert.Equal("pending", proposal.GetProperty("state").GetString());
        Assert.Equal(bandstand, proposal.GetProperty("facility_id").GetGuid());
        Assert.Equal(0, proposal.GetProperty("author_weight").GetDouble());
        Assert.Equal("Camden parks (partner imports)", proposal.GetProperty("author_name").GetString());
        Assert.Contains($"Removed from Camden park toilets at source in import {(Guid)import["id"]!}",
            proposal.GetProperty("comment").GetString(), StringComparison.Ordinal);
        Assert.Equal([proposalId], await PendingClosuresAsync(bandstand));

        // The same file again: the record is already gone, so no second proposal.
        var again = (await partner.ImportTextAsync(dataset, "parks.csv", one))["report"]!;
        Assert.Equal(0, (int)again["removed_at_source"]!);
        Assert.Equal([proposalId], await PendingClosuresAsync(bandstand));

        // The community decides; the system account earns nothing for it and stays at weight 0.
        var voter = await fixture.RegisterAsync(1000);
        var (status, tally) = await ContributorsFixture.VoteAsync(voter, proposalId, "up");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("accepted", tally.GetProperty("state").GetString());
        Assert.Equal("removed", (await fixture.FacilityAsync(bandstand)).GetProperty("status").GetString());
        Assert.Equal(1, await fixture.ReputationAsync(proposal.GetProperty("author_id").GetGuid()));
    }

    [Fact]
    public async Task A_removal_at_source_reuses_the_closure_proposal_a_closed_report_opened()
    {
        using var partner = await PartnerAsync("Islington parks");
        var dataset = await partner.CreateDatasetAsync(Dataset("Islington park toilets"));
        await partner.ImportTextAsync(dataset, "parks.csv", Header + "I1,Fountain,53.1,-1.1\nI2,Pavilion,53.2,-1.2\n");
        var pavilion = await FacilityIdAsync(53.2, -1.2);
        var reporter = await fixture.RegisterAsync();
        using var reported = await reporter.Client.PostAsJsonAsync($"/api/v1/facilities/{pavilion}/reports", new { reason = "closed" });
        var reportedProposal = (await reported.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("proposal_id").GetGuid();

        var import = await partner.ImportTextAsync(dataset, "parks.csv", Header + "I1,Fountain,53.1,-1.1\n");

        var closure = import["report"]!["closure_proposals_needed"]!.AsArray().Single()!;
        Assert.Equal(reportedProposal, (Guid)closure["proposal_id"]!);
        Assert.False((bool)closure["proposal_opened"]!);
        Assert.Equal([reportedProposal], await PendingClosuresAsync(pavilion));
    }

    private static object Dataset(string name) => new
    {
        name,
        license = "CC-BY-4.0",
        attribution = name,
        category = "toilet",
        mapping = new JsonObject { ["id"] = "ref", ["lat"] = "lat", ["lon"] = "lon", ["name"] = "name" },
        owned_attributes = Array.Empty<string>(),
    };

    private async Task<PartnerClient> PartnerAsync(string name)
    {
        using var made = await fixture.Admin.Client.PostAsJsonAsync("/api/v1/admin/partners", new { name });
        Assert.Equal(HttpStatusCode.Created, made.StatusCode);
        var body = await made.Content.ReadFromJsonAsync<JsonElement>();
        var client = fixture.App.CreateClient();
        client.DefaultRequestHeaders.Add(PartnerApiKeys.HeaderName, body.GetProperty("api_key").GetString());
        return new PartnerClient(client, body.GetProperty("id").GetGuid());
    }

    private async Task<Guid> FacilityIdAsync(double lat, double lon)
    {
        var near = await fixture.Anonymous.GetFromJsonAsync<JsonElement>(
            FormattableString.Invariant($"/api/v1/facilities/nearby?lat={lat}&lon={lon}&radius_m=20"));
        return near.GetProperty("features").EnumerateArray().Single().GetProperty("id").GetGuid();
    }

    /// <summary>The pending closure proposals of a facility, as a moderator sees them in the review queue.</summary>
    private async Task<List<Guid>> PendingClosuresAsync(Guid facility)
    {
        var queue = await fixture.Admin.Client.GetFromJsonAsync<JsonElement>("/api/v1/proposals?state=pending&limit=100");
        return queue.GetProperty("proposals").EnumerateArray()
            .Where(p => p.GetProperty("kind").GetString() == "close" && p.GetProperty("facility_id").GetGuid() == facility)
            .Select(p => p.GetProperty("id").GetGuid())
            .ToList();
    }
}
