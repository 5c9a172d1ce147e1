using System.Globalization;
using System.Text.Json;
using Npgsql;

namespace Facilities.Api.Tests.OpenData;

/// <summary>
/// How a page of items is read: a filtered first page counts numberMatched in its own scan up to a bound and by a
/// count of its own beyond it, and the sources of a page come from one statement for all its facilities. Either way
/// the answer is the one a reader would compute from the tables.
/// </summary>
public sealed class OgcItemsPageTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    /// <summary>More than the page's scan counts (10,000), in a box of their own in the Southern Ocean.</summary>
    private const int Crowded = 10_050;
    private const string CrowdedBox = "10,-60,10.1,-59.9";

    private const int Sparse = 30;
    private const string SparseBox = "20,-60,20.1,-59.9";

    [Fact]
    public async Task Number_matched_is_exact_on_first_pages_small_and_large_and_next_pages_carry_it()
    {
        await using var dataSource = fixture.Database.CreateDataSource();
        await InsertToiletsAsync(dataSource, Crowded, 10);
        await InsertToiletsAsync(dataSource, Sparse, 20);
        var crowded = await IdsAsync(dataSource, 10);
        var sparse = await IdsAsync(dataSource, 20);

        var small = await fixture.Client.GetJsonAsync($"/ogc/collections/toilet/items?bbox={SparseBox}&limit=10");
        Assert.Equal(Sparse, small.GetProperty("numberMatched").GetInt64());
        Assert.Equal(sparse.Take(10), Ids(small));
        var next = await fixture.Client.GetJsonAsync(NextLink(small)!);
        Assert.Equal(Sparse, next.GetProperty("numberMatched").GetInt64());
        Assert.Equal(sparse.Skip(10).Take(10), Ids(next));
        var beyond = await fixture.Client.GetJsonAsync($"/ogc/collections/toilet/items?bbox={SparseBox}&offset=40");
        Assert.Empty(beyond.Features());
        Assert.Equal(Sparse, beyond.GetProperty("numberMatched").GetInt64());

        var large = await fixture.Client.GetJsonAsync($"/ogc/collections/toilet/items?bbox={CrowdedBox}&limit=100");
        Assert.Equal(Crowded, large.GetProperty("numberMatched").GetInt64());
        Assert.Equal(crowded.Take(100), Ids(large));
        var following = await fixture.Client.GetJsonAsync(NextLink(large)!);
        Assert.Equal(Crowded, following.GetProperty("numberMatched").GetInt64());
        Assert.Equal(crowded.Skip(100).Take(100), Ids(following));
        // A slice past the bound of the counting scan: the page holds the rows of the whole match.
        var deep = await fixture.Client.GetJsonAsync($"/ogc/collections/toilet/items?bbox={CrowdedBox}&offset=10020&limit=100");
        Assert.Equal(Crowded, deep.GetProperty("numberMatched").GetInt64());
        Assert.Equal(crowded.Skip(10_020), Ids(deep));
        Assert.Null(NextLink(deep));

        // Both boxes at once, sorted by name: the count and the order hold with sortby too.
        var both = await fixture.Client.GetJsonAsync("/ogc/collections/toilet/items?bbox=9,-61,21,-59&limit=5&sortby=-name");
        Assert.Equal(Crowded + Sparse, both.GetProperty("numberMatched").GetInt64());
        Assert.All(both.Features(), f => Assert.StartsWith("Toilet 20-", f.GetProperty("properties").GetProperty("name").GetString(), StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_pages_sources_are_the_bytes_of_the_single_items_in_the_order_they_were_linked()
    {
        await using var dataSource = fixture.Database.CreateDataSource();
        await using (var insert = dataSource.CreateCommand(
                         "insert into facilities (id, category, geom, name) values ($1, 'toilet', ST_SetSRID(ST_MakePoint(30.01, -59.99), 4326), 'Linked'), " +
                         "($2, 'toilet', ST_SetSRID(ST_MakePoint(30.02, -59.99), 4326), 'Unlinked')"))
        {
            insert.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = Linked });
            insert.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = Unlinked });
            await insert.ExecuteNonQueryAsync();
        }
        // Record ids with what JSON must escape, and letters it must not; one record removed at its source.
        string[] records = ["z-last-alphabetically", "quote \" backslash \\ tab \t escape \u001b", "公厕/7 é", "removed"];
        foreach (var record in records)
        {
            await using var link = dataSource.CreateCommand(
                "insert into source_records (dataset_id, external_id, facility_id, removed_at) values ($1, $2, $3, case when $4 then now() end)");
            link.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = OpenDataFixture.CommunityDataset });
            link.Parameters.Add(new NpgsqlParameter<string> { TypedValue = record });
            link.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = Linked });
            link.Parameters.Add(new NpgsqlParameter<bool> { TypedValue = record == "removed" });
            await link.ExecuteNonQueryAsync();
        }

        var page = await fixture.Client.GetJsonAsync("/ogc/collections/toilet/items?bbox=30,-60,30.1,-59.9");
        var features = page.Features().ToDictionary(f => Guid.Parse(f.GetProperty("id").GetString()!));
        var sources = features[Linked].GetProperty("sources");
        Assert.Equal(records[..3], sources.EnumerateArray().Select(s => s.GetProperty("record_id").GetString()));
        Assert.All(sources.EnumerateArray(), s => Assert.Equal(OpenDataFixture.CommunityDataset, s.GetProperty("dataset_id").GetGuid()));
        Assert.Equal(JsonValueKind.Array, features[Unlinked].GetProperty("sources").ValueKind);
        Assert.Empty(features[Unlinked].GetProperty("sources").EnumerateArray());
        foreach (var id in (Guid[])[Linked, Unlinked])
        {
            var item = await fixture.Client.GetJsonAsync($"/ogc/collections/toilet/items/{id}");
            Assert.Equal(item.GetProperty("sources").GetRawText(), features[id].GetProperty("sources").GetRawText());
        }
        var withoutSources = await fixture.Client.GetJsonAsync("/ogc/collections/toilet/items?bbox=30,-60,30.1,-59.9&properties=name");
        Assert.All(withoutSources.Features(), f => Assert.False(f.TryGetProperty("sources", out _)));
    }

    private static readonly Guid Linked = Guid.Parse("0c000000-0000-4000-8000-000000000001");
    private static readonly Guid Unlinked = Guid.Parse("0c000000-0000-4000-8000-000000000002");

    /// <summary>
    /// <paramref name="count"/> toilets spread over the 0.1° box whose west edge is <paramref name="lon"/>, at -60°. The
    /// cluster grid's per-row trigger is off for the insert, as for an import, and the grid is not brought up to date:
    /// it would take most of a minute for ten thousand rows, and filtered pages, all these tests read, never consult it.
    /// </summary>
    private static async Task InsertToiletsAsync(NpgsqlDataSource dataSource, int count, int lon)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using (var bulk = new NpgsqlCommand("set local facilities.bulk_cluster_cells = on", connection, transaction))
        {
            await bulk.ExecuteNonQueryAsync();
        }
        await using (var insert = new NpgsqlCommand(string.Create(CultureInfo.InvariantCulture,
                         $"insert into facilities (id, category, geom, name) select gen_random_uuid(), 'toilet', " +
                         $"ST_SetSRID(ST_MakePoint({lon} + random() * 0.1, -60 + random() * 0.1), 4326), 'Toilet {lon}-' || n from generate_series(1, {count}) n"),
                         connection, transaction))
        {
            await insert.ExecuteNonQueryAsync();
        }
        await transaction.CommitAsync();
    }

    private static async Task<List<string>> IdsAsync(NpgsqlDataSource dataSource, int lon)
    {
        await using var command = dataSource.CreateCommand(string.Create(CultureInfo.InvariantCulture,
            $"select id::text from facilities where name like 'Toilet {lon}-%' order by id"));
        await using var reader = await command.ExecuteReaderAsync();
        var ids = new List<string>();
        while (await reader.ReadAsync())
        {
            ids.Add(reader.GetString(0));
        }
        return ids;
    }

    private static IEnumerable<string> Ids(JsonElement page) => page.Features().Select(f => f.GetProperty("id").GetString()!);

    private static string? NextLink(JsonElement page) =>
        page.GetProperty("links").EnumerateArray().Where(l => l.GetProperty("rel").GetString() == "next")
            .Select(l => l.GetProperty("href").GetString()).SingleOrDefault();
}
