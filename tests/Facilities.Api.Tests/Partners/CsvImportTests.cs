using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Facilities.Api.Data;
using Npgsql;

namespace Facilities.Api.Tests.Partners;

/// <summary>CSV imports end to end: parsing, value maps, rejected rows, dry run, reimport, atomicity, removal at source.</summary>
public sealed class CsvImportTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    // A BOM, semicolons, quoted fields with separators and doubled quotes, TRUE/FALSE/是/否 and a decimal comma.
    private const string Csv =
        "\uFEFFref;Name;Lat;Lon;Accessible;Fee\r\n" +
        "A1;\"Market Hall; east\";51,5010;-0,1410;TRUE;否\r\n" +
        "A2;\"The \"\"Old\"\" Lodge\";51.5020;-0.1420;FALSE;是\r\n" +
        "A3;No position;;;TRUE;否\r\n" +
        "A4;Far away;95.0;-0.14;TRUE;否\r\n" +
        "A1;Duplicate id;51.5030;-0.1430;TRUE;否\r\n";

    private static object Dataset(string name, string[]? owned = null) => new
    {
        name,
        license = "OGL-UK-3.0",
        attribution = "Contains public sector information licensed under the Open Government Licence v3.0.",
        category = "toilet",
        mapping = new JsonObject
        {
            ["id"] = "ref",
            ["lat"] = "Lat",
            ["lon"] = "Lon",
            ["name"] = "Name",
            ["wheelchair"] = new JsonObject { ["column"] = "Accessible", ["values"] = new JsonObject { ["TRUE"] = "yes", ["FALSE"] = "no" } },
            ["fee"] = "Fee",
        },
        owned_attributes = owned ?? [],
    };

    [Fact]
    public async Task A_csv_with_bom_semicolons_quotes_and_value_maps_goes_in_and_bad_rows_are_rejected_one_by_one()
    {
        using var partner = await PartnerClient.CreateAsync(fixture, "Westminster");
        var dataset = await partner.CreateDatasetAsync(Dataset("Westminster toilets"));

        var import = await partner.ImportTextAsync(dataset, "toilets.csv", Csv);

        Assert.Equal("succeeded", (string?)import["state"]);
        var report = import["report"]!;
        Assert.Equal(5, (int)report["rows_read"]!);
        Assert.Equal(2, (int)report["created"]!);
        Assert.Equal(3, (int)report["rejected_count"]!);
        var reasons = report["rejected"]!.AsArray().Select(r => ((int)r!["row"]!, (string)r["reason"]!)).OrderBy(r => r.Item1).ToList();
        Assert.Equal([3, 4, 5], reasons.Select(r => r.Item1));
        Assert.Contains("no coordinates", reasons[0].Item2, StringComparison.Ordinal);
        Assert.Contains("outside the area of EPSG:4326", reasons[1].Item2, StringComparison.Ordinal);
        Assert.Contains("duplicate id 'A1'", reasons[2].Item2, StringComparison.Ordinal);

        var near = JsonNode.Parse(await fixture.Client.GetStringAsync("/api/v1/facilities/nearby?lat=51.501&lon=-0.141&radius_m=50"))!;
        var hallId = (string)near["features"]!.AsArray().Single()!["id"]!;
        var hall = JsonNode.Parse(await fixture.Client.GetStringAsync($"/api/v1/facilities/{hallId}"))!["properties"]!;
        Assert.Equal("Market Hall; east", (string?)hall["name"]);
        Assert.Equal("yes", (string?)hall["wheelchair"]);
        Assert.False((bool)hall["fee"]!);
        Assert.Equal("official", (string?)hall["sources"]![0]!["kind"]);
        Assert.Equal("A1", (string?)hall["sources"]![0]!["record_id"]);

        var lodge = JsonNode.Parse(await fixture.Client.GetStringAsync("/api/v1/facilities/nearby?lat=51.502&lon=-0.142&radius_m=50"))!
            ["features"]![0]!["properties"]!;
        Assert.Equal("The \"Old\" Lodge", (string?)lodge["name"]);
        Assert.True((bool)lodge["fee"]!);
    }

    [Fact]
    public async Task Reimporting_the_same_file_changes_nothing()
    {
        using var partner = await PartnerClient.CreateAsync(fixture, "Camden");
        var dataset = await partner.CreateDatasetAsync(Dataset("Camden toilets"));
        var csv = Csv.Replace("51,50", "52,50", StringComparison.Ordinal).Replace("51.50", "52.50", StringComparison.Ordinal);
        await partner.ImportTextAsync(dataset, "camden.csv", csv);
        var before = await Db.LayerFingerprintAsync(fixture.Database);

        var again = await partner.ImportTextAsync(dataset, "camden.csv", csv);

        Assert.Equal("succeeded", (string?)again["state"]);
        Assert.Equal(2, (int)again["report"]!["unchanged"]!);
        Assert.Equal(0, (int)again["report"]!["created"]!);
        Assert.Equal(0, (int)again["report"]!["updated"]!);
        Assert.Equal(before, await Db.LayerFingerprintAsync(fixture.Database));
    }

    [Fact]
    public async Task A_dry_run_reports_what_the_import_would_do_and_writes_nothing()
    {
        using var partner = await PartnerClient.CreateAsync(fixture, "Islington");
        var dataset = await partner.CreateDatasetAsync(Dataset("Islington toilets"));
        var csv = Csv.Replace("51,50", "53,50", StringComparison.Ordinal).Replace("51.50", "53.50", StringComparison.Ordinal);
        var before = await Db.LayerFingerprintAsync(fixture.Database);

        var dry = await partner.ImportTextAsync(dataset, "islington.csv", csv, dryRun: true);

        Assert.Equal("succeeded", (string?)dry["state"]);
        Assert.True((bool)dry["dry_run"]!);
        Assert.Equal(before, await Db.LayerFingerprintAsync(fixture.Database));

        var real = await partner.ImportTextAsync(dataset, "islington.csv", csv);
        foreach (var counter in (string[])["rows_read", "created", "merged", "updated", "unchanged", "rejected_count", "needing_review"])
        {
            Assert.Equal((int)dry["report"]![counter]!, (int)real["report"]![counter]!);
        }
        Assert.NotEqual(before, await Db.LayerFingerprintAsync(fixture.Database));
    }

    [Fact]
    public async Task An_import_that_fails_midway_changes_nothing_and_can_be_run_again()
    {
        using var partner = await PartnerClient.CreateAsync(fixture, "Hackney");
        var dataset = await partner.CreateDatasetAsync(Dataset("Hackney toilets"));
        var rows = string.Join("\n", Enumerable.Range(1, 300).Select(i => $"H{i};Toilet {i};54.{i:D4};-0.{i:D4};TRUE;否"));
        var csv = "ref;Name;Lat;Lon;Accessible;Fee\n" + rows + "\n";
        // The database refuses the 200th record while the import is writing: the whole import must roll back.
        await Db.ExecuteAsync(fixture.Database,
            "create function fail_on_h200() returns trigger language plpgsql as $$ begin " +
            "if new.external_id = 'H200' then raise exception 'simulated failure at H200'; end if; return new; end $$; " +
            "create trigger fail_on_h200 before insert on source_records for each row execute function fail_on_h200()");
        var before = await Db.LayerFingerprintAsync(fixture.Database);

        var failed = await partner.ImportTextAsync(dataset, "hackney.csv", csv);

        Assert.Equal("failed", (string?)failed["state"]);
        Assert.Contains("simulated failure", (string?)failed["error"], StringComparison.Ordinal);
        Assert.Equal(before, await Db.LayerFingerprintAsync(fixture.Database));

        await Db.ExecuteAsync(fixture.Database, "drop trigger fail_on_h200 on source_records");
        var rerun = await partner.ImportTextAsync(dataset, "hackney.csv", csv);
        Assert.Equal("succeeded", (string?)rerun["state"]);
        Assert.Equal(300, (int)rerun["report"]!["created"]!);
    }

    [Fact]
    public async Task A_record_missing_from_a_reimport_deletes_nothing_and_removes_the_facility_only_if_the_partner_owns_status()
    {
        using var partner = await PartnerClient.CreateAsync(fixture, "Lambeth");
        var owning = await partner.CreateDatasetAsync(Dataset("Lambeth (owns status)", ["status"]));
        var notOwning = await partner.CreateDatasetAsync(Dataset("Lambeth parks"));
        const string two = "ref;Name;Lat;Lon;Accessible;Fee\nL1;One;55.1;-0.1;TRUE;否\nL2;Two;55.2;-0.2;TRUE;否\n";
        const string one = "ref;Name;Lat;Lon;Accessible;Fee\nL1;One;55.1;-0.1;TRUE;否\n";
        const string twoParks = "ref;Name;Lat;Lon;Accessible;Fee\nP1;One;56.1;-0.1;TRUE;否\nP2;Two;56.2;-0.2;TRUE;否\n";
        const string oneParks = "ref;Name;Lat;Lon;Accessible;Fee\nP1;One;56.1;-0.1;TRUE;否\n";
        await partner.ImportTextAsync(owning, "a.csv", two);
        await partner.ImportTextAsync(notOwning, "b.csv", twoParks);
        var facilities = await Db.CountAsync(fixture.Database, "select count(*) from facilities");

        var owned = await partner.ImportTextAsync(owning, "a.csv", one);
        var notOwned = await partner.ImportTextAsync(notOwning, "b.csv", oneParks);

        Assert.Equal(facilities, await Db.CountAsync(fixture.Database, "select count(*) from facilities"));
        Assert.Equal(1, (int)owned["report"]!["removed_at_source"]!);
        Assert.Equal(1, await Db.CountAsync(fixture.Database,
            "select count(*) from facilities f join source_records s on s.facility_id = f.id where s.external_id = 'L2' and f.status = 'removed'"));
        var history = await Db.CountAsync(fixture.Database,
            "select count(*) from facility_versions v join source_records s on s.facility_id = v.facility_id " +
            "where s.external_id = 'L2' and v.changes->'status'->>'to' = 'removed'");
        Assert.Equal(1, history);

        Assert.Equal(1, (int)notOwned["report"]!["removed_at_source"]!);
        var closure = notOwned["report"]!["closure_proposals_needed"]!.AsArray().Single()!;
        Assert.Equal("P2", (string?)closure["external_id"]);
        Assert.Equal(1, await Db.CountAsync(fixture.Database,
            "select count(*) from facilities f join source_records s on s.facility_id = f.id " +
            "where s.external_id = 'P2' and f.status = 'open' and s.removed_at is not null"));
    }

    [Fact]
    public async Task A_partner_record_merges_into_the_community_facility_and_provenance_names_both_sources()
    {
        using var partner = await PartnerClient.CreateAsync(fixture, "Southwark");
        var dataset = await partner.CreateDatasetAsync(Dataset("Southwark toilets", ["wheelchair"]));
        var community = Guid.Parse("00000000-0000-0000-0000-000000000001");
        Guid facilityId;
        await using (var dataSource = fixture.Database.CreateDataSource())
        await using (var connection = await dataSource.OpenConnectionAsync())
        await using (var tx = await connection.BeginTransactionAsync())
        {
            facilityId = await FacilityWriter.CreateAsync(connection, tx,
                new FacilityState { Category = "toilet", Lon = -0.3, Lat = 57.0, Name = "Borough Market toilets", OpeningHours = "Mo-Su 08:00-20:00", Confidence = 0.6 },
                new VersionSource(community, "community-1", DateTime.UtcNow.AddDays(-3), 0.6, "community create"), default);
            await tx.CommitAsync();
        }
        // 12 m away, name spelled differently, with wheelchair (owned) and no opening hours.
        var csv = "ref;Name;Lat;Lon;Accessible;Fee\nS1;Borough Mkt Toilets;57.0001;-0.30005;TRUE;否\n";

        var import = await partner.ImportTextAsync(dataset, "southwark.csv", csv);

        Assert.Equal(1, (int)import["report"]!["merged"]!);
        var facility = JsonNode.Parse(await fixture.Client.GetStringAsync($"/api/v1/facilities/{facilityId}"))!["properties"]!;
        var sources = facility["sources"]!.AsArray();
        Assert.Equal(["community", "official"], sources.Select(s => (string)s!["kind"]!).Order());
        var official = sources.Select((s, i) => (s, i)).Single(x => (string)x.s!["kind"]! == "official").i;
        var communityIndex = sources.Select((s, i) => (s, i)).Single(x => (string)x.s!["kind"]! == "community").i;
        Assert.Equal(official, (int)facility["provenance"]!["wheelchair"]!["source"]!);
        Assert.Equal(official, (int)facility["provenance"]!["name"]!["source"]!);
        Assert.Equal(communityIndex, (int)facility["provenance"]!["opening_hours"]!["source"]!);
        Assert.Equal("Mo-Su 08:00-20:00", (string?)facility["opening_hours"]);
        Assert.Equal("yes", (string?)facility["wheelchair"]);
        Assert.True((double)facility["confidence"]! > 0.9);
        var history = JsonNode.Parse(await fixture.Client.GetStringAsync($"/api/v1/facilities/{facilityId}/history"))!.ToJsonString();
        Assert.Contains("Borough Mkt Toilets", history, StringComparison.Ordinal);
    }
}
