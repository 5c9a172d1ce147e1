using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Facilities.Api.Tests.Contributors;

/// <summary>"Needs checking near me": stale and unsure facilities first, then those missing key attributes.</summary>
public sealed class QuestsTests(ContributorsFixture fixture) : IClassFixture<ContributorsFixture>
{
    private static readonly object Complete = new
    {
        category = "toilet",
        name = "Complete",
        wheelchair = "yes",
        opening_hours = "24/7",
        fee = false,
        changing_table = true,
    };

    [Fact]
    public async Task Quests_near_a_stale_facility_list_it_first_then_missing_attributes_and_leave_out_what_is_fine()
    {
        var fine = await fixture.CreateFacilityAsync(Complete, lat: 40.0, lon: 10.0);
        var stale = await fixture.CreateFacilityAsync(Complete, lat: 40.003, lon: 10.0);
        var sparse = await fixture.CreateFacilityAsync(new { category = "toilet", name = "Sparse" }, lat: 40.0005, lon: 10.0);
        await fixture.ExecuteAsync("update facilities set last_verified_at = now() - interval '800 days' where id = $1", stale);

        var answer = await fixture.Anonymous.GetFromJsonAsync<JsonElement>("/api/v1/quests?lat=40.0&lon=10.0&radius_m=1000");
        var quests = answer.GetProperty("quests").EnumerateArray().ToList();
        Assert.Equal([stale, sparse], quests.Select(q => q.GetProperty("facility_id").GetGuid()));
        Assert.Contains("stale", quests[0].GetProperty("reasons").EnumerateArray().Select(r => r.GetString()));
        Assert.Equal(["wheelchair", "opening_hours", "fee", "changing_table"],
            quests[1].GetProperty("missing").EnumerateArray().Select(m => m.GetString()));
        Assert.DoesNotContain(fine, quests.Select(q => q.GetProperty("facility_id").GetGuid()));
        Assert.Equal(365, answer.GetProperty("rules").GetProperty("stale_days").GetInt32());

        // A confirmation (verified at once by the admin) takes the stale facility off the list.
        await ContributorsFixture.PostAsync(fixture.Admin, $"/api/v1/facilities/{stale}/confirmations", new { });
        var after = await fixture.Anonymous.GetFromJsonAsync<JsonElement>("/api/v1/quests?lat=40.0&lon=10.0&radius_m=1000");
        Assert.Equal([sparse], after.GetProperty("quests").EnumerateArray().Select(q => q.GetProperty("facility_id").GetGuid()));
    }

    [Theory]
    [InlineData("/api/v1/quests?lon=10", "lat")]
    [InlineData("/api/v1/quests?lat=91&lon=10", "lat")]
    [InlineData("/api/v1/quests?lat=40&lon=10&radius_m=99999", "radius_m")]
    [InlineData("/api/v1/quests?lat=40&lon=10&limit=0", "limit")]
    public async Task Bad_parameters_are_400_problems_naming_them(string url, string field)
    {
        using var response = await fixture.Anonymous.GetAsync(url);
        var problem = await response.IsProblemAsync(HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.GetRawText());
    }
}
