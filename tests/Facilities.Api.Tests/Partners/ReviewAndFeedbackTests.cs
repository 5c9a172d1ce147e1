using System.Net;
using System.Text.Json.Nodes;
using Facilities.Api.Data;
using Facilities.Api.Features.Conflation;
using Facilities.Api.Features.Imports;
using Facilities.Api.Web;
using Mediator;
using Microsoft.Extensions.DependencyInjection;

namespace Facilities.Api.Tests.Partners;

/// <summary>Ambiguous matches wait for a person and resolve through one call; owned attributes survive community
/// edits as disputes; the partner's feedback lists what the community changed, oldest first, with a cursor.</summary>
public sealed class ReviewAndFeedbackTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    private static readonly Guid Community = Guid.Parse("00000000-0000-0000-0000-000000000001");

    private static object Dataset(string name, params string[] owned) => new
    {
        name,
        license = "OGL-UK-3.0",
        attribution = name,
        category = "toilet",
        owned_attributes = owned.ToList(),
        mapping = new JsonObject { ["id"] = "id", ["lon"] = "lon", ["lat"] = "lat", ["name"] = "name", ["wheelchair"] = "wheelchair" },
    };

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

    [Fact]
    public async Task Two_equally_close_candidates_become_one_review_item_that_a_moderator_resolves_by_choosing_or_creating()
    {
        var west = await CommunityFacility(5.0000, 45.0, "Park toilets");
        var east = await CommunityFacility(5.0002, 45.0, "Park toilets");
        await CommunityFacility(6.0000, 45.0, "Square toilets");
        await CommunityFacility(6.0002, 45.0, "Square toilets");
        using var partner = await PartnerClient.CreateAsync(fixture, "Ambiguous");
        var dataset = await partner.CreateDatasetAsync(Dataset("Parks"));
        var csv = "id,lon,lat,name,wheelchair\np1,5.0001,45.0,Park toilets,yes\nq1,6.0001,45.0,Square toilets,no\n";

        var import = await partner.ImportTextAsync(dataset, "parks.csv", csv);

        Assert.Equal(2, (int)import["report"]!["needing_review"]!);
        Assert.Equal(0, (int)import["report"]!["created"]!);
        var items = import["report"]!["review_items"]!.AsArray().Select(i => Guid.Parse((string)i!)).ToList();
        Assert.Equal(2, items.Count);
        Assert.Equal(2, await Db.CountAsync(fixture.Database,
            "select jsonb_array_length(details->'candidates') from review_items where id = $1", items[0]));

        var again = await partner.ImportTextAsync(dataset, "parks.csv", csv);
        Assert.Equal(2, (int)again["report"]!["needing_review"]!);
        Assert.Equal(2, await Db.CountAsync(fixture.Database, "select count(*) from review_items where kind = 'ambiguous_match'"));

        await using var dataSource = fixture.Database.CreateDataSource();
        await using var connection = await dataSource.OpenConnectionAsync();
        Guid chosen, created;
        await using (var tx = await connection.BeginTransactionAsync())
        {
            var parkItem = await Db.CountAsync(fixture.Database, "select count(*) from review_items where id = $1 and details->>'external_id' = 'p1'", items[0]) == 1
                ? items[0] : items[1];
            var squareItem = items.Single(i => i != parkItem);
            // Both resolutions in one transaction the test owns, sent as the moderation feature sends them.
            await using var scope = fixture.App.Services.CreateAsyncScope();
            var sender = scope.ServiceProvider.GetRequiredService<ISender>();
            (chosen, created) = await scope.ServiceProvider.GetRequiredService<UnitOfWork>().JoinAsync(connection, tx, async ct =>
            {
                var merged = await sender.Send(new ResolveAmbiguousMatchCommand(parkItem, west, null), ct);
                var made = await sender.Send(new ResolveAmbiguousMatchCommand(squareItem, null, null), ct);
                var twice = await Assert.ThrowsAsync<DomainException>(async () => await sender.Send(new ResolveAmbiguousMatchCommand(parkItem, east, null), ct));
                Assert.Equal(409, twice.Status);
                return (merged, made);
            }, default);
            await tx.CommitAsync();
        }

        Assert.Equal(west, chosen);
        var park = JsonNode.Parse(await fixture.Client.GetStringAsync($"/api/v1/facilities/{west}"))!["properties"]!;
        Assert.Equal(["community", "official"], park["sources"]!.AsArray().Select(s => (string)s!["kind"]!).Order());
        Assert.Equal("yes", (string?)park["wheelchair"]);
        var square = JsonNode.Parse(await fixture.Client.GetStringAsync($"/api/v1/facilities/{created}"))!["properties"]!;
        Assert.Equal("q1", (string?)square["sources"]![0]!["record_id"]);
        Assert.Equal(0, await Db.CountAsync(fixture.Database, "select count(*) from review_items where state = 'open'"));

        var third = await partner.ImportTextAsync(dataset, "parks.csv", csv);
        Assert.Equal(2, (int)third["report"]!["unchanged"]!);
        await Integrity.AssertReferencesHoldAsync(fixture.Database);
    }

    [Fact]
    public async Task An_owned_attribute_survives_a_community_edit_raises_a_dispute_and_the_partner_sees_both_in_its_feedback()
    {
        using var partner = await PartnerClient.CreateAsync(fixture, "Owner of wheelchair");
        var dataset = await partner.CreateDatasetAsync(Dataset("Accessible toilets", "wheelchair"));
        await partner.ImportTextAsync(dataset, "a.csv", "id,lon,lat,name,wheelchair\nw1,7.0,46.0,Station toilets,yes\nw2,7.1,46.1,Bus toilets,no\n");
        var facilityId = Guid.Parse((string)JsonNode.Parse(await fixture.Client.GetStringAsync(
            "/api/v1/facilities/nearby?lat=46.0&lon=7.0&radius_m=5"))!["features"]![0]!["id"]!);

        await using (var dataSource = fixture.Database.CreateDataSource())
        await using (var connection = await dataSource.OpenConnectionAsync())
        await using (var tx = await connection.BeginTransactionAsync())
        {
            var proposed = new Dictionary<string, JsonNode?> { ["wheelchair"] = "no", ["name"] = "Central station toilets" };
            var allowed = await OwnedAttributes.SplitAsync(connection, tx, facilityId, proposed, Guid.NewGuid(), default);
            Assert.Equal(["name"], allowed.Keys);
            await FacilityWriter.UpdateAsync(connection, tx, facilityId, allowed,
                new VersionSource(Community, facilityId.ToString(), DateTime.UtcNow, 0.6, "community edit", AuthorName: "ana"), default);
            await tx.CommitAsync();
        }

        var facility = JsonNode.Parse(await fixture.Client.GetStringAsync($"/api/v1/facilities/{facilityId}"))!["properties"]!;
        Assert.Equal("yes", (string?)facility["wheelchair"]);
        Assert.Equal("Central station toilets", (string?)facility["name"]);

        // The dispute was opened as the edit was accepted, just before its version was written: oldest first.
        var first = JsonNode.Parse(await partner.Http.GetStringAsync("/api/v1/partner/feedback?limit=1"))!;
        var dispute = first["items"]![0]!;
        Assert.Equal("dispute", (string?)dispute["kind"]);
        Assert.Equal("wheelchair", (string?)dispute["details"]!["details"]!["attribute"]);
        Assert.Equal("no", (string?)dispute["details"]!["details"]!["community_value"]);
        Assert.Equal("yes", (string?)dispute["details"]!["details"]!["partner_value"]);
        var next = (string)first["links"]![0]!["href"]!;
        var second = JsonNode.Parse(await partner.Http.GetStringAsync(next))!;
        var change = second["items"]![0]!;
        Assert.Equal("community_change", (string?)change["kind"]);
        Assert.Equal("Central station toilets", (string?)change["details"]!["changes"]!["name"]!["to"]);
        Assert.Equal("w1", (string?)change["details"]!["your_records"]![0]!["external_id"]);
        Assert.Empty(second["links"]!.AsArray());

        // The partner's own import is not feedback, and another partner sees none of it.
        using var stranger = await PartnerClient.CreateAsync(fixture, "Stranger");
        Assert.Empty(JsonNode.Parse(await stranger.Http.GetStringAsync("/api/v1/partner/feedback"))!["items"]!.AsArray());
        var bad = await partner.Http.GetAsync("/api/v1/partner/feedback?cursor=nonsense");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
    }
}
