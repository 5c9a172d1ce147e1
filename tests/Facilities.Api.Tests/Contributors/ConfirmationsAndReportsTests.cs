using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Facilities.Api.Features.Confidence;
using Facilities.Api.Features.Proposals;
using Facilities.Api.Features.Reputation;
using Mediator;
using Microsoft.Extensions.DependencyInjection;

namespace Facilities.Api.Tests.Contributors;

/// <summary>Confirmations and reports: weighted like votes, the privilege at 100, temporary closure, closure proposals.</summary>
public sealed class ConfirmationsAndReportsTests(ContributorsFixture fixture) : IClassFixture<ContributorsFixture>
{
    [Fact]
    public async Task A_confirmation_at_100_verifies_at_once_and_below_it_takes_weight_3_and_the_etag_moves()
    {
        var facility = await fixture.CreateFacilityAsync();
        using var first = await fixture.Anonymous.GetAsync($"/api/v1/facilities/{facility}");
        var etag = first.Headers.ETag!;
        var verifiedBefore = (await fixture.FacilityAsync(facility)).GetProperty("last_verified_at").GetString();
        var confidenceBefore = (await fixture.FacilityAsync(facility)).GetProperty("confidence").GetDouble();

        var at99 = await ContributorsFixture.PostAsync(await fixture.RegisterAsync(99), $"/api/v1/facilities/{facility}/confirmations", new { });
        Assert.False(at99.GetProperty("verified").GetBoolean()); // weight 1.996 < 3
        var fresh = await ContributorsFixture.PostAsync(await fixture.RegisterAsync(), $"/api/v1/facilities/{facility}/confirmations", new { comment = "Still there" });
        Assert.False(fresh.GetProperty("verified").GetBoolean());
        Assert.Equal(verifiedBefore, (await fixture.FacilityAsync(facility)).GetProperty("last_verified_at").GetString());

        var at15 = await ContributorsFixture.PostAsync(await fixture.RegisterAsync(15), $"/api/v1/facilities/{facility}/confirmations", new { });
        Assert.True(at15.GetProperty("verified").GetBoolean()); // 1.996 + 1.176 ≥ 3
        var after = await fixture.FacilityAsync(facility);
        Assert.True(after.GetProperty("confidence").GetDouble() > confidenceBefore);
        Assert.NotEqual(verifiedBefore, after.GetProperty("last_verified_at").GetString());
        Assert.Equal(1, after.GetProperty("version").GetInt32());

        using var conditional = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/facilities/{facility}");
        conditional.Headers.IfNoneMatch.Add(etag);
        using var reread = await fixture.Anonymous.SendAsync(conditional);
        Assert.Equal(HttpStatusCode.OK, reread.StatusCode);

        var at100 = await ContributorsFixture.PostAsync(await fixture.RegisterAsync(100), $"/api/v1/facilities/{facility}/confirmations", new { });
        Assert.True(at100.GetProperty("verified").GetBoolean());
    }

    [Fact]
    public async Task Out_of_order_reports_reaching_the_threshold_close_the_facility_for_24_hours()
    {
        var facility = await fixture.CreateFacilityAsync();
        var url = $"/api/v1/facilities/{facility}/reports";
        Assert.Equal("recorded", (await ContributorsFixture.PostAsync(await fixture.RegisterAsync(99), url, new { reason = "out_of_order" })).GetProperty("effect").GetString());
        Assert.Equal("recorded", (await ContributorsFixture.PostAsync(await fixture.RegisterAsync(), url, new { reason = "out_of_order" })).GetProperty("effect").GetString());
        Assert.Equal("open", (await fixture.FacilityAsync(facility)).GetProperty("status").GetString());
        var third = await ContributorsFixture.PostAsync(await fixture.RegisterAsync(15), url, new { reason = "out_of_order", comment = "Door jammed" });
        Assert.Equal("temporarily_closed", third.GetProperty("effect").GetString());

        var closed = await fixture.FacilityAsync(facility);
        Assert.Equal("temporarily_closed", closed.GetProperty("status").GetString());
        Assert.InRange(closed.GetProperty("status_until").GetDateTime(), DateTime.UtcNow.AddHours(23), DateTime.UtcNow.AddHours(25));
        Assert.False(closed.GetProperty("open_now").GetBoolean());
        var history = await fixture.Anonymous.GetFromJsonAsync<JsonElement>($"/api/v1/facilities/{facility}/history");
        Assert.Contains("out_of_order", history.GetProperty("versions")[1].GetProperty("reason").GetString(), StringComparison.Ordinal);

        var atOnce = await fixture.CreateFacilityAsync();
        Assert.Equal("temporarily_closed", (await ContributorsFixture.PostAsync(await fixture.RegisterAsync(100), $"/api/v1/facilities/{atOnce}/reports",
            new { reason = "out_of_order" })).GetProperty("effect").GetString());
    }

