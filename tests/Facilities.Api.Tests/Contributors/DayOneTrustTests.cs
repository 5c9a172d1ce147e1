using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Facilities.Api.Tests.Contributors;

/// <summary>A new installation works from its first hour: staff votes weigh the configured share of the accept margin.</summary>
public sealed class DayOneTrustTests(ContributorsFixture fixture) : IClassFixture<ContributorsFixture>
{
    [Fact]
    public async Task On_a_fresh_database_the_first_admin_approves_a_contributors_create_and_it_is_accepted()
    {
        Assert.Equal(1, await fixture.ReputationAsync(fixture.Admin.Id));
        var contributor = await fixture.RegisterAsync();
        var proposal = await ContributorsFixture.ProposeAsync(contributor, new
        {
            kind = "create",
            location = new { lat = 48.2, lon = 16.37 },
            changes = new { category = "toilet", name = "Day one toilet" },
            comment = "Saw it today",
        });
        Assert.Equal("pending", proposal.GetProperty("state").GetString());

        var (status, vote) = await ContributorsFixture.VoteAsync(fixture.Admin, proposal.GetProperty("id").GetGuid(), "up");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("accepted", vote.GetProperty("state").GetString());
        Assert.Equal(3, vote.GetProperty("weight").GetDouble(), 3);
        var created = await fixture.Anonymous.GetFromJsonAsync<JsonElement>($"/api/v1/proposals/{proposal.GetProperty("id").GetGuid()}");
        var facility = await fixture.FacilityAsync(created.GetProperty("facility_id").GetGuid());
        Assert.Equal("Day one toilet", facility.GetProperty("name").GetString());
    }

}

/// <summary>A moderator's vote, whatever their reputation, weighs StaffVoteShare × AcceptMargin.</summary>
public sealed class StaffVoteWeightTests(ContributorsFixture fixture) : IClassFixture<ContributorsFixture>
{
    private static readonly string[] ModeratorOnly = ["moderator"];

    [Fact]
    public async Task A_moderator_at_reputation_1_weighs_the_staff_share_and_the_rule_is_published()
    {
        var rules = (await fixture.Anonymous.GetFromJsonAsync<JsonElement>("/api/v1/reputation/rules")).GetProperty("rules");
        Assert.Equal(1, rules.GetProperty("staff_vote_share").GetDouble());
        var moderator = await fixture.RegisterAsync();
        using (var roles = await fixture.Admin.Client.PutAsJsonAsync($"/api/v1/admin/users/{moderator.Id}/roles", new { roles = ModeratorOnly }))
        {
            Assert.Equal(HttpStatusCode.OK, roles.StatusCode);
        }
        var me = await moderator.Client.GetFromJsonAsync<JsonElement>("/api/v1/me");
        Assert.True(me.GetProperty("privileges").GetProperty("votes_count").GetBoolean());
        Assert.Equal(3, me.GetProperty("privileges").GetProperty("vote_weight").GetDouble(), 3);

        var author = await fixture.RegisterAsync();
        var facility = await fixture.CreateFacilityAsync();
        var proposal = await ContributorsFixture.ProposeAsync(author, new
        {
            kind = "update",
            facility_id = facility,
            changes = new { wheelchair = "yes" },
            comment = "Ramp built",
        });
        var (_, vote) = await ContributorsFixture.VoteAsync(moderator, proposal.GetProperty("id").GetGuid(), "up");
        Assert.Equal("accepted", vote.GetProperty("state").GetString());
        Assert.Equal("yes", (await fixture.FacilityAsync(facility)).GetProperty("wheelchair").GetString());
    }
}

/// <summary>FACILITIES_ADMIN_REPUTATION gives the first admin, when created, a reputation, audited like an admin's setting.</summary>
public sealed class FirstAdminReputationFixture : ContributorsFixture
{
    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["RateLimits:Enabled"] = "false",
        ["FACILITIES_ADMIN_REPUTATION"] = "250",
    };
}

public sealed class FirstAdminReputationTests(FirstAdminReputationFixture fixture) : IClassFixture<FirstAdminReputationFixture>
{
    [Fact]
    public async Task The_first_admin_starts_at_the_configured_reputation_and_the_setting_is_audited()
    {
        Assert.Equal(250, await fixture.ReputationAsync(fixture.Admin.Id));
        Assert.Equal(1, await fixture.ScalarAsync(
            "select count(*) from reputation_events where user_id = $1 and reason = 'set_by_admin' and reputation_from = 1 and reputation_to = 250",
            fixture.Admin.Id));
    }
}
