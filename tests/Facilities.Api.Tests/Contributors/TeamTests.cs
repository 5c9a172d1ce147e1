using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Facilities.Api.Tests.Contributors;

/// <summary>The team screen's search: admins find accounts with their record; nobody else may.</summary>
public sealed class TeamTests(ContributorsFixture fixture) : IClassFixture<ContributorsFixture>
{
    [Fact]
    public async Task An_admin_finds_a_contributor_by_name_with_reputation_counts_and_recent_activity()
    {
        var name = $"Quinn {Guid.NewGuid():N}"[..14];
        var contributor = await fixture.RegisterAsync(name: name);
        var facility = await fixture.CreateFacilityAsync();
        var proposal = await ContributorsFixture.ProposeAsync(contributor, new { kind = "update", facility_id = facility, changes = new { fee = true }, comment = "Pay now" });
        await ContributorsFixture.VoteAsync(fixture.Admin, proposal.GetProperty("id").GetGuid(), "up");
        await fixture.SetReputationAsync(contributor.Id, 42);

        var page = await fixture.Admin.Client.GetFromJsonAsync<JsonElement>($"/api/v1/admin/users?q={Uri.EscapeDataString(name.ToUpperInvariant())}");
        var user = Assert.Single(page.GetProperty("users").EnumerateArray());
        Assert.Equal(contributor.Id, user.GetProperty("id").GetGuid());
        Assert.Equal(42, user.GetProperty("reputation").GetInt32());
        Assert.Equal(1, user.GetProperty("accepted").GetInt32());
        Assert.Equal(0, user.GetProperty("rejected").GetInt32());
        var recent = user.GetProperty("recent").EnumerateArray().ToList();
        Assert.Equal(("reputation", "set_by_admin"), (recent[0].GetProperty("kind").GetString(), recent[0].GetProperty("what").GetString()));
        Assert.Contains(recent, a => a.GetProperty("kind").GetString() == "proposal" && a.GetProperty("state").GetString() == "accepted");
    }

    [Fact]
    public async Task Only_admins_see_the_team()
    {
        var contributor = await fixture.RegisterAsync(reputation: 5000);
        using var response = await contributor.Client.GetAsync("/api/v1/admin/users");
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        using var anonymous = await fixture.Anonymous.GetAsync("/api/v1/admin/users");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        using var bad = await fixture.Admin.Client.GetAsync("/api/v1/admin/users?limit=0");
        await bad.IsProblemAsync(HttpStatusCode.BadRequest);
    }
}
