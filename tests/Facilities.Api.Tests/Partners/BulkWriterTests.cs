using System.Text.Json.Nodes;
using Facilities.Api.Data;
using Facilities.Api.Features.Imports;
using Npgsql;

namespace Facilities.Api.Tests.Partners;

/// <summary>FacilityBulkWriter writes what FacilityWriter writes: the same facility, history, sources, provenance and
/// change feed through the API; and its set-based cluster maintenance ends where a full rebuild does.</summary>
public sealed class BulkWriterTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    private static readonly string[] OwnedStatusAndLocation = ["status", "location"];
    private static readonly Guid Community = Guid.Parse("00000000-0000-0000-0000-000000000001");

    private static FacilityState State(double lon) => new()
    {
        Category = "toilet",
        Lon = lon,
        Lat = 60.5,
        Name = "Twin",
        Fee = false,
        Gender = ["female", "male"],
        Wheelchair = "yes",
        Attributes = new JsonObject { ["hand_washing"] = true },
        Confidence = 0.6,
        OpeningHours = "24/7",
    };

    private async Task<JsonNode> Read(Guid id, string path = "") =>
        JsonNode.Parse(await fixture.Client.GetStringAsync($"/api/v1/facilities/{id}{path}"))!;

    [Fact]
    public async Task A_bulk_written_facility_reads_exactly_like_one_written_by_FacilityWriter()
    {
        await using var dataSource = fixture.Database.CreateDataSource();
        await using var connection = await dataSource.OpenConnectionAsync();
        var at = new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc);
        var feedBefore = await Db.CountAsync(fixture.Database, "select coalesce(max(seq), 0) from change_feed");

        Guid single;
        var bulk = Guid.CreateVersion7();
        await using (var tx = await connection.BeginTransactionAsync())
        {
            single = await FacilityWriter.CreateAsync(connection, tx, State(20.0), new VersionSource(Community, "one", at, 0.6, "same reason"), default);
            await FacilityBulkWriter.WriteAsync(connection, tx, Community, at, 0.6, "same reason",
                [new BulkSourceRecord("two", bulk, 20.001, 60.5, new JsonObject())], [FacilityVersionChange.First(bulk, State(20.001), "two")], default);
            await tx.CommitAsync();
        }
        var changes = new Dictionary<string, JsonNode?> { ["name"] = "Renamed", ["fee"] = null, ["wheelchair"] = "limited" };
        await using (var tx = await connection.BeginTransactionAsync())
        {
            await FacilityWriter.UpdateAsync(connection, tx, single, changes, new VersionSource(Community, "one", at.AddDays(1), 0.6, "edit"), default);
            var version = FacilityVersionChange.Next(bulk, 1, State(20.001), changes, "two")!;
            await FacilityBulkWriter.WriteAsync(connection, tx, Community, at.AddDays(1), 0.6, "edit",
                [new BulkSourceRecord("two", bulk, 20.001, 60.5, new JsonObject())], [version], default);
            await tx.CommitAsync();
        }

        var a = (await Read(single))["properties"]!.AsObject();
        var b = (await Read(bulk))["properties"]!.AsObject();
        foreach (var name in a.Select(p => p.Key).Except(["id", "sources"]))
        {
            Assert.True(JsonNode.DeepEquals(a[name], b[name]), $"{name}: {a[name]?.ToJsonString()} vs {b[name]?.ToJsonString()}");
        }
        Assert.Equal(a["sources"]!.AsArray().Count, b["sources"]!.AsArray().Count);

        var historyA = (await Read(single, "/history")).ToJsonString().Replace(single.ToString(), "ID", StringComparison.Ordinal);
        var historyB = (await Read(bulk, "/history")).ToJsonString().Replace(bulk.ToString(), "ID", StringComparison.Ordinal)
            .Replace("20.001", "20", StringComparison.Ordinal);
        Assert.Equal(historyA, historyB);

        // Four entries, gapless, each facility's versions in order.
        Assert.Equal(feedBefore + 4, await Db.CountAsync(fixture.Database, "select max(seq) from change_feed"));
        Assert.Equal(4, await Db.CountAsync(fixture.Database, "select count(*) from change_feed where seq > $1", feedBefore));
    }

    [Fact]
    public async Task Clusters_kept_by_bulk_imports_equal_a_full_rebuild_after_creates_moves_and_removals()
    {
        using var partner = await PartnerClient.CreateAsync(fixture, "Clusters");
        var dataset = await partner.CreateDatasetAsync(new
        {
            name = "Cluster test",
            license = "CC0-1.0",
            attribution = "test",
            category = "toilet",
            owned_attributes = OwnedStatusAndLocation,
            mapping = new JsonObject { ["id"] = "id", ["lon"] = "lon", ["lat"] = "lat" },
        });
        var rows = Enumerable.Range(0, 400).Select(i => FormattableString.Invariant($"c{i},{-3 + i * 0.01},{-30 - i * 0.007}")).ToList();
        await partner.ImportTextAsync(dataset, "a.csv", "id,lon,lat\n" + string.Join("\n", rows));
        // Drop 50 (removed: status owned), move 50 far away.
        var next = rows.Skip(50).Select((r, i) => i < 50 ? r.Split(',')[0] + FormattableString.Invariant($",{40 + i * 0.1},{10 + i * 0.1}") : r);
        var second = await partner.ImportTextAsync(dataset, "a.csv", "id,lon,lat\n" + string.Join("\n", next));
        Assert.Equal(50, (int)second["report"]!["removed_at_source"]!);
        Assert.Equal(50, (int)second["report"]!["updated"]!);

        const string cells = "select coalesce(string_agg(concat_ws(':', zoom, category, cx, cy, n, round(sum_lon::numeric, 6), round(sum_lat::numeric, 6)), ',' " +
                             "order by zoom, category, cx, cy), '') from cluster_cells";
        await using var dataSource = fixture.Database.CreateDataSource();
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var tx = await connection.BeginTransactionAsync();
        await using var read = new NpgsqlCommand(cells, connection, tx);
        var kept = (string)(await read.ExecuteScalarAsync())!;
        await using (var orphans = new NpgsqlCommand(
            "select count(*) from cluster_cells c left join facilities f on f.id = c.any_id " +
            "where f.id is null or f.status = 'removed' or f.category <> c.category " +
            "   or floor((ST_X(f.geom) + 180) / cluster_cell_size(c.zoom))::int <> c.cx " +
            "   or floor((ST_Y(f.geom) + 90) / cluster_cell_size(c.zoom))::int <> c.cy", connection, tx))
        {
            Assert.Equal(0L, (long)(await orphans.ExecuteScalarAsync())!);
        }
        await using (var rebuild = new NpgsqlCommand("select rebuild_cluster_cells()", connection, tx))
        {
            await rebuild.ExecuteNonQueryAsync();
        }
        var rebuilt = (string)(await read.ExecuteScalarAsync())!;
        await tx.RollbackAsync();
        Assert.Equal(rebuilt, kept);
        await Integrity.AssertReferencesHoldAsync(fixture.Database);
    }
    [Fact]
    public async Task A_facility_two_records_name_a_chunk_apart_gets_one_version_after_the_other()
    {
        using var partner = await PartnerClient.CreateAsync(fixture, "Chunks");
        var dataset = await partner.CreateDatasetAsync(new
        {
            name = "Chunk test",
            license = "CC0-1.0",
            attribution = "test",
            category = "toilet",
            mapping = new JsonObject { ["id"] = "id", ["lon"] = "lon", ["lat"] = "lat", ["name"] = "name" },
        });
        // One row more than the write's chunk, about a kilometre apart: none matches another.
        const int rows = ImportApplier.ChunkSize + 1;
        string File(string edition) => "id,lon,lat,name\n" + string.Join("\n", Enumerable.Range(0, rows).Select(i =>
            FormattableString.Invariant($"k{i},{-60 + i % 100 * 0.01},{-40 - i / 100 * 0.01},Toilet {i} {edition}")));
        var first = await partner.ImportTextAsync(dataset, "a.csv", File("first"));
        Assert.Equal(rows, (int)first["report"]!["created"]!);

        // The first and the last record name one facility (as a person resolving a review may leave it), so the second
        // import changes it in its first chunk and again in its second, which the writer read before the first was written.
        await Db.ExecuteAsync(fixture.Database,
            $"update source_records set facility_id = (select facility_id from source_records where dataset_id = '{dataset}' and external_id = 'k0') " +
            $"where dataset_id = '{dataset}' and external_id = 'k{rows - 1}'");
        Guid facility;
        await using (var dataSource = fixture.Database.CreateDataSource())
        await using (var command = dataSource.CreateCommand(
            $"select facility_id from source_records where dataset_id = '{dataset}' and external_id = 'k0'"))
        {
            facility = (Guid)(await command.ExecuteScalarAsync())!;
        }

        var second = await partner.ImportTextAsync(dataset, "a.csv", File("second"));
        Assert.Equal("succeeded", (string?)second["state"]);
        Assert.Equal(rows, (int)second["report"]!["updated"]!);
        var history = (await Read(facility, "/history"))["versions"]!.AsArray()
            .Select(v => ((int)v!["version"]!, (string?)v["changes"]!["name"]!["to"])).ToList();
        Assert.Equal([(1, "Toilet 0 first"), (2, "Toilet 0 second"), (3, $"Toilet {rows - 1} second")], history);
        await Integrity.AssertReferencesHoldAsync(fixture.Database);
    }
}
