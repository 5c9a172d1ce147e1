using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Facilities.Api.Tests.Partners;

namespace Facilities.Api.Tests.Contributors;

/// <summary>
/// Each kind of writer changes a facility through the one change unit: its stored confidence is recomputed by the one
/// definition before commit (a value spoiled beforehand does not survive), and a change of an attribute is a version
/// in the change feed. A confirmation changes no attribute, so it writes no feed entry.
/// </summary>
public sealed class FacilityChangesTests(ContributorsFixture fixture) : IClassFixture<ContributorsFixture>
{
    private const double Spoiled = 0.001;

    [Fact]
    public async Task An_accepted_proposal_refreshes_confidence_and_enters_the_feed()
    {
        var facility = await SpoiledFacilityAsync();
        var feed = await FeedEntriesAsync(facility);

        var proposal = await ContributorsFixture.ProposeAsync(fixture.Admin,
            new { kind = "update", facility_id = facility, changes = new { name = "Renamed by proposal" }, comment = "The sign says so" });

        Assert.Equal("accepted", proposal.GetProperty("state").GetString());
        await AssertRefreshedAndInFeedAsync(facility, feed + 1);
    }

    [Fact]
    public async Task A_proposal_accepted_by_votes_refreshes_confidence_and_enters_the_feed()
    {
        var facility = await fixture.CreateFacilityAsync();
        var author = await fixture.RegisterAsync(50);
        var proposal = (await ContributorsFixture.ProposeAsync(author,
            new { kind = "update", facility_id = facility, changes = new { name = "Renamed by votes" }, comment = "The sign says so" }))
            .GetProperty("id").GetGuid();
        await SpoilAsync(facility);
        var feed = await FeedEntriesAsync(facility);

        var state = "pending";
        for (var voters = 0; state == "pending" && voters < 10; voters++)
        {
            var (status, body) = await ContributorsFixture.VoteAsync(await fixture.RegisterAsync(1000), proposal, "up");
            Assert.Equal(HttpStatusCode.OK, status);
            state = body.GetProperty("state").GetString()!;
        }

        Assert.Equal("accepted", state);
        await AssertRefreshedAndInFeedAsync(facility, feed + 1);
    }

    [Fact]
    public async Task A_revert_refreshes_confidence_and_enters_the_feed()
    {
        var facility = await fixture.CreateFacilityAsync();
        await ContributorsFixture.ProposeAsync(fixture.Admin,
            new { kind = "update", facility_id = facility, changes = new { name = "To be undone" }, comment = "The sign says so" });
        await SpoilAsync(facility);
        var feed = await FeedEntriesAsync(facility);

        using var revert = await fixture.Admin.Client.PostAsJsonAsync($"/api/v1/facilities/{facility}/revert", new { to_version = 1, reason = "Wrong" });

        Assert.Equal(HttpStatusCode.OK, revert.StatusCode);
        await AssertRefreshedAndInFeedAsync(facility, feed + 1);
    }

    [Fact]
    public async Task A_report_that_closes_refreshes_confidence_and_enters_the_feed()
    {
        var facility = await SpoiledFacilityAsync();
        var feed = await FeedEntriesAsync(facility);

        var report = await ContributorsFixture.PostAsync(fixture.Admin, $"/api/v1/facilities/{facility}/reports", new { reason = "out_of_order" });

        Assert.Equal("temporarily_closed", report.GetProperty("effect").GetString());
        await AssertRefreshedAndInFeedAsync(facility, feed + 1);
    }

    [Fact]
    public async Task A_confirmation_refreshes_confidence_and_writes_no_feed_entry()
    {
        var facility = await SpoiledFacilityAsync();
        var feed = await FeedEntriesAsync(facility);

        await ContributorsFixture.PostAsync(await fixture.RegisterAsync(), $"/api/v1/facilities/{facility}/confirmations", new { });

        await AssertRefreshedAndInFeedAsync(facility, feed);
    }

    [Fact]
    public async Task A_partner_import_refreshes_confidence_and_enters_the_feed()
    {
        using var partner = await PartnerClient.CreateThroughAdminAsync(fixture, "Writers' partner");
        var dataset = await partner.CreateDatasetAsync(new
        {
            name = "Writers' toilets",
            license = "CC-BY-4.0",
            attribution = "Writers",
            category = "toilet",
            mapping = new JsonObject { ["id"] = "ref", ["lon"] = "lon", ["lat"] = "lat", ["name"] = "name" },
        });
        await partner.ImportTextAsync(dataset, "w.csv", "ref,name,lat,lon\nW1,Before,57.3,-2.3\n");
        var facility = await PartnerClient.OnlyFacilityNearAsync(fixture.Anonymous, 57.3, -2.3);
        await SpoilAsync(facility);
        var feed = await FeedEntriesAsync(facility);

        var report = (await partner.ImportTextAsync(dataset, "w.csv", "ref,name,lat,lon\nW1,After,57.3,-2.3\n"))["report"]!;

        Assert.Equal(1, (int)report["updated"]!);
        await AssertRefreshedAndInFeedAsync(facility, feed + 1);
    }

    private async Task<Guid> SpoiledFacilityAsync()
    {
        var facility = await fixture.CreateFacilityAsync();
        await SpoilAsync(facility);
        return facility;
    }

    // A stored value no definition gives: only a recomputation replaces it.
    private Task SpoilAsync(Guid facility) => fixture.ExecuteAsync("update facilities set confidence = $2 where id = $1", facility, (float)Spoiled);

    private Task<long> FeedEntriesAsync(Guid facility) => fixture.ScalarAsync("select count(*) from change_feed where facility_id = $1", facility);

    private async Task AssertRefreshedAndInFeedAsync(Guid facility, long feedEntries)
    {
        var confidence = (await fixture.FacilityAsync(facility)).GetProperty("confidence").GetDouble();
        Assert.True(confidence > 0.1, $"confidence {confidence} was not recomputed");
        Assert.Equal(feedEntries, await FeedEntriesAsync(facility));
    }
}
