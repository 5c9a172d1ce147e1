using System.Net;
using System.Text.Json.Nodes;
using Facilities.Api.Data;
using Facilities.Testing;
using Npgsql;

namespace Facilities.Api.Tests.Writing;

/// <summary>
/// FacilityWriter.UpdateAsync, the path every accepted change takes: one version with its diff, provenance of the
/// changed attributes only, one change-feed entry, and nothing at all for a no-op or a version conflict.
/// </summary>
public sealed class FacilityWriterTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    private static readonly Guid Community = Guid.Parse("00000000-0000-0000-0000-000000000001");

    [Fact]
    public async Task Update_writes_one_version_with_the_diff_and_moves_provenance_of_changed_attributes_only()
    {
        await using var dataSource = fixture.Database.CreateDataSource();
        var id = await CreateAsync(dataSource);
        var feedBefore = await ScalarAsync(dataSource, "select count(*) from change_feed");

        var update = await UpdateAsync(dataSource, id, new() { ["name"] = "Renamed", ["wheelchair"] = "yes", ["hand_washing"] = false, ["fee"] = null },
            "proposal-record");

        Assert.Equal(FacilityUpdateOutcome.Applied, update!.Outcome);
        Assert.Equal(2, update.Version);
        Assert.Equal(["fee", "hand_washing", "name", "wheelchair"], update.ChangedAttributes);

        var facility = JsonNode.Parse(await fixture.Client.GetStringAsync($"/api/v1/facilities/{id}"))!["properties"]!;
        Assert.Equal("Renamed", (string?)facility["name"]);
        Assert.Equal("yes", (string?)facility["wheelchair"]);
        Assert.Null(facility["fee"]?.GetValue<bool?>());
        Assert.False((bool)facility["attributes"]!["hand_washing"]!);
        Assert.Equal(2, (int)facility["version"]!);

        var history = JsonNode.Parse(await fixture.Client.GetStringAsync($"/api/v1/facilities/{id}/history"))!.ToJsonString();
        Assert.Contains("\"Renamed\"", history, StringComparison.Ordinal);

        Assert.Equal(feedBefore + 1, await ScalarAsync(dataSource, "select count(*) from change_feed"));
        Assert.Equal("Original -> Renamed", await TextAsync(dataSource,
            $"select (changes->'name'->>'from') || ' -> ' || (changes->'name'->>'to') from facility_versions where facility_id = '{id}' and version = 2"));
        // name and wheelchair now come from the second record; category from the first; fee has no value, so no source.
        Assert.Equal($"proposal-record-{id}", await TextAsync(dataSource,
            $"select r.external_id from facility_provenance p join source_records r on r.id = p.source_record_id where p.facility_id = '{id}' and p.attribute = 'name'"));
        Assert.StartsWith("first-record-", await TextAsync(dataSource,
            $"select r.external_id from facility_provenance p join source_records r on r.id = p.source_record_id where p.facility_id = '{id}' and p.attribute = 'category'"));
        Assert.Equal(0, await ScalarAsync(dataSource, $"select count(*) from facility_provenance where facility_id = '{id}' and attribute = 'fee'"));
    }

    [Fact]
    public async Task Same_values_write_nothing_and_a_stale_expected_version_is_a_conflict()
    {
        await using var dataSource = fixture.Database.CreateDataSource();
        var id = await CreateAsync(dataSource);
        var feedBefore = await ScalarAsync(dataSource, "select count(*) from change_feed");

        var same = await UpdateAsync(dataSource, id, new() { ["name"] = "Original" }, "again");
        Assert.Equal(FacilityUpdateOutcome.Unchanged, same!.Outcome);

        var stale = await UpdateAsync(dataSource, id, new() { ["name"] = "Other" }, "stale", expectedVersion: 7);
        Assert.Equal(FacilityUpdateOutcome.VersionConflict, stale!.Outcome);
        Assert.Equal(1, stale.Version);

        Assert.Null(await UpdateAsync(dataSource, Guid.NewGuid(), new() { ["name"] = "Nobody" }, "missing"));
        Assert.Equal(feedBefore, await ScalarAsync(dataSource, "select count(*) from change_feed"));
        Assert.Equal(1, await ScalarAsync(dataSource, $"select max(version) from facility_versions where facility_id = '{id}'"));
    }

    [Fact]
    public async Task Removal_and_a_move_show_in_the_feed_and_on_the_map()
    {
        await using var dataSource = fixture.Database.CreateDataSource();
        var id = await CreateAsync(dataSource);

        await UpdateAsync(dataSource, id, new() { ["location"] = new JsonArray(10.5, 20.5) }, "moved");
        var moved = JsonNode.Parse(await fixture.Client.GetStringAsync($"/api/v1/facilities/{id}"))!;
        Assert.Equal(10.5, (double)moved["geometry"]!["coordinates"]![0]!);
        var near = await fixture.Client.GetStringAsync("/api/v1/facilities/nearby?lat=20.5&lon=10.5&radius_m=10");
        Assert.Contains(id.ToString(), near, StringComparison.Ordinal);

        await UpdateAsync(dataSource, id, new() { ["status"] = "removed" }, "removed");
        Assert.Equal("removed", await TextAsync(dataSource, $"select kind from change_feed where facility_id = '{id}' order by seq desc limit 1"));
        near = await fixture.Client.GetStringAsync("/api/v1/facilities/nearby?lat=20.5&lon=10.5&radius_m=10");
        Assert.DoesNotContain(id.ToString(), near, StringComparison.Ordinal);
        var clusters = await fixture.Client.GetAsync("/api/v1/facilities/clusters?bbox=10,20,11,21&zoom=12");
        Assert.Equal(HttpStatusCode.OK, clusters.StatusCode);
        Assert.DoesNotContain(id.ToString(), await clusters.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private static async Task<Guid> CreateAsync(NpgsqlDataSource dataSource)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var id = await FacilityWriter.CreateAsync(connection, transaction,
            new FacilityState { Category = "toilet", Lon = 2.35 + Random.Shared.NextDouble() / 100, Lat = 48.85, Name = "Original", Fee = true },
            new VersionSource(Community, $"first-record-{Guid.NewGuid():N}", DateTime.UtcNow, 0.5), CancellationToken.None);
        await transaction.CommitAsync();
        return id;
    }

    [Fact]
    public async Task Every_attribute_column_of_facilities_is_in_the_one_list_and_both_writers_store_every_one()
    {
        await using var dataSource = fixture.Database.CreateDataSource();
        var columns = new List<string>();
        await using (var read = dataSource.CreateCommand(
            "select column_name from information_schema.columns where table_schema = current_schema() and table_name = 'facilities'"))
        await using (var reader = await read.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                columns.Add(reader.GetString(0));
            }
        }
        string[] notAttributes = ["id", "geom", "attributes", "confidence", "last_verified_at", "version", "created_at", "updated_at"];
        Assert.Equal(columns.Except(notAttributes).Order(StringComparer.Ordinal), CoreColumns.All.Select(c => c.Name).Order(StringComparer.Ordinal));

        // Every core attribute with a value that is not its default: a column a statement leaves out comes back different.
        var state = new FacilityState
        {
            Category = "toilet",
            Lon = -1.25,
            Lat = 51.75,
            Name = "Every column",
            Operator = "Council",
            Status = FacilityStatus.TemporarilyClosed,
            StatusUntil = new DateTime(2031, 5, 6, 7, 8, 9, DateTimeKind.Utc),
            Access = "key",
            Fee = true,
            Charge = "20p",
            OpeningHours = "Mo-Fr 08:00-18:00",
            TimeZone = "Europe/London",
            Wheelchair = "limited",
            ChangingTable = true,
            AdultChangingTable = false,
            Gender = ["female", "male"],
            KeyScheme = "RADAR",
            OfficialGrade = "A",
        };
        Assert.All(CoreColumns.All, c => Assert.NotNull(c.OfState(state)));

        await using var connection = await dataSource.OpenConnectionAsync();
        Guid one;
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            one = await FacilityWriter.CreateAsync(connection, transaction, state,
                new VersionSource(Community, $"every-{Guid.NewGuid():N}", DateTime.UtcNow, 0.5), CancellationToken.None);
            var bulk = Guid.CreateVersion7();
            var external = $"every-bulk-{bulk:N}";
            await FacilityBulkWriter.WriteAsync(connection, transaction, Community, DateTime.UtcNow, 0.5, "test",
                [new BulkSourceRecord(external, bulk, state.Lon, state.Lat, [])], [FacilityVersionChange.First(bulk, state, external)],
                CancellationToken.None);
            await transaction.CommitAsync();

            foreach (var id in (Guid[])[one, bulk])
            {
                var row = await RowAsync(connection, id);
                Assert.All(CoreColumns.All, c => Assert.Equal(c.OfState(state), c.OfRow(row)));
            }
        }

        // The update statement writes every column too: change each back to another value.
        var update = await UpdateAsync(dataSource, one, new()
        {
            ["name"] = "Every column again",
            ["operator"] = "Trust",
            ["status"] = "open",
            ["status_until"] = null,
            ["access"] = "public",
            ["fee"] = false,
            ["charge"] = null,
            ["opening_hours"] = "24/7",
            ["wheelchair"] = "yes",
            ["changing_table"] = false,
            ["adult_changing_table"] = true,
            ["gender"] = new JsonArray("unisex"),
            ["key_scheme"] = null,
            ["official_grade"] = "B",
            ["category"] = "drinking_water",
        }, "every-update");
        var expected = update!.After;
        Assert.All(CoreColumns.All.Where(c => c.Name != "time_zone"), c => Assert.NotEqual(c.OfState(state), c.OfState(expected)));
        var updated = await RowAsync(connection, one);
        Assert.All(CoreColumns.All, c => Assert.Equal(c.OfState(expected), c.OfRow(updated)));
    }

    private static async Task<FacilityRow> RowAsync(NpgsqlConnection connection, Guid id)
    {
        await using var read = new NpgsqlCommand($"select {FacilityRow.Columns} from facilities f where f.id = $1", connection);
        read.Parameters.AddWithValue(id);
        await using var reader = await read.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        return FacilityRow.Read(reader);
    }

    private static async Task<FacilityUpdate?> UpdateAsync(NpgsqlDataSource dataSource, Guid id, Dictionary<string, JsonNode?> changes,
        string recordId, int? expectedVersion = null)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var update = await FacilityWriter.UpdateAsync(connection, transaction, id, changes,
            new VersionSource(Community, $"{recordId}-{id}", DateTime.UtcNow, 0.7, "test"), CancellationToken.None, expectedVersion);
        await transaction.CommitAsync();
        return update;
    }

    private static async Task<long> ScalarAsync(NpgsqlDataSource dataSource, string sql)
    {
        await using var command = dataSource.CreateCommand(sql);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task<string?> TextAsync(NpgsqlDataSource dataSource, string sql)
    {
        await using var command = dataSource.CreateCommand(sql);
        await using var reader = await command.ExecuteReaderAsync();
        return await reader.ReadAsync() && !reader.IsDBNull(0) ? reader.GetValue(0).ToString() : null;
    }
}
