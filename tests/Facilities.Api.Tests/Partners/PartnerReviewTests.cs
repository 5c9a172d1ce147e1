using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Facilities.Api.Data;
using Facilities.Api.Tests.Contributors;

namespace Facilities.Api.Tests.Partners;

/// <summary>A partner sees the ambiguous matches of its own records with their candidates and settles them itself,
/// through the same resolution a moderator's goes through; another partner's items are 404s; moderators still see
/// every item.</summary>
public sealed class PartnerReviewTests(ContributorsFixture fixture) : IClassFixture<ContributorsFixture>
{
    private static readonly Guid Community = Guid.Parse("00000000-0000-0000-0000-000000000001");

    private async Task<Guid> CommunityFacility(double lon, double lat, string name)
    {
        await using var dataSource = fixture.Database.CreateDataSource();
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var tx = await connection.BeginTransactionAsync();
        var id = await FacilityWriter.CreateAsync(connection, tx, new FacilityState { Category = "toilet", Lon = lon, Lat = lat, Name = name },
            new VersionSource(Community, "c-" + Guid.NewGuid(), DateTime.UtcNow, 0.6, "community"), default);
        await tx.CommitAsync();
        return id;
    }

    private static object Dataset(string name) => new
    {
        name,
        license = "OGL-UK-3.0",
        attribution = name,
        mapping = new JsonObject { ["id"] = "id", ["lon"] = "lon", ["lat"] = "lat", ["name"] = "name" },
    };

