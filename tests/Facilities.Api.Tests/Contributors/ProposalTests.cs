using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Facilities.Api.Tests.Contributors;

/// <summary>Proposals: privileges on both sides of each threshold, the weighted vote arithmetic, visibility, reputation.</summary>
public sealed class ProposalTests(ContributorsFixture fixture) : IClassFixture<ContributorsFixture>
{
    private static object Rename(Guid facility, string name, int? baseVersion = null) =>
        new { kind = "update", facility_id = facility, base_version = baseVersion, changes = new { name }, comment = "The sign says so" };

    private static object Create(double lat, double lon, string name = "New toilet") =>
        new { kind = "create", location = new { lat, lon }, changes = new { category = "toilet", name, fee = false }, comment = "Used it today" };

    [Fact]
    public async Task Own_updates_apply_at_once_from_reputation_100_and_wait_at_99()
    {
        var facility = await fixture.CreateFacilityAsync();
        var at99 = await fixture.RegisterAsync(99);
        var at100 = await fixture.RegisterAsync(100);

        var waiting = await ContributorsFixture.ProposeAsync(at99, Rename(facility, "By 99"));
        Assert.Equal("pending", waiting.GetProperty("state").GetString());
        Assert.NotEqual("By 99", (await fixture.FacilityAsync(facility)).GetProperty("name").GetString());

        var applied = await ContributorsFixture.ProposeAsync(at100, Rename(facility, "By 100"));
        Assert.Equal("accepted", applied.GetProperty("state").GetString());
        Assert.Equal("By 100", (await fixture.FacilityAsync(facility)).GetProperty("name").GetString());
    }

    [Fact]
    public async Task Own_creates_moves_and_closures_apply_at_once_from_reputation_500_and_wait_at_499()
    {
        var at499 = await fixture.RegisterAsync(499);
        var at500 = await fixture.RegisterAsync(500);
        Assert.Equal("pending", (await ContributorsFixture.ProposeAsync(at499, Create(40.1, 116.1))).GetProperty("state").GetString());
        var created = await ContributorsFixture.ProposeAsync(at500, Create(40.2, 116.2));
        Assert.Equal("accepted", created.GetProperty("state").GetString());
        var id = created.GetProperty("facility_id").GetGuid();

        var move = new { kind = "move", facility_id = id, location = new { lat = 40.2005, lon = 116.2 }, comment = "It is across the path" };
        Assert.Equal("pending", (await ContributorsFixture.ProposeAsync(at499, move)).GetProperty("state").GetString());
        Assert.Equal("accepted", (await ContributorsFixture.ProposeAsync(at500, move)).GetProperty("state").GetString());

        var close = new { kind = "close", facility_id = id, status_until = DateTime.UtcNow.AddDays(7).ToString("O"), comment = "Renovation notice" };
        Assert.Equal("pending", (await ContributorsFixture.ProposeAsync(at499, close)).GetProperty("state").GetString());
        Assert.Equal("accepted", (await ContributorsFixture.ProposeAsync(at500, close)).GetProperty("state").GetString());
        var facility = await fixture.FacilityAsync(id);
        Assert.Equal("temporarily_closed", facility.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.String, facility.GetProperty("status_until").ValueKind);
    }

    [Fact]
    public async Task A_vote_weighs_nothing_at_reputation_14_and_log10_r_from_15()
    {
        var facility = await fixture.CreateFacilityAsync();
        var author = await fixture.RegisterAsync();
        var proposal = (await ContributorsFixture.ProposeAsync(author, Rename(facility, "Weights"))).GetProperty("id").GetGuid();

        var (_, at14) = await ContributorsFixture.VoteAsync(await fixture.RegisterAsync(14), proposal, "up");
        Assert.Equal(0, at14.GetProperty("weight").GetDouble());
        var (_, at15) = await ContributorsFixture.VoteAsync(await fixture.RegisterAsync(15), proposal, "up");
        Assert.Equal(Math.Round(Math.Log10(15), 4), at15.GetProperty("weight").GetDouble());
        Assert.Equal(Math.Round(Math.Log10(15), 4), at15.GetProperty("support").GetDouble());
        Assert.Equal(2, at15.GetProperty("votes").GetInt32());
    }

