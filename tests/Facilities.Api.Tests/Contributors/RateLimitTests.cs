using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Facilities.Api.Tests.Contributors;

public sealed class SmallBudgetsFixture : ContributorsFixture
{
    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["RateLimits:Proposals"] = "2",
        ["RateLimits:Votes"] = "2",
        ["RateLimits:Reports"] = "1",
        ["RateLimits:HigherFactor"] = "3",
        ["RateLimits:AuthPerIp"] = "1000",
        ["RateLimits:PerIpFactor"] = "1000",
    };
}

/// <summary>Rate limits: 429 problems with Retry-After once a budget is spent, budgets growing with reputation.</summary>
public sealed class RateLimitTests(SmallBudgetsFixture fixture) : IClassFixture<SmallBudgetsFixture>
{
    private static object Rename(Guid facility, string name) =>
        new { kind = "update", facility_id = facility, changes = new { name }, comment = "Sign" };

    [Fact]
    public async Task Proposals_past_the_budget_answer_429_with_retry_after_and_established_accounts_get_more()
    {
        var facility = await fixture.CreateFacilityAsync();
        var fresh = await fixture.RegisterAsync();
        await ContributorsFixture.ProposeAsync(fresh, Rename(facility, "One"));
        await ContributorsFixture.ProposeAsync(fresh, Rename(facility, "Two"));
        using var third = await fresh.Client.PostAsJsonAsync("/api/v1/proposals", Rename(facility, "Three"));
        await third.IsProblemAsync(HttpStatusCode.TooManyRequests);
        Assert.True(third.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        Assert.Equal(0, (await fresh.Client.GetFromJsonAsync<JsonElement>("/api/v1/me")).GetProperty("rate_limits").GetProperty("proposals")
            .GetProperty("remaining").GetInt32());
        // Reads are not limited.
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await fresh.Client.GetAsync($"/api/v1/facilities/{facility}")).StatusCode);
        }

        var established = await fixture.RegisterAsync(99);
        await fixture.SetReputationAsync(established.Id, 100);
        for (var i = 0; i < 6; i++)
        {
            await ContributorsFixture.ProposeAsync(established, new { kind = "update", facility_id = facility, changes = new { fee = i % 2 == 0 }, comment = "Checked" });
        }
        await (await established.Client.PostAsJsonAsync("/api/v1/proposals", Rename(facility, "Seventh"))).IsProblemAsync(HttpStatusCode.TooManyRequests);
    }

    [Fact]
    public async Task Votes_and_reports_have_budgets_of_their_own()
    {
        var facility = await fixture.CreateFacilityAsync();
        var voter = await fixture.RegisterAsync();
        var proposals = new List<Guid>();
        for (var i = 0; i < 3; i++)
        {
            proposals.Add((await ContributorsFixture.ProposeAsync(await fixture.RegisterAsync(), Rename(facility, $"P{i}"))).GetProperty("id").GetGuid());
        }
        Assert.Equal(HttpStatusCode.OK, (await ContributorsFixture.VoteAsync(voter, proposals[0], "up")).Status);
        Assert.Equal(HttpStatusCode.OK, (await ContributorsFixture.VoteAsync(voter, proposals[1], "up")).Status);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await ContributorsFixture.VoteAsync(voter, proposals[2], "up")).Status);

        Assert.Equal(HttpStatusCode.Created, (await voter.Client.PostAsJsonAsync($"/api/v1/facilities/{facility}/reports", new { reason = "dirty" })).StatusCode);
        await (await voter.Client.PostAsJsonAsync($"/api/v1/facilities/{facility}/confirmations", new { })).IsProblemAsync(HttpStatusCode.TooManyRequests);
    }

    [Fact]
    public async Task An_open311_app_spends_the_reports_budget_of_its_account_like_any_reporter()
    {
        // Made by a trusted account of its own: the admin's proposals budget here is the other tests'.
        var trusted = await fixture.RegisterAsync(1000);
        var created = await ContributorsFixture.ProposeAsync(trusted, new
        {
            kind = "create",
            location = new { lat = 48.5, lon = 2.5 },
            changes = new { category = "toilet", name = "Busy toilets" },
            comment = "Seen it",
        });
        Assert.Equal("accepted", created.GetProperty("state").GetString());
        var facility = created.GetProperty("facility_id").GetGuid();
        using var issued = await fixture.Admin.Client.PostAsJsonAsync("/api/v1/admin/open311-apps", new { name = "Busy app" });
        var key = (await issued.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("api_key").GetString()!;
        FormUrlEncodedContent Form() => new([new("api_key", key), new("service_code", "dirty"), new("attribute[facility_id]", facility.ToString())]);

        using var first = await fixture.Anonymous.PostAsync("/open311/v2/requests.json", Form());
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        using var second = await fixture.Anonymous.PostAsync("/open311/v2/requests.json", Form());
        await second.IsProblemAsync(HttpStatusCode.TooManyRequests);
        Assert.True(second.Headers.RetryAfter?.Delta > TimeSpan.Zero);
    }
}
