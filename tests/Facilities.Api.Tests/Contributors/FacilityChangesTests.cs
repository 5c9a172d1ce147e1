using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Facilities.Api.Data;
using Facilities.Api.Features.Confidence;
using Facilities.Api.Features.Proposals;
using Facilities.Api.Tests.Partners;
using Mediator;
using Microsoft.Extensions.DependencyInjection;

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

    [Fact]
    public async Task A_dispute_settled_for_the_community_refreshes_confidence_and_enters_the_feed()
    {
        var facility = await fixture.CreateFacilityAsync(new { category = "toilet", name = "Disputed", opening_hours = "Mo-Fr 08:00-18:00" });
        var partner = Guid.NewGuid();
        var dataset = Guid.NewGuid();
        await fixture.ExecuteAsync("insert into partners (id, name) values ($1, 'Writers borough')", partner);
        await fixture.ExecuteAsync(
            "insert into datasets (id, partner_id, kind, name, license, attribution, category, owned_attributes) " +
            "values ($1, $2, 'official', 'Writers toilets', 'OGL-UK-3.0', 'Writers', 'toilet', '{opening_hours}')", dataset, partner);
        await fixture.ExecuteAsync(
            "insert into source_records (dataset_id, external_id, facility_id, attributes) values ($1, 'D-1', $2, '{\"opening_hours\": \"Mo-Fr 08:00-18:00\"}')",
            dataset, facility);
        var proposal = (await ContributorsFixture.ProposeAsync(await fixture.RegisterAsync(5000),
            new { kind = "update", facility_id = facility, changes = new { opening_hours = "24/7" }, comment = "Sign changed" })).GetProperty("id").GetGuid();
        var state = "pending";
        for (var voters = 0; state == "pending" && voters < 10; voters++)
        {
            state = (await ContributorsFixture.VoteAsync(await fixture.RegisterAsync(1000), proposal, "up")).Body.GetProperty("state").GetString()!;
        }
        Assert.Equal("accepted", state);
        var reviews = await fixture.Admin.Client.GetFromJsonAsync<JsonElement>("/api/v1/reviews?kind=dispute");
        var dispute = Assert.Single(reviews.GetProperty("items").EnumerateArray(), r => r.GetProperty("proposal_id").GetGuid() == proposal);
        await SpoilAsync(facility);
        var feed = await FeedEntriesAsync(facility);

        using var resolve = await fixture.Admin.Client.PostAsJsonAsync($"/api/v1/reviews/{dispute.GetProperty("id").GetGuid()}/resolve",
            new { action = "keep_community" });

        Assert.Equal(HttpStatusCode.OK, resolve.StatusCode);
        Assert.Equal("24/7", (await fixture.FacilityAsync(facility)).GetProperty("opening_hours").GetString());
        await AssertRefreshedAndInFeedAsync(facility, feed + 1);
    }

    [Fact]
    public async Task Ageing_refreshes_the_confidence_of_a_facility_whose_report_grew_old_and_writes_no_feed_entry()
    {
        var facility = await fixture.CreateFacilityAsync();
        await ContributorsFixture.PostAsync(await fixture.RegisterAsync(), $"/api/v1/facilities/{facility}/reports", new { reason = "dirty" });
        var parameters = fixture.App.Services.GetRequiredService<ConfidenceParameters>();
        // The report left its window half a day ago: only the ageing pass notices, nobody touched the facility.
        await fixture.ExecuteAsync("update reports set created_at = now() - make_interval(days => $2) - interval '12 hours' where facility_id = $1",
            facility, parameters.ReportDays);
        await SpoilAsync(facility);
        var feed = await FeedEntriesAsync(facility);

        await using (var scope = fixture.App.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<ISender>().Send(new AgeConfidenceCommand(DateTime.UtcNow));
        }

        await AssertRefreshedAndInFeedAsync(facility, feed);
    }

    [Fact]
    public async Task A_temporary_closure_that_ended_is_reopened_as_a_version_of_its_own_and_one_still_running_is_not()
    {
        var ended = await fixture.CreateFacilityAsync();
        var running = await fixture.CreateFacilityAsync();
        var until = DateTime.UtcNow.AddDays(3).ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture);
        foreach (var facility in new[] { ended, running })
        {
            var closure = await ContributorsFixture.ProposeAsync(fixture.Admin,
                new { kind = "close", facility_id = facility, status_until = until, comment = "Closed for repairs" });
            Assert.Equal("accepted", closure.GetProperty("state").GetString());
        }
        // The first closure's end passed an hour ago (no proposal can set a past end).
        await fixture.ExecuteAsync("update facilities set status_until = now() - interval '1 hour' where id = $1", ended);
        await SpoilAsync(ended);
        var feed = await FeedEntriesAsync(ended);

        await using (var scope = fixture.App.Services.CreateAsyncScope())
        {
            Assert.Equal(1, await scope.ServiceProvider.GetRequiredService<ISender>().Send(new EndTemporaryClosuresCommand(DateTime.UtcNow)));
        }

        var reopened = await fixture.FacilityAsync(ended);
        Assert.Equal("open", reopened.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, reopened.GetProperty("status_until").ValueKind);
        await AssertRefreshedAndInFeedAsync(ended, feed + 1);
        var history = await fixture.Admin.Client.GetFromJsonAsync<JsonElement>($"/api/v1/facilities/{ended}/history");
        var last = history.GetProperty("versions").EnumerateArray().Last();
        Assert.Equal("temporarily_closed", last.GetProperty("changes").GetProperty("status").GetProperty("from").GetString());
        Assert.Equal("open", last.GetProperty("changes").GetProperty("status").GetProperty("to").GetString());
        Assert.StartsWith("The temporary closure ended", last.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.Null, last.GetProperty("author_user_id").ValueKind);
        Assert.Equal("temporarily_closed", (await fixture.FacilityAsync(running)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task An_ambiguous_match_merged_by_a_moderator_refreshes_confidence_and_enters_the_feed()
    {
        var west = await fixture.CreateFacilityAsync(new { category = "toilet", name = "Twin toilets", wheelchair = "no" }, 46.0, 7.0000);
        await fixture.CreateFacilityAsync(new { category = "toilet", name = "Twin toilets", wheelchair = "no" }, 46.0, 7.0002);
        using var partner = await PartnerClient.CreateThroughAdminAsync(fixture, "Writers' ambiguous partner");
        var dataset = await partner.CreateDatasetAsync(new
        {
            name = "Twins",
            license = "CC-BY-4.0",
            attribution = "Twins",
            category = "toilet",
            mapping = new JsonObject { ["id"] = "ref", ["lon"] = "lon", ["lat"] = "lat", ["name"] = "name", ["wheelchair"] = "wheelchair" },
        });
        var report = (await partner.ImportTextAsync(dataset, "twins.csv", "ref,name,lat,lon,wheelchair\nT1,Twin toilets,46.0,7.0001,yes\n"))["report"]!;
        var item = Guid.Parse((string)Assert.Single(report["review_items"]!.AsArray())!);
        await SpoilAsync(west);
        var feed = await FeedEntriesAsync(west);

        using var resolve = await fixture.Admin.Client.PostAsJsonAsync($"/api/v1/reviews/{item}/resolve", new { action = "merge", facility_id = west });

        Assert.Equal(HttpStatusCode.OK, resolve.StatusCode);
        Assert.Equal("yes", (await fixture.FacilityAsync(west)).GetProperty("wheelchair").GetString());
        await AssertRefreshedAndInFeedAsync(west, feed + 1);
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
