using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Facilities.Api.Tests.Contributors;
using Facilities.Api.Web;

namespace Facilities.Api.Tests.Partners;

/// <summary>
/// What a partner's later import does to what is already there: an owned attribute the partner empties is cleared
/// (the owner's value is none), one it does not own stays (an empty field is no observation), and the facility's
/// confidence keeps what the community added (a confirmation's verification, an open report).
/// </summary>
public sealed class ReimportTests(ContributorsFixture fixture) : IClassFixture<ContributorsFixture>
{
    private const string Header = "ref,name,lat,lon,hours,fee\n";

    [Fact]
    public async Task An_owned_attribute_emptied_by_the_partner_is_cleared_with_provenance_naming_the_record_and_a_non_owned_one_stays()
    {
        using var partner = await PartnerAsync("Southwark parks");
        var dataset = await partner.CreateDatasetAsync(Dataset("Southwark park toilets", "opening_hours"));
        await partner.ImportTextAsync(dataset, "parks.csv", Header + "S1,Lodge,56.1,-1.1,Mo-Su 08:00-18:00,yes\n");
        var lodge = await FacilityIdAsync(56.1, -1.1);
        var before = await fixture.FacilityAsync(lodge);
        Assert.Equal("Mo-Su 08:00-18:00", before.GetProperty("opening_hours").GetString());
        Assert.True(before.GetProperty("fee").GetBoolean());

        var emptied = (await partner.ImportTextAsync(dataset, "parks.csv", Header + "S1,Lodge,56.1,-1.1,,\n"))["report"]!;

        Assert.Equal(1, (int)emptied["updated"]!);
        var after = await fixture.FacilityAsync(lodge);
        Assert.Equal(JsonValueKind.Null, after.GetProperty("opening_hours").ValueKind);
        Assert.True(after.GetProperty("fee").GetBoolean()); // fee is not owned: an empty field says nothing
        Assert.Equal(before.GetProperty("version").GetInt32() + 1, after.GetProperty("version").GetInt32());
        var source = after.GetProperty("provenance").GetProperty("opening_hours").GetProperty("source").GetInt32();
        Assert.Equal("S1", after.GetProperty("sources")[source].GetProperty("record_id").GetString());
        var history = await fixture.Anonymous.GetFromJsonAsync<JsonElement>($"/api/v1/facilities/{lodge}/history");
        var change = history.GetProperty("versions").EnumerateArray().Last().GetProperty("changes");
        Assert.Equal(["opening_hours"], change.EnumerateObject().Select(c => c.Name));
        Assert.Equal(JsonValueKind.Null, change.GetProperty("opening_hours").GetProperty("to").ValueKind);

        // The owner's "none" holds: the same file again changes nothing, and a community value for it is disputed.
        Assert.Equal(1, (int)(await partner.ImportTextAsync(dataset, "parks.csv", Header + "S1,Lodge,56.1,-1.1,,\n"))["report"]!["unchanged"]!);
        var proposal = await ContributorsFixture.ProposeAsync(await fixture.RegisterAsync(1000), new
        {
            kind = "update",
            facility_id = lodge,
            changes = new { opening_hours = "24/7" },
            comment = "Open all day now",
        });
        Assert.Equal("pending", proposal.GetProperty("state").GetString());
        Assert.Equal(["opening_hours"], proposal.GetProperty("disputed_attributes").EnumerateArray().Select(a => a.GetString()));
    }

    [Fact]
    public async Task A_reimport_keeps_the_confidence_a_verification_added_and_an_open_report_takes_away()
    {
        using var partner = await PartnerAsync("Greenwich parks");
        var dataset = await partner.CreateDatasetAsync(Dataset("Greenwich park toilets"));
        await partner.ImportTextAsync(dataset, "parks.csv", Header + "G1,Observatory,57.1,-1.1,Mo-Su 08:00-18:00,no\n");
        var observatory = await FacilityIdAsync(57.1, -1.1);
        Assert.Equal(0.9, (await fixture.FacilityAsync(observatory)).GetProperty("confidence").GetDouble());

        var confirmed = await ContributorsFixture.PostAsync(await fixture.RegisterAsync(100), $"/api/v1/facilities/{observatory}/confirmations", new { });
        Assert.True(confirmed.GetProperty("verified").GetBoolean());
        Assert.Equal(0.92, confirmed.GetProperty("confidence").GetDouble()); // 1 − 0.1 × 0.8

        // A new version of the facility from the partner: its record is still the one source, the verification still counts.
        await partner.ImportTextAsync(dataset, "parks.csv", Header + "G1,Observatory,57.1,-1.1,Mo-Su 07:00-19:00,no\n");
        var updated = await fixture.FacilityAsync(observatory);
        Assert.Equal("Mo-Su 07:00-19:00", updated.GetProperty("opening_hours").GetString());
        Assert.Equal(0.92, updated.GetProperty("confidence").GetDouble());

        // A report made after that version is open, and an unchanged reimport does not answer it.
        var reported = await ContributorsFixture.PostAsync(await fixture.RegisterAsync(100), $"/api/v1/facilities/{observatory}/reports", new { reason = "dirty" });
        Assert.Equal(0.745, reported.GetProperty("confidence").GetDouble()); // 0.92 × 0.9², weight log10(100) = 2
        await partner.ImportTextAsync(dataset, "parks.csv", Header + "G1,Observatory,57.1,-1.1,Mo-Su 07:00-19:00,no\n");
        Assert.Equal(0.745, (await fixture.FacilityAsync(observatory)).GetProperty("confidence").GetDouble());

        // The partner's next change of the facility answers it.
        await partner.ImportTextAsync(dataset, "parks.csv", Header + "G1,Observatory,57.1,-1.1,Mo-Su 07:00-20:00,no\n");
        Assert.Equal(0.92, (await fixture.FacilityAsync(observatory)).GetProperty("confidence").GetDouble());
    }

    private static object Dataset(string name, params string[] owned) => new
    {
        name,
        license = "CC-BY-4.0",
        attribution = name,
        category = "toilet",
        mapping = new JsonObject
        {
            ["id"] = "ref",
            ["lat"] = "lat",
            ["lon"] = "lon",
            ["name"] = "name",
            ["opening_hours"] = "hours",
            ["fee"] = "fee",
        },
        owned_attributes = owned,
    };

    private Task<PartnerClient> PartnerAsync(string name) => PartnerClient.CreateThroughAdminAsync(fixture, name);

    private Task<Guid> FacilityIdAsync(double lat, double lon) => PartnerClient.OnlyFacilityNearAsync(fixture.Anonymous, lat, lon);
}