    [Fact]
    public async Task Accepted_at_support_minus_opposition_of_3_with_the_authors_weight_as_support()
    {
        var author = await fixture.RegisterAsync(100); // weight 2, counted as support; a create still needs 500
        var proposal = (await ContributorsFixture.ProposeAsync(author, Create(30.1, 120.1))).GetProperty("id").GetGuid();

        var (_, down) = await ContributorsFixture.VoteAsync(await fixture.RegisterAsync(10), proposal, "down"); // 0 below 15
        Assert.Equal(0, down.GetProperty("opposition").GetDouble());
        var (_, against) = await ContributorsFixture.VoteAsync(await fixture.RegisterAsync(100), proposal, "down"); // 2 − 2 = 0
        Assert.Equal("pending", against.GetProperty("state").GetString());
        var (_, up) = await ContributorsFixture.VoteAsync(await fixture.RegisterAsync(1000), proposal, "up"); // 5 − 2 = 3
        Assert.Equal("accepted", up.GetProperty("state").GetString());
        Assert.Equal(5, up.GetProperty("support").GetDouble(), 3);
        Assert.Equal(2, up.GetProperty("opposition").GetDouble(), 3);

        var view = await author.Client.GetFromJsonAsync<JsonElement>($"/api/v1/proposals/{proposal}");
        var facility = await fixture.FacilityAsync(view.GetProperty("facility_id").GetGuid());
        Assert.Equal("New toilet", facility.GetProperty("name").GetString());
        var history = await fixture.Anonymous.GetFromJsonAsync<JsonElement>($"/api/v1/facilities/{view.GetProperty("facility_id").GetGuid()}/history");
        var version = history.GetProperty("versions")[0];
        Assert.Equal(proposal.ToString(), version.GetProperty("proposal_id").GetString());
        Assert.Equal(author.Id.ToString(), version.GetProperty("author_user_id").GetString());
        Assert.Equal("Used it today", version.GetProperty("reason").GetString());
        Assert.Equal(["down", "down", "up"], version.GetProperty("votes").EnumerateArray().Select(v => v.GetProperty("vote").GetString()));
    }

