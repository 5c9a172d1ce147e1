using System.Net.Http.Json;
using System.Text.Json;

namespace Facilities.Api.Tests.Contributors;

/// <summary>Reviewers see what the author was warned about: possible duplicates, recomputed when the queue is read.</summary>
public sealed class ReviewDuplicatesTests(ContributorsFixture fixture) : IClassFixture<ContributorsFixture>
{
    [Fact]
    public async Task A_reviewers_queue_and_the_proposal_show_the_duplicate_also_one_added_after_the_proposal()
    {
        var existing = await fixture.CreateFacilityAsync(new { category = "toilet", name = "丰富路公厕" }, lat: 32.0400, lon: 118.7800);
        var author = await fixture.RegisterAsync();
        var proposal = await ContributorsFixture.ProposeAsync(author, new
        {
            kind = "create",
            location = new { lat = 32.04017, lon = 118.7800 }, // about 19 m north
            changes = new { category = "toilet", name = "Fengfu Road toilet" },
            comment = "Found it",
        });
        var id = proposal.GetProperty("id").GetGuid();
        // Added after the proposal: the queue, read now, knows it.
        var later = await fixture.CreateFacilityAsync(new { category = "toilet", name = "Later one" }, lat: 32.03995, lon: 118.7800);
        var reviewer = await fixture.RegisterAsync(reputation: 200);

        var queue = await reviewer.Client.GetFromJsonAsync<JsonElement>("/api/v1/proposals?state=pending&bbox=118.7,32.0,118.9,32.1");
        var card = queue.GetProperty("proposals").EnumerateArray().Single(p => p.GetProperty("id").GetGuid() == id);
        var duplicates = card.GetProperty("possible_duplicates").EnumerateArray().ToList();
        Assert.Equal([existing, later], duplicates.Select(d => d.GetProperty("id").GetGuid()));
        Assert.Equal("丰富路公厕", duplicates[0].GetProperty("name").GetString());
        Assert.InRange(duplicates[0].GetProperty("distance_m").GetDouble(), 17, 21);

        var single = await reviewer.Client.GetFromJsonAsync<JsonElement>($"/api/v1/proposals/{id}");
        Assert.Equal(2, single.GetProperty("possible_duplicates").GetArrayLength());
    }

    [Fact]
    public async Task An_accepted_create_does_not_list_its_own_facility_and_an_update_lists_nothing()
    {
        var facility = await fixture.CreateFacilityAsync(lat: 33.5, lon: 119.5);
        var proposals = await fixture.Admin.Client.GetFromJsonAsync<JsonElement>("/api/v1/proposals?state=accepted&bbox=119.4,33.4,119.6,33.6");
        var create = proposals.GetProperty("proposals").EnumerateArray().Single(p => p.GetProperty("facility_id").GetGuid() == facility);
        Assert.Equal(0, create.GetProperty("possible_duplicates").GetArrayLength());

        var author = await fixture.RegisterAsync();
        var update = await ContributorsFixture.ProposeAsync(author, new { kind = "update", facility_id = facility, changes = new { fee = true }, comment = "Pay now" });
        Assert.Equal(JsonValueKind.Null, update.GetProperty("possible_duplicates").ValueKind);
    }
}
