using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Facilities.Api.Tests.Contributors;

/// <summary>Moderation: partner-owned attributes and disputes, revert with its reputation cost, blocking, partners.</summary>
public sealed class ModerationTests(ContributorsFixture fixture) : IClassFixture<ContributorsFixture>
{
    /// <summary>A partner dataset owning opening_hours, with a live record linked to the facility.</summary>
    private async Task<Guid> OwnOpeningHoursAsync(Guid facility)
    {
        var partner = Guid.NewGuid();
        var dataset = Guid.NewGuid();
        await fixture.ExecuteAsync("insert into partners (id, name) values ($1, 'Borough council')", partner);
        await fixture.ExecuteAsync(
            "insert into datasets (id, partner_id, kind, name, license, attribution, category, owned_attributes) " +
            "values ($1, $2, 'official', 'Borough toilets', 'OGL-UK-3.0', 'Borough', 'toilet', '{opening_hours}')", dataset, partner);
        await fixture.ExecuteAsync(
            "insert into source_records (dataset_id, external_id, facility_id, attributes) values ($1, 'T-1', $2, '{\"opening_hours\": \"Mo-Fr 08:00-18:00\"}')",
            dataset, facility);
        return dataset;
    }

    [Fact]
    public async Task A_partner_owned_attribute_never_changes_at_once_and_its_accepted_change_opens_a_dispute()
    {
        var facility = await fixture.CreateFacilityAsync(new { category = "toilet", name = "Partnered", opening_hours = "Mo-Fr 08:00-18:00" });
        var dataset = await OwnOpeningHoursAsync(facility);
        var change = new { kind = "update", facility_id = facility, changes = new { opening_hours = "24/7" }, comment = "Sign changed" };

        // Not the admin, not reputation 5000: both wait for votes.
        var byAdmin = await ContributorsFixture.ProposeAsync(fixture.Admin, change);
        Assert.Equal("pending", byAdmin.GetProperty("state").GetString());
        Assert.Equal(["opening_hours"], byAdmin.GetProperty("disputed_attributes").EnumerateArray().Select(a => a.GetString()));
        var veteran = await fixture.RegisterAsync(5000);
        var byVeteran = await ContributorsFixture.ProposeAsync(veteran, change);
        Assert.Equal("pending", byVeteran.GetProperty("state").GetString());
        Assert.Equal("Mo-Fr 08:00-18:00", (await fixture.FacilityAsync(facility)).GetProperty("opening_hours").GetString());
        // An attribute the partner does not own still applies at once.
        Assert.Equal("accepted", (await ContributorsFixture.ProposeAsync(veteran,
            new { kind = "update", facility_id = facility, changes = new { name = "Renamed" }, comment = "New sign" })).GetProperty("state").GetString());

        // The author's weight does not count here: one fresh vote does not carry a reputation-5000 proposal.
        var proposal = byVeteran.GetProperty("id").GetGuid();
        Assert.Equal("pending", (await ContributorsFixture.VoteAsync(await fixture.RegisterAsync(), proposal, "up")).Body.GetProperty("state").GetString());
        Assert.Equal("accepted", (await ContributorsFixture.VoteAsync(await fixture.RegisterAsync(1000), proposal, "up")).Body.GetProperty("state").GetString());
        // Accepted, yet the owned attribute survives: the partner's value stays until a moderator settles the dispute.
        Assert.Equal("Mo-Fr 08:00-18:00", (await fixture.FacilityAsync(facility)).GetProperty("opening_hours").GetString());

        var reviews = await fixture.Admin.Client.GetFromJsonAsync<JsonElement>("/api/v1/reviews?kind=dispute");
        var dispute = Assert.Single(reviews.GetProperty("items").EnumerateArray(), r => r.GetProperty("proposal_id").GetGuid() == proposal);
        Assert.Equal(dataset, dispute.GetProperty("dataset_id").GetGuid());
        Assert.Equal("opening_hours", dispute.GetProperty("details").GetProperty("attribute").GetString());
        Assert.Equal("Mo-Fr 08:00-18:00", dispute.GetProperty("details").GetProperty("partner_value").GetString());
        Assert.Equal("24/7", dispute.GetProperty("details").GetProperty("community_value").GetString());

        using var resolve = await fixture.Admin.Client.PostAsJsonAsync($"/api/v1/reviews/{dispute.GetProperty("id").GetGuid()}/resolve",
            new { action = "keep_community" });
        Assert.Equal(HttpStatusCode.OK, resolve.StatusCode);
        Assert.Equal("24/7", (await fixture.FacilityAsync(facility)).GetProperty("opening_hours").GetString());
        await (await fixture.Admin.Client.PostAsJsonAsync($"/api/v1/reviews/{dispute.GetProperty("id").GetGuid()}/resolve", new { action = "keep_partner" }))
            .IsProblemAsync(HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task Ambiguous_matches_are_listed_and_dismissable_and_one_whose_record_is_unknown_cannot_merge()
    {
        var facility = await fixture.CreateFacilityAsync();
        var item = Guid.NewGuid();
        await fixture.ExecuteAsync("insert into review_items (id, kind, facility_id, details) values ($1, 'ambiguous_match', $2, '{\"candidates\": []}')",
            item, facility);
        var listed = await fixture.Admin.Client.GetFromJsonAsync<JsonElement>("/api/v1/reviews?kind=ambiguous_match");
        Assert.Contains(item, listed.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetGuid()));

        // Merging applies the item's imported record (the conflation feature; Partners/ReviewAndFeedbackTests): this
        // hand-made item names none.
        await (await fixture.Admin.Client.PostAsJsonAsync($"/api/v1/reviews/{item}/resolve", new { action = "merge", facility_id = facility }))
            .IsProblemAsync(HttpStatusCode.NotFound);
        await (await fixture.Admin.Client.PostAsJsonAsync($"/api/v1/reviews/{item}/resolve", new { action = "keep_partner" }))
            .IsProblemAsync(HttpStatusCode.BadRequest);
        await (await fixture.Admin.Client.PostAsJsonAsync($"/api/v1/reviews/{item}/resolve", new { action = "merge" }))
            .IsProblemAsync(HttpStatusCode.BadRequest);
        using var dismissed = await fixture.Admin.Client.PostAsJsonAsync($"/api/v1/reviews/{item}/resolve", new { action = "dismiss", comment = "Not a toilet" });
        Assert.Equal("resolved", (await dismissed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("state").GetString());
    }

    [Fact]
    public async Task A_revert_puts_the_old_version_back_and_costs_the_author_20_and_each_up_voter_2()
    {
        var facility = await fixture.CreateFacilityAsync();
        var author = await fixture.RegisterAsync(30); // weight 1.477
        var voters = new[] { await fixture.RegisterAsync(20), await fixture.RegisterAsync(20) }; // 1.301 each: the second decides
        var proposal = (await ContributorsFixture.ProposeAsync(author,
            new { kind = "update", facility_id = facility, changes = new { name = "Spam Palace" }, comment = "Trust me" })).GetProperty("id").GetGuid();
        Assert.Equal("pending", (await ContributorsFixture.VoteAsync(voters[0], proposal, "up")).Body.GetProperty("state").GetString());
        Assert.Equal("accepted", (await ContributorsFixture.VoteAsync(voters[1], proposal, "up")).Body.GetProperty("state").GetString());
        Assert.Equal(40, await fixture.ReputationAsync(author.Id));
        Assert.Equal(21, await fixture.ReputationAsync(voters[0].Id));

        await (await author.Client.PostAsJsonAsync($"/api/v1/facilities/{facility}/revert", new { to_version = 1, reason = "Spam" }))
            .IsProblemAsync(HttpStatusCode.Forbidden);
        using var revert = await fixture.Admin.Client.PostAsJsonAsync($"/api/v1/facilities/{facility}/revert", new { to_version = 1, reason = "Spam" });
        var reverted = await revert.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(HttpStatusCode.OK, revert.StatusCode);
        Assert.Equal(3, reverted.GetProperty("version").GetInt32());
        Assert.Equal([proposal], reverted.GetProperty("reverted_proposals").EnumerateArray().Select(p => p.GetGuid()));

        var restored = await fixture.FacilityAsync(facility);
        Assert.StartsWith("Facility ", restored.GetProperty("name").GetString(), StringComparison.Ordinal);
        Assert.Equal(20, await fixture.ReputationAsync(author.Id));
        Assert.Equal(19, await fixture.ReputationAsync(voters[0].Id));
        Assert.Equal(19, await fixture.ReputationAsync(voters[1].Id));
        var history = await fixture.Anonymous.GetFromJsonAsync<JsonElement>($"/api/v1/facilities/{facility}/history");
        Assert.Contains("Reverted to version 1", history.GetProperty("versions")[2].GetProperty("reason").GetString(), StringComparison.Ordinal);

        await (await fixture.Admin.Client.PostAsJsonAsync($"/api/v1/facilities/{facility}/revert", new { to_version = 3, reason = "x" }))
            .IsProblemAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Reputation_never_goes_below_1_after_a_revert()
    {
        var facility = await fixture.CreateFacilityAsync();
        var author = await fixture.RegisterAsync(100);
        Assert.Equal("accepted", (await ContributorsFixture.ProposeAsync(author,
            new { kind = "update", facility_id = facility, changes = new { wheelchair = "yes" }, comment = "Ramp" })).GetProperty("state").GetString());
        await fixture.SetReputationAsync(author.Id, 5);
        using var revert = await fixture.Admin.Client.PostAsJsonAsync($"/api/v1/facilities/{facility}/revert", new { to_version = 1, reason = "No ramp" });
        Assert.Equal(HttpStatusCode.OK, revert.StatusCode);
        Assert.Equal(1, await fixture.ReputationAsync(author.Id));
    }

    [Fact]
    public async Task A_blocked_user_cannot_write_and_their_pending_proposals_are_withdrawn()
    {
        var facility = await fixture.CreateFacilityAsync();
        var vandal = await fixture.RegisterAsync(20);
        var pending = (await ContributorsFixture.ProposeAsync(vandal,
            new { kind = "update", facility_id = facility, changes = new { name = "Rude word" }, comment = "lol" })).GetProperty("id").GetGuid();
        var honest = await fixture.RegisterAsync();
        var other = (await ContributorsFixture.ProposeAsync(honest,
            new { kind = "update", facility_id = facility, changes = new { fee = true }, comment = "Coin slot" })).GetProperty("id").GetGuid();

        await (await vandal.Client.PostAsJsonAsync($"/api/v1/users/{honest.Id}/block", new { })).IsProblemAsync(HttpStatusCode.Forbidden);
        using var block = await fixture.Admin.Client.PostAsJsonAsync($"/api/v1/users/{vandal.Id}/block", new { reason = "Vandalism" });
        var blocked = await block.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal([pending], blocked.GetProperty("withdrawn_proposals").EnumerateArray().Select(p => p.GetGuid()));

        await (await vandal.Client.PostAsJsonAsync("/api/v1/proposals",
            new { kind = "update", facility_id = facility, changes = new { name = "Again" }, comment = "lol" })).IsProblemAsync(HttpStatusCode.Forbidden);
        await (await vandal.Client.PostAsJsonAsync($"/api/v1/proposals/{other}/votes", new { vote = "down" })).IsProblemAsync(HttpStatusCode.Forbidden);
        await (await vandal.Client.PostAsJsonAsync($"/api/v1/facilities/{facility}/reports", new { reason = "dirty" })).IsProblemAsync(HttpStatusCode.Forbidden);
        await (await vandal.Client.PostAsJsonAsync($"/api/v1/facilities/{facility}/confirmations", new { })).IsProblemAsync(HttpStatusCode.Forbidden);
        Assert.Equal("withdrawn", (await fixture.Admin.Client.GetFromJsonAsync<JsonElement>($"/api/v1/proposals/{pending}")).GetProperty("state").GetString());
        Assert.Equal(0, await fixture.ScalarAsync("select count(*) from votes where voter_id = $1", vandal.Id));
        Assert.True((await vandal.Client.GetFromJsonAsync<JsonElement>("/api/v1/me")).GetProperty("blocked").GetBoolean());
    }

    [Fact]
    public async Task An_admin_creates_a_partner_whose_key_is_shown_once_and_stored_as_its_hash()
    {
        using var response = await fixture.Admin.Client.PostAsJsonAsync("/api/v1/admin/partners", new { name = "City of Sydney" });
        var partner = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var key = partner.GetProperty("api_key").GetString()!;
        Assert.StartsWith("fac_", key, StringComparison.Ordinal);
        Assert.Equal(1, await fixture.ScalarAsync("select count(*) from partner_api_keys where partner_id = $1 and key_hash = $2",
            partner.GetProperty("id").GetGuid(), Facilities.Api.Web.PartnerApiKeys.Hash(key)));
        Assert.Equal(0, await fixture.ScalarAsync("select count(*) from partner_api_keys where key_hash = $1", key));
        await (await fixture.Admin.Client.PostAsJsonAsync("/api/v1/admin/partners", new { name = "" })).IsProblemAsync(HttpStatusCode.BadRequest);
    }
}

/// <summary>Roles granted by an admin, and the published rules.</summary>
public sealed class RolesAndRulesTests(ContributorsFixture fixture) : IClassFixture<ContributorsFixture>
{
    private static readonly string[] ModeratorOnly = ["moderator"];
    private static readonly string[] ModeratorAndAdmin = ["moderator", "admin"];

    [Fact]
    public async Task A_moderator_made_by_an_admin_applies_at_once_reverts_and_unblocks_with_a_fresh_token()
    {
        var facility = await fixture.CreateFacilityAsync();
        var moderator = await fixture.RegisterAsync();
        using (var roles = await fixture.Admin.Client.PutAsJsonAsync($"/api/v1/admin/users/{moderator.Id}/roles", new { roles = ModeratorOnly }))
        {
            Assert.Equal(HttpStatusCode.OK, roles.StatusCode);
        }
        var signedIn = await fixture.LoginAsync(moderator.Email, moderator.Password);

        var moved = await ContributorsFixture.ProposeAsync(signedIn, new { kind = "move", facility_id = facility, location = new { lat = 10.0, lon = 10.0 }, comment = "Far, but a moderator" });
        Assert.Equal("accepted", moved.GetProperty("state").GetString());
        var close = await ContributorsFixture.ProposeAsync(signedIn, new { kind = "close", facility_id = facility, comment = "Demolished" });
        Assert.Equal("removed", (await fixture.FacilityAsync(facility)).GetProperty("status").GetString());
        Assert.Equal("accepted", close.GetProperty("state").GetString());
        var reopen = await ContributorsFixture.ProposeAsync(signedIn, new { kind = "reopen", facility_id = facility, comment = "Rebuilt" });
        Assert.Equal("accepted", reopen.GetProperty("state").GetString());
        Assert.Equal("open", (await fixture.FacilityAsync(facility)).GetProperty("status").GetString());

        var user = await fixture.RegisterAsync();
        using (var block = await signedIn.Client.PostAsJsonAsync($"/api/v1/users/{user.Id}/block", new { reason = "Test" }))
        {
            Assert.Equal(HttpStatusCode.OK, block.StatusCode);
        }
        using (var unblock = await signedIn.Client.DeleteAsync($"/api/v1/users/{user.Id}/block"))
        {
            Assert.Equal(HttpStatusCode.OK, unblock.StatusCode);
        }
        Assert.False((await user.Client.GetFromJsonAsync<JsonElement>("/api/v1/me")).GetProperty("blocked").GetBoolean());
        await (await signedIn.Client.PostAsJsonAsync($"/api/v1/users/{fixture.Admin.Id}/block", new { })).IsProblemAsync(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Concurrent_puts_of_one_accounts_roles_take_turns_and_all_succeed()
    {
        var user = await fixture.RegisterAsync();
        var puts = Enumerable.Range(0, 8).Select(async i =>
        {
            using var response = await fixture.Admin.Client.PutAsJsonAsync($"/api/v1/admin/users/{user.Id}/roles",
                new { roles = i % 2 == 0 ? ModeratorAndAdmin : ModeratorOnly });
            return (response.StatusCode, await response.Content.ReadAsStringAsync());
        });

        var answers = await Task.WhenAll(puts);

        Assert.All(answers, a => Assert.True(a.StatusCode == HttpStatusCode.OK, a.Item2));
        var roles = await fixture.ScalarAsync("select count(*) from user_roles where user_id = $1", user.Id);
        Assert.InRange(roles, 1, 2);
    }

    [Fact]
    public async Task The_rules_in_force_are_published()
    {
        var rules = await fixture.Anonymous.GetFromJsonAsync<JsonElement>("/api/v1/reputation/rules");
        Assert.Equal(15, rules.GetProperty("rules").GetProperty("vote").GetInt32());
        Assert.Equal(3, rules.GetProperty("rules").GetProperty("accept_margin").GetDouble());
        Assert.Equal(500, rules.GetProperty("rules").GetProperty("apply_creates_at_once").GetInt32());
        Assert.Equal(10, rules.GetProperty("rate_limits").GetProperty("proposals").GetInt32());
    }
}