    [Fact]
    public async Task A_closed_report_becomes_a_closure_proposal_that_later_reports_support()
    {
        var facility = await fixture.CreateFacilityAsync();
        var url = $"/api/v1/facilities/{facility}/reports";
        var first = await ContributorsFixture.PostAsync(await fixture.RegisterAsync(), url, new { reason = "closed", comment = "Boarded up" });
        Assert.Equal("closure_proposed", first.GetProperty("effect").GetString());
        var proposal = first.GetProperty("proposal_id").GetGuid();

        var second = await ContributorsFixture.PostAsync(await fixture.RegisterAsync(1000), url, new { reason = "closed" });
        Assert.Equal("closure_supported", second.GetProperty("effect").GetString());
        Assert.Equal(proposal, second.GetProperty("proposal_id").GetGuid());
        Assert.Equal("removed", (await fixture.FacilityAsync(facility)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Open_reports_lower_confidence_until_a_verification_a_change_or_time_answers_them_and_verifications_raise_it_for_a_year()
    {
        var facility = await fixture.CreateFacilityAsync();
        double Confidence(JsonElement e) => e.GetProperty("confidence").GetDouble();
        Assert.Equal(0.6, Confidence(await fixture.FacilityAsync(facility))); // one community record
        var url = $"/api/v1/facilities/{facility}/reports";
        var established = await fixture.RegisterAsync(100); // weight 2

        Assert.Equal(0.6, Confidence(await ContributorsFixture.PostAsync(await fixture.RegisterAsync(), url, new { reason = "dirty" }))); // weight 0
        Assert.Equal(0.486, Confidence(await ContributorsFixture.PostAsync(established, url, new { reason = "dirty" }))); // × 0.9²
        Assert.Equal(0.486, Confidence(await ContributorsFixture.PostAsync(established, url, new { reason = "unsafe" }))); // one per account
        Assert.Equal(0.486, Confidence(await fixture.FacilityAsync(facility)));

        // Ninety days on, nobody having answered, the reports are no longer open.
        await fixture.ExecuteAsync("update reports set created_at = created_at - interval '90 days 1 hour' where facility_id = $1", facility);
        await AgeAsync();
        Assert.Equal(0.6, Confidence(await fixture.FacilityAsync(facility)));

        // A verification answers an open report, and counts itself.
        Assert.Equal(0.486, Confidence(await ContributorsFixture.PostAsync(established, url, new { reason = "dirty" })));
        var verified = await ContributorsFixture.PostAsync(await fixture.RegisterAsync(100), $"/api/v1/facilities/{facility}/confirmations", new { });
        Assert.Equal(0.68, Confidence(verified)); // 1 − 0.4 × 0.8

        // So does a change: an accepted edit is a new version.
        Assert.Equal(0.551, Confidence(await ContributorsFixture.PostAsync(established, url, new { reason = "dirty" })));
        var edit = await ContributorsFixture.ProposeAsync(fixture.Admin, new
        {
            kind = "update",
            facility_id = facility,
            changes = new { fee = false },
            comment = "Cleaned and free now"
        });
        Assert.Equal("accepted", edit.GetProperty("state").GetString());
        Assert.Equal(0.68, Confidence(await fixture.FacilityAsync(facility)));

        // A verification counts for a year.
        await fixture.ExecuteAsync("update confirmations set created_at = created_at - interval '365 days 1 hour' where facility_id = $1", facility);
        await AgeAsync();
        Assert.Equal(0.6, Confidence(await fixture.FacilityAsync(facility)));
    }

    [Fact]
    public async Task Reports_made_at_once_all_count_in_the_stored_confidence()
    {
        var facility = await fixture.CreateFacilityAsync();
        var reporters = new List<Account>();
        for (var i = 0; i < 8; i++)
        {
            reporters.Add(await fixture.RegisterAsync(100));
        }

        var answers = await Task.WhenAll(reporters.Select(r => r.Client.PostAsJsonAsync($"/api/v1/facilities/{facility}/reports", new { reason = "dirty" })));

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.Created, a.StatusCode));
        // Each confidence was computed under the row lock, after the reports committed before it: the last one has all.
        Assert.Equal(Math.Round(0.6 * Math.Pow(0.9, 16), 3), (await fixture.FacilityAsync(facility)).GetProperty("confidence").GetDouble());
    }

    private async Task AgeAsync()
    {
        await using var scope = fixture.App.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<ISender>().Send(new AgeConfidenceCommand(DateTime.UtcNow));
    }

    [Fact]
    public async Task Bad_reports_and_confirmations_are_4xx_problems()
    {
        var facility = await fixture.CreateFacilityAsync();
        var user = await fixture.RegisterAsync();
        await (await user.Client.PostAsJsonAsync($"/api/v1/facilities/{facility}/reports", new { reason = "haunted" })).IsProblemAsync(HttpStatusCode.BadRequest);
        await (await user.Client.PostAsJsonAsync($"/api/v1/facilities/{facility}/reports", new { reason = "dirty", comment = "" })).IsProblemAsync(HttpStatusCode.BadRequest);
        await (await user.Client.PostAsJsonAsync($"/api/v1/facilities/{Guid.NewGuid()}/confirmations", new { })).IsProblemAsync(HttpStatusCode.NotFound);
        await (await fixture.Anonymous.PostAsJsonAsync($"/api/v1/facilities/{facility}/confirmations", new { })).IsProblemAsync(HttpStatusCode.Unauthorized);
        Assert.Equal(0, await fixture.ScalarAsync("select count(*) from reports where user_id = $1", user.Id));
    }
}
