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
/// A record that comes back brings its facility back: the closure its removal opened is withdrawn, or, where the
/// partner owns status, the facility its removal marked removed reopens.
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

    [Fact]
    public async Task A_record_back_in_a_later_import_withdraws_the_pending_closure_its_removal_opened()
    {
        using var partner = await PartnerAsync("Hackney parks");
        var dataset = await partner.CreateDatasetAsync(Dataset("Hackney park toilets"));
        var both = Header + "H1,Lido,54.1,-1.1\nH2,Boathouse,54.2,-1.2\n";
        await partner.ImportTextAsync(dataset, "parks.csv", both);
        var boathouse = await FacilityIdAsync(54.2, -1.2);
        var before = await fixture.FacilityAsync(boathouse);
        var removal = (await partner.ImportTextAsync(dataset, "parks.csv", Header + "H1,Lido,54.1,-1.1\n"))["report"]!;
        var proposalId = (Guid)removal["closure_proposals_needed"]!.AsArray().Single()!["proposal_id"]!;
        Assert.Empty((await fixture.FacilityAsync(boathouse)).GetProperty("sources").EnumerateArray());

        // A dry run says what it would withdraw and withdraws nothing.
        var dry = (await partner.ImportTextAsync(dataset, "parks.csv", both, dryRun: true))["report"]!;
        Assert.Equal(1, (int)dry["returned_at_source"]!);
        Assert.Equal(proposalId, (Guid)dry["closure_proposals_withdrawn"]!.AsArray().Single()!);
        Assert.Equal([proposalId], await PendingClosuresAsync(boathouse));

        var back = (await partner.ImportTextAsync(dataset, "parks.csv", both))["report"]!;

        Assert.Equal(1, (int)back["returned_at_source"]!);
        Assert.Equal(0, (int)back["created"]!);
        Assert.Equal(proposalId, (Guid)back["closure_proposals_withdrawn"]!.AsArray().Single()!);
        var proposal = await fixture.Admin.Client.GetFromJsonAsync<JsonElement>($"/api/v1/proposals/{proposalId}");
        Assert.Equal("withdrawn", proposal.GetProperty("state").GetString());
        Assert.Empty(await PendingClosuresAsync(boathouse));
        // The record is live again: the facility's source, and its confidence, are what they were before the removal.
        var after = await fixture.FacilityAsync(boathouse);
        Assert.Equal("open", after.GetProperty("status").GetString());
        Assert.Equal("H2", after.GetProperty("sources").EnumerateArray().Single().GetProperty("record_id").GetString());
        Assert.Equal(before.GetProperty("confidence").GetDouble(), after.GetProperty("confidence").GetDouble());
        Assert.Equal(0, await fixture.ScalarAsync(
            "select count(*) from source_records s join datasets d on d.id = s.dataset_id where d.id = $1 and s.removed_at is not null", dataset));

        // A closure the community opened itself is the community's to decide: the record's return leaves it pending.
        var reporter = await fixture.RegisterAsync();
        using var reported = await reporter.Client.PostAsJsonAsync($"/api/v1/facilities/{boathouse}/reports", new { reason = "closed" });
        var reportedProposal = (await reported.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("proposal_id").GetGuid();
        await partner.ImportTextAsync(dataset, "parks.csv", Header + "H1,Lido,54.1,-1.1\n");
        var again = (await partner.ImportTextAsync(dataset, "parks.csv", both))["report"]!;
        Assert.Empty(again["closure_proposals_withdrawn"]!.AsArray());
        Assert.Equal([reportedProposal], await PendingClosuresAsync(boathouse));
    }

    [Fact]
    public async Task A_record_back_in_a_later_import_reopens_the_facility_its_removal_marked_removed_when_the_partner_owns_status()
    {
        using var partner = await PartnerAsync("Lambeth parks");
        var dataset = await partner.CreateDatasetAsync(Dataset("Lambeth park toilets", "status"));
        var both = Header + "L1,Cafe,55.1,-1.1\nL2,Bowling green,55.2,-1.2\n";
        await partner.ImportTextAsync(dataset, "parks.csv", both);
        var green = await FacilityIdAsync(55.2, -1.2);
        var removal = (await partner.ImportTextAsync(dataset, "parks.csv", Header + "L1,Cafe,55.1,-1.1\n"))["report"]!;
        Assert.Equal(1, (int)removal["removed_at_source"]!);
        Assert.Empty(removal["closure_proposals_needed"]!.AsArray());
        var removed = await fixture.FacilityAsync(green);
        Assert.Equal("removed", removed.GetProperty("status").GetString());

        var back = (await partner.ImportTextAsync(dataset, "parks.csv", both))["report"]!;

        Assert.Equal(1, (int)back["returned_at_source"]!);
        Assert.Equal(1, (int)back["updated"]!);
        var reopened = await fixture.FacilityAsync(green);
        Assert.Equal("open", reopened.GetProperty("status").GetString());
        Assert.Equal(removed.GetProperty("version").GetInt32() + 1, reopened.GetProperty("version").GetInt32());
        var sources = reopened.GetProperty("sources");
        Assert.Equal("L2", sources[reopened.GetProperty("provenance").GetProperty("status").GetProperty("source").GetInt32()]
            .GetProperty("record_id").GetString());
        var history = await fixture.Anonymous.GetFromJsonAsync<JsonElement>($"/api/v1/facilities/{green}/history");
        var last = history.GetProperty("versions").EnumerateArray().Last();
        Assert.Equal("open", last.GetProperty("changes").GetProperty("status").GetProperty("to").GetString());
        Assert.Equal(0.9, reopened.GetProperty("confidence").GetDouble());
        Assert.Contains(green, await PartnerClient.FacilitiesNearAsync(fixture.Anonymous, 55.2, -1.2));

        // Reimporting the same file again changes nothing.
        var same = (await partner.ImportTextAsync(dataset, "parks.csv", both))["report"]!;
        Assert.Equal(0, (int)same["returned_at_source"]!);
        Assert.Equal(2, (int)same["unchanged"]!);
    }

    private static object Dataset(string name, params string[] owned) => new
    {
        name,
        license = "CC-BY-4.0",
        attribution = name,
        category = "toilet",
        mapping = new JsonObject { ["id"] = "ref", ["lat"] = "lat", ["lon"] = "lon", ["name"] = "name" },
        owned_attributes = owned,
    };

    private Task<PartnerClient> PartnerAsync(string name) => PartnerClient.CreateThroughAdminAsync(fixture, name);

    private Task<Guid> FacilityIdAsync(double lat, double lon) => PartnerClient.OnlyFacilityNearAsync(fixture.Anonymous, lat, lon);

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