    [Fact]
    public async Task A_partner_lists_its_ambiguous_matches_with_candidates_and_settles_them_itself_while_others_get_404()
    {
        var west = await CommunityFacility(7.0000, 46.0, "Lido toilets");
        var east = await CommunityFacility(7.0002, 46.0, "Lido toilets");
        var north = await CommunityFacility(7.1000, 46.1, "Pier toilets");
        var northEast = await CommunityFacility(7.1002, 46.1, "Pier toilets");
        using var partner = await PartnerClient.CreateThroughAdminAsync(fixture, "Lakeside council");
        using var other = await PartnerClient.CreateThroughAdminAsync(fixture, "Another council");
        var dataset = await partner.CreateDatasetAsync(Dataset("Lakeside toilets"));
        var import = await partner.ImportTextAsync(dataset, "lakeside.csv",
            "id,lon,lat,name,wheelchair\nL-1,7.0001,46.0,Lido toilets,yes\nL-2,7.1001,46.1,Pier toilets,no\n");
        Assert.Equal(2, (int)import["report"]!["needing_review"]!);

        var page = await partner.Http.GetFromJsonAsync<JsonElement>("/api/v1/partner/reviews");
        var items = page.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(2, items.Count);
        var lido = items.Single(i => i.GetProperty("record").GetProperty("record_id").GetString() == "L-1");
        Assert.Equal("open", lido.GetProperty("state").GetString());
        Assert.Equal(dataset, lido.GetProperty("dataset_id").GetGuid());
        Assert.Equal("Lido toilets", lido.GetProperty("record").GetProperty("name").GetString());
        Assert.Equal(7.0001, lido.GetProperty("record").GetProperty("lon").GetDouble(), 6);
        var candidates = lido.GetProperty("candidates").EnumerateArray().ToList();
        Assert.Equal(new[] { west, east }.Order(), candidates.Select(c => c.GetProperty("facility_id").GetGuid()).Order());
        Assert.All(candidates, c =>
        {
            Assert.InRange(c.GetProperty("distance_m").GetDouble(), 7, 8.5);
            Assert.Equal(1, c.GetProperty("name_similarity").GetDouble());
            Assert.InRange(c.GetProperty("score").GetDouble(), 0.25, 1);
            Assert.Equal("Lido toilets", c.GetProperty("name").GetString());
            Assert.Equal(46.0, c.GetProperty("lat").GetDouble(), 6);
        });
        var lidoId = lido.GetProperty("id").GetGuid();
        var pierId = items.Single(i => i.GetProperty("id").GetGuid() != lidoId).GetProperty("id").GetGuid();

        // Another partner sees none of them and cannot settle them.
        var others = await other.Http.GetFromJsonAsync<JsonElement>("/api/v1/partner/reviews");
        Assert.Empty(others.GetProperty("items").EnumerateArray());
        using (var foreign = await other.Http.PostAsJsonAsync($"/api/v1/partner/reviews/{lidoId}/resolve", new { decision = "different_facility" }))
        {
            var problem = await foreign.IsProblemAsync(HttpStatusCode.NotFound);
            Assert.False(string.IsNullOrEmpty(problem.GetProperty("detail").GetString()));
        }
        // A facility that is not one of the item's candidates, or a decision the API does not know, is a 400 naming it.
        using (var elsewhere = await partner.Http.PostAsJsonAsync($"/api/v1/partner/reviews/{lidoId}/resolve",
                   new { decision = "same_as", facility_id = north }))
        {
            var problem = await elsewhere.IsProblemAsync(HttpStatusCode.BadRequest);
            Assert.True(problem.GetProperty("errors").TryGetProperty("facility_id", out _), problem.ToString());
        }
        using (var unknown = await partner.Http.PostAsJsonAsync($"/api/v1/partner/reviews/{lidoId}/resolve", new { decision = "merge" }))
        {
            var problem = await unknown.IsProblemAsync(HttpStatusCode.BadRequest);
            Assert.True(problem.GetProperty("errors").TryGetProperty("decision", out _), problem.ToString());
        }
        // Moderators see the partner's items among everyone's.
        var open = await fixture.Admin.Client.GetFromJsonAsync<JsonElement>("/api/v1/reviews?kind=ambiguous_match");
        Assert.Contains(open.GetProperty("items").EnumerateArray(), i => i.GetProperty("id").GetGuid() == lidoId);

        // Same as the west facility: the record is merged there, as a moderator's merge would.
        using (var same = await partner.Http.PostAsJsonAsync($"/api/v1/partner/reviews/{lidoId}/resolve", new { decision = "same_as", facility_id = west }))
        {
            Assert.Equal(HttpStatusCode.OK, same.StatusCode);
            var resolved = await same.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("resolved", resolved.GetProperty("state").GetString());
            Assert.Equal(west.ToString(), resolved.GetProperty("resolution").GetProperty("facility_id").GetString());
        }
        var westSources = (await fixture.FacilityAsync(west)).GetProperty("sources").EnumerateArray();
        Assert.Contains(westSources, s => s.GetProperty("record_id").GetString() == "L-1");
        Assert.Equal(1, await fixture.ScalarAsync("select count(*) from source_records where dataset_id = $1 and facility_id is not null", dataset));
        // Settled once: a second answer is a conflict.
        using (var again = await partner.Http.PostAsJsonAsync($"/api/v1/partner/reviews/{lidoId}/resolve", new { decision = "different_facility" }))
        {
            await again.IsProblemAsync(HttpStatusCode.Conflict);
        }

        // A different facility: one is created for the pier record, neither candidate gets it.
        using (var different = await partner.Http.PostAsJsonAsync($"/api/v1/partner/reviews/{pierId}/resolve", new { decision = "different_facility" }))
        {
            Assert.Equal(HttpStatusCode.OK, different.StatusCode);
        }
        var created = await fixture.ScalarAsync(
            "select count(*) from source_records where dataset_id = $1 and external_id = 'L-2' and facility_id is not null and facility_id <> all($2)",
            dataset, new[] { north, northEast });
        Assert.Equal(1, created);

        var resolvedPage = await partner.Http.GetFromJsonAsync<JsonElement>("/api/v1/partner/reviews?state=resolved");
        Assert.Equal(2, resolvedPage.GetProperty("items").GetArrayLength());
        Assert.Empty((await partner.Http.GetFromJsonAsync<JsonElement>("/api/v1/partner/reviews")).GetProperty("items").EnumerateArray());
        var stillOpen = await fixture.Admin.Client.GetFromJsonAsync<JsonElement>("/api/v1/reviews?kind=ambiguous_match");
        Assert.DoesNotContain(stillOpen.GetProperty("items").EnumerateArray(), i => i.GetProperty("id").GetGuid() == lidoId);
        using var badLimit = await partner.Http.GetAsync("/api/v1/partner/reviews?limit=0");
        await badLimit.IsProblemAsync(HttpStatusCode.BadRequest);
    }
}