    [Fact]
    public async Task Rejected_at_opposition_minus_support_of_3_and_reputation_moves_for_author_and_voters()
    {
        var facility = await fixture.CreateFacilityAsync();
        var author = await fixture.RegisterAsync(20); // weight 1.301
        var proposal = (await ContributorsFixture.ProposeAsync(author, Rename(facility, "Vandalised"))).GetProperty("id").GetGuid();
        var upVoter = await fixture.RegisterAsync(30); // weight 1.477: support 2.778, just short of 3
        var downVoters = new[] { await fixture.RegisterAsync(100), await fixture.RegisterAsync(100) };

        Assert.Equal("pending", (await ContributorsFixture.VoteAsync(upVoter, proposal, "up")).Body.GetProperty("state").GetString());
        var first = (await ContributorsFixture.VoteAsync(downVoters[0], proposal, "down")).Body;
        Assert.Equal("pending", first.GetProperty("state").GetString());
        var second = (await ContributorsFixture.VoteAsync(downVoters[1], proposal, "down")).Body;
        Assert.Equal("pending", second.GetProperty("state").GetString()); // 4 − 2.778 = 1.22
        var third = (await ContributorsFixture.VoteAsync(await fixture.RegisterAsync(1000), proposal, "down")).Body;
        Assert.Equal("rejected", third.GetProperty("state").GetString()); // 7 − 2.778 = 4.22 ≥ 3

        Assert.Equal(15, await fixture.ReputationAsync(author.Id));        // 20 − 5
        Assert.Equal(29, await fixture.ReputationAsync(upVoter.Id));       // lost
        Assert.Equal(101, await fixture.ReputationAsync(downVoters[0].Id)); // won
        Assert.NotEqual("Vandalised", (await fixture.FacilityAsync(facility)).GetProperty("name").GetString());
        await (await downVoters[1].Client.PostAsJsonAsync($"/api/v1/proposals/{proposal}/votes", new { vote = "up" }))
            .IsProblemAsync(HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task Acceptance_rewards_the_author_10_or_15_for_a_create_and_each_up_voter_1()
    {
        var facility = await fixture.CreateFacilityAsync();
        var author = await fixture.RegisterAsync();
        var creator = await fixture.RegisterAsync();
        var voters = new[] { await fixture.RegisterAsync(1000), await fixture.RegisterAsync(1000) };
        var update = (await ContributorsFixture.ProposeAsync(author, Rename(facility, "Rewarded"))).GetProperty("id").GetGuid();
        var create = (await ContributorsFixture.ProposeAsync(creator, Create(31.5, 121.5))).GetProperty("id").GetGuid();

        Assert.Equal("accepted", (await ContributorsFixture.VoteAsync(voters[0], update, "up")).Body.GetProperty("state").GetString());
        Assert.Equal("accepted", (await ContributorsFixture.VoteAsync(voters[1], create, "up")).Body.GetProperty("state").GetString());
        Assert.Equal(11, await fixture.ReputationAsync(author.Id));
        Assert.Equal(16, await fixture.ReputationAsync(creator.Id));
        Assert.Equal(1001, await fixture.ReputationAsync(voters[0].Id));
        var profile = await fixture.Anonymous.GetFromJsonAsync<JsonElement>($"/api/v1/users/{author.Id}");
        Assert.Equal(1, profile.GetProperty("accepted").GetInt32());
    }

    [Fact]
    public async Task Five_fresh_accounts_voting_together_decide_nothing()
    {
        var facility = await fixture.CreateFacilityAsync();
        var ring = new List<Account>();
        for (var i = 0; i < 6; i++)
        {
            ring.Add(await fixture.RegisterAsync());
        }
        var proposal = (await ContributorsFixture.ProposeAsync(ring[0], Rename(facility, "Ring's name"))).GetProperty("id").GetGuid();
        foreach (var puppet in ring.Skip(1))
        {
            var (status, tally) = await ContributorsFixture.VoteAsync(puppet, proposal, "up");
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Equal("pending", tally.GetProperty("state").GetString());
            Assert.Equal(0, tally.GetProperty("support").GetDouble());
        }
        Assert.NotEqual("Ring's name", (await fixture.FacilityAsync(facility)).GetProperty("name").GetString());
    }

    [Fact]
    public async Task Pending_changes_are_invisible_to_the_public_and_shown_to_author_and_reviewers()
    {
        var facility = await fixture.CreateFacilityAsync();
        var before = await fixture.FacilityAsync(facility);
        var author = await fixture.RegisterAsync();
        var proposal = (await ContributorsFixture.ProposeAsync(author, Rename(facility, "Secret"))).GetProperty("id").GetGuid();
        var created = await ContributorsFixture.ProposeAsync(author, Create(-33.9, 151.2, "Pending place"));

        var after = await fixture.FacilityAsync(facility);
        Assert.Equal(before.GetProperty("name").GetString(), after.GetProperty("name").GetString());
        Assert.Equal(before.GetProperty("version").GetInt32(), after.GetProperty("version").GetInt32());
        Assert.DoesNotContain("Pending place", await fixture.Anonymous.GetStringAsync("/api/v1/facilities/nearby?lat=-33.9&lon=151.2"), StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.Null, created.GetProperty("facility_id").ValueKind);

        await (await fixture.Anonymous.GetAsync($"/api/v1/proposals/{proposal}")).IsProblemAsync(HttpStatusCode.NotFound);
        await (await fixture.Anonymous.GetAsync("/api/v1/proposals?state=pending")).IsProblemAsync(HttpStatusCode.Unauthorized);
        var stranger = await fixture.RegisterAsync();
        await (await stranger.Client.GetAsync($"/api/v1/proposals/{proposal}")).IsProblemAsync(HttpStatusCode.NotFound);
        Assert.Empty((await stranger.Client.GetFromJsonAsync<JsonElement>("/api/v1/proposals")).GetProperty("proposals").EnumerateArray());

        Assert.Equal("Secret", (await author.Client.GetFromJsonAsync<JsonElement>($"/api/v1/proposals/{proposal}")).GetProperty("changes").GetProperty("name").GetString());
        var reviewer = await fixture.RegisterAsync(15);
        Assert.Equal(HttpStatusCode.OK, (await reviewer.Client.GetAsync($"/api/v1/proposals/{proposal}")).StatusCode);
        var queue = await reviewer.Client.GetFromJsonAsync<JsonElement>("/api/v1/proposals?state=pending&bbox=-1,50,1,52");
        Assert.Contains(proposal, queue.GetProperty("proposals").EnumerateArray().Select(p => p.GetProperty("id").GetGuid()));
    }

    [Fact]
    public async Task A_stale_base_version_touching_a_changed_attribute_is_409_with_the_current_values()
    {
        var facility = await fixture.CreateFacilityAsync();
        var established = await fixture.RegisterAsync(100);
        Assert.Equal("accepted", (await ContributorsFixture.ProposeAsync(established, Rename(facility, "Changed since", 1))).GetProperty("state").GetString());

        var stale = await (await established.Client.PostAsJsonAsync("/api/v1/proposals", Rename(facility, "Based on v1", 1)))
            .IsProblemAsync(HttpStatusCode.Conflict);
        Assert.Equal(2, stale.GetProperty("current_version").GetInt32());
        Assert.Equal("Changed since", stale.GetProperty("current").GetProperty("name").GetString());

        // Another attribute, untouched since version 1: no conflict.
        var other = new { kind = "update", facility_id = facility, base_version = 1, changes = new { wheelchair = "yes" }, comment = "Ramp built" };
        Assert.Equal("accepted", (await ContributorsFixture.ProposeAsync(established, other)).GetProperty("state").GetString());
        Assert.Equal("Changed since", (await fixture.FacilityAsync(facility)).GetProperty("name").GetString());
    }

    [Fact]
    public async Task Many_votes_at_once_apply_the_proposal_exactly_once()
    {
        var facility = await fixture.CreateFacilityAsync();
        var author = await fixture.RegisterAsync();
        var proposal = (await ContributorsFixture.ProposeAsync(author, Rename(facility, "Once"))).GetProperty("id").GetGuid();
        var voters = new List<Account>();
        for (var i = 0; i < 24; i++)
        {
            voters.Add(await fixture.RegisterAsync(15)); // weight 1.18: the third up vote decides
        }
        var feedBefore = await fixture.ScalarAsync("select count(*) from change_feed");

        var answers = await Task.WhenAll(voters.Select(v => ContributorsFixture.VoteAsync(v, proposal, "up")));

        Assert.All(answers, a => Assert.True(a.Status is HttpStatusCode.OK or HttpStatusCode.Conflict, a.Status.ToString()));
        Assert.Single(answers, a => a.Status == HttpStatusCode.OK && a.Body.GetProperty("state").GetString() == "accepted");
        Assert.Equal(3, answers.Count(a => a.Status == HttpStatusCode.OK));
        Assert.Equal(feedBefore + 1, await fixture.ScalarAsync("select count(*) from change_feed"));
        Assert.Equal(1, await fixture.ScalarAsync("select count(*) from facility_versions where proposal_id = $1", proposal));
        Assert.Equal(1, await fixture.ScalarAsync("select count(*) from reputation_events where proposal_id = $1 and reason = 'proposal_accepted'", proposal));
        Assert.Equal(11, await fixture.ReputationAsync(author.Id));
        Assert.Equal(2, (await fixture.FacilityAsync(facility)).GetProperty("version").GetInt32());
    }

    [Fact]
    public async Task A_create_within_50_m_of_the_same_category_lists_possible_duplicates()
    {
        var existing = await fixture.CreateFacilityAsync(lat: 22.3, lon: 114.17);
        var author = await fixture.RegisterAsync();
        var near = await ContributorsFixture.ProposeAsync(author, Create(22.3003, 114.17)); // about 33 m north
        var duplicate = Assert.Single(near.GetProperty("possible_duplicates").EnumerateArray());
        Assert.Equal(existing, duplicate.GetProperty("id").GetGuid());
        Assert.InRange(duplicate.GetProperty("distance_m").GetDouble(), 30, 36);

        var far = await ContributorsFixture.ProposeAsync(author, Create(22.301, 114.17)); // about 110 m
        Assert.Empty(far.GetProperty("possible_duplicates").EnumerateArray());
    }

    [Fact]
    public async Task Voting_twice_replaces_the_vote_and_voting_on_ones_own_proposal_is_refused()
    {
        var facility = await fixture.CreateFacilityAsync();
        var author = await fixture.RegisterAsync();
        var proposal = (await ContributorsFixture.ProposeAsync(author, Rename(facility, "Twice"))).GetProperty("id").GetGuid();
        var voter = await fixture.RegisterAsync(100);
        Assert.Equal(2, (await ContributorsFixture.VoteAsync(voter, proposal, "up")).Body.GetProperty("support").GetDouble(), 3);
        var again = (await ContributorsFixture.VoteAsync(voter, proposal, "down")).Body;
        Assert.Equal(0, again.GetProperty("support").GetDouble(), 3);
        Assert.Equal(2, again.GetProperty("opposition").GetDouble(), 3);
        Assert.Equal(1, again.GetProperty("votes").GetInt32());

        await (await author.Client.PostAsJsonAsync($"/api/v1/proposals/{proposal}/votes", new { vote = "up" })).IsProblemAsync(HttpStatusCode.Forbidden);
        await (await voter.Client.PostAsJsonAsync($"/api/v1/proposals/{proposal}/votes", new { vote = "sideways" })).IsProblemAsync(HttpStatusCode.BadRequest);
    }

    public static TheoryData<string, string> BadProposals => new()
    {
        { """{"kind":"update","facility_id":"{F}","changes":{"colour":"red"},"comment":"x"}""", "changes.colour" },
        { """{"kind":"update","facility_id":"{F}","changes":{"wheelchair":"sometimes"},"comment":"x"}""", "changes.wheelchair" },
        { """{"kind":"update","facility_id":"{F}","changes":{"fee":"yes"},"comment":"x"}""", "changes.fee" },
        { """{"kind":"update","facility_id":"{F}","changes":{"disposal":"magic"},"comment":"x"}""", "changes.disposal" },
        { """{"kind":"update","facility_id":"{F}","changes":{"status":"removed"},"comment":"x"}""", "changes.status" },
        { """{"kind":"create","location":{"lat":91,"lon":0},"changes":{"category":"toilet"},"comment":"x"}""", "location" },
        { """{"kind":"create","location":{"lat":10,"lon":-181},"changes":{"category":"toilet"},"comment":"x"}""", "location" },
        { """{"kind":"create","location":{"lat":0,"lon":0},"changes":{"category":"toilet"},"comment":"x"}""", "location" },
        { """{"kind":"create","location":{"lat":"north","lon":0},"changes":{"category":"toilet"},"comment":"x"}""", "location" },
        { """{"kind":"create","location":{"lat":10,"lon":10},"changes":{"category":"spaceport"},"comment":"x"}""", "changes.category" },
        { """{"kind":"create","location":{"lat":10,"lon":10},"changes":{"category":"bench","seats":50},"comment":"x"}""", "changes.seats" },
        { """{"kind":"move","facility_id":"{F}","location":{"lat":51.6,"lon":0.5},"comment":"x"}""", "location" },
        { """{"kind":"update","facility_id":"{F}","changes":{"name":"Fine"},"comment":""}""", "comment" },
        { """{"kind":"update","facility_id":"{F}","changes":{"name":"Fine"},"comment":"   "}""", "comment" },
        { """{"kind":"update","facility_id":"{F}","changes":{"name":"Fine"}}""", "comment" },
        { """{"kind":"teleport","facility_id":"{F}","comment":"x"}""", "kind" },
        { """{"kind":"update","facility_id":"{F}","base_version":99,"changes":{"name":"Fine"},"comment":"x"}""", "base_version" },
        { """{"kind":"close","facility_id":"{F}","status_until":"yesterday","comment":"x"}""", "status_until" },
    };

    [Theory]
    [MemberData(nameof(BadProposals))]
    public async Task Bad_proposals_are_400_problems_naming_the_field_and_change_nothing(string body, string field)
    {
        var facility = await fixture.CreateFacilityAsync();
        var author = await fixture.RegisterAsync(1000);
        using var content = new StringContent(body.Replace("{F}", facility.ToString(), StringComparison.Ordinal), Encoding.UTF8, "application/json");
        var problem = await (await author.Client.PostAsync("/api/v1/proposals", content)).IsProblemAsync(HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
        Assert.Equal(0, await fixture.ScalarAsync("select count(*) from proposals where author_id = $1", author.Id));
        Assert.Equal(1, (await fixture.FacilityAsync(facility)).GetProperty("version").GetInt32());
    }

    [Fact]
    public async Task A_10_MB_comment_is_refused_before_it_is_read()
    {
        var facility = await fixture.CreateFacilityAsync();
        var author = await fixture.RegisterAsync(1000);
        var huge = new string('x', 10 * 1024 * 1024);
        await (await author.Client.PostAsJsonAsync("/api/v1/proposals", new { kind = "update", facility_id = facility, changes = new { name = "Big" }, comment = huge }))
            .IsProblemAsync(HttpStatusCode.RequestEntityTooLarge);
        await (await author.Client.PostAsJsonAsync("/api/v1/proposals", new { kind = "update", facility_id = facility, changes = new { name = "Big" }, comment = new string('x', 2001) }))
            .IsProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal(0, await fixture.ScalarAsync("select count(*) from proposals where author_id = $1", author.Id));
    }

    [Fact]
    public async Task A_pending_proposal_past_its_expiry_takes_no_more_votes()
    {
        var facility = await fixture.CreateFacilityAsync();
        var author = await fixture.RegisterAsync();
        var proposal = (await ContributorsFixture.ProposeAsync(author, Rename(facility, "Too late"))).GetProperty("id").GetGuid();
        await fixture.ExecuteAsync("update proposals set expires_at = now() - interval '1 minute' where id = $1", proposal);
        await (await (await fixture.RegisterAsync(1000)).Client.PostAsJsonAsync($"/api/v1/proposals/{proposal}/votes", new { vote = "up" }))
            .IsProblemAsync(HttpStatusCode.Conflict);
        Assert.Equal("expired", (await author.Client.GetFromJsonAsync<JsonElement>($"/api/v1/proposals/{proposal}")).GetProperty("state").GetString());
        Assert.NotEqual("Too late", (await fixture.FacilityAsync(facility)).GetProperty("name").GetString());
    }
}
