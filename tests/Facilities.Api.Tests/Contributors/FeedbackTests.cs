namespace Facilities.Api.Tests.Contributors;

/// <summary>Confirmations and reports say how much more is needed, and a second one from the same account says so.</summary>
public sealed class FeedbackTests(ContributorsFixture fixture) : IClassFixture<ContributorsFixture>
{
    [Fact]
    public async Task A_confirmation_says_how_many_more_people_are_needed_and_a_second_tap_is_already_confirmed()
    {
        var facility = await fixture.CreateFacilityAsync();
        // Reputation 20: weight log10(20) = 1.3 of the 3 needed; 1.7 more is two accounts at the vote privilege (1.18 each).
        var resident = await fixture.RegisterAsync(reputation: 20);
        var url = $"/api/v1/facilities/{facility}/confirmations";

        var first = await ContributorsFixture.PostAsync(resident, url, new { });
        Assert.False(first.GetProperty("verified").GetBoolean());
        Assert.False(first.GetProperty("already_confirmed").GetBoolean());
        Assert.Equal(3 - Math.Log10(20), first.GetProperty("weight_needed").GetDouble(), 3);
        Assert.Equal(2, first.GetProperty("people_needed").GetInt32());

        var second = await ContributorsFixture.PostAsync(resident, url, new { });
        Assert.True(second.GetProperty("already_confirmed").GetBoolean());
        Assert.Equal(first.GetProperty("weight_since_verification").GetDouble(), second.GetProperty("weight_since_verification").GetDouble(), 4);

        var other = await fixture.RegisterAsync(reputation: 60);
        var third = await ContributorsFixture.PostAsync(other, url, new { });
        Assert.True(third.GetProperty("verified").GetBoolean());
        Assert.Equal(0, third.GetProperty("people_needed").GetInt32());
    }

    [Fact]
    public async Task An_out_of_order_report_says_how_many_more_close_it_and_a_repeat_is_already_reported()
    {
        var facility = await fixture.CreateFacilityAsync();
        var resident = await fixture.RegisterAsync(reputation: 20);
        var url = $"/api/v1/facilities/{facility}/reports";

        var first = await ContributorsFixture.PostAsync(resident, url, new { reason = "out_of_order" });
        Assert.Equal("recorded", first.GetProperty("effect").GetString());
        Assert.False(first.GetProperty("already_reported").GetBoolean());
        Assert.Equal(3, first.GetProperty("threshold").GetDouble());
        Assert.Equal(2, first.GetProperty("people_needed").GetInt32());

        var again = await ContributorsFixture.PostAsync(resident, url, new { reason = "out_of_order" });
        Assert.True(again.GetProperty("already_reported").GetBoolean());

        var dirty = await ContributorsFixture.PostAsync(resident, url, new { reason = "dirty" });
        Assert.False(dirty.GetProperty("already_reported").GetBoolean());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, dirty.GetProperty("people_needed").ValueKind);
    }
}
