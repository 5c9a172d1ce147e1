using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Facilities.Api.Data;
using Facilities.Testing;
using Npgsql;

namespace Facilities.Api.Tests.OpenData;

/// <summary>Its own database: these tests write.</summary>
public sealed class ChangeFeedFixture : OpenDataFixture;

/// <summary>
/// GET /api/v1/changes: every accepted change, gapless and in commit order, with the state after it — complete
/// enough that tools/mirror.cs, following nothing but the feed, ends equal to the layer.
/// </summary>
public sealed class ChangeFeedTests(ChangeFeedFixture fixture) : IClassFixture<ChangeFeedFixture>, IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("facilities-mirror-").FullName;

    public void Dispose() => Directory.Delete(_work, recursive: true);

    [Fact]
    public async Task Feed_pages_through_every_change_in_order_without_gaps_with_the_state_after_each()
    {
        var total = await fixture.ScalarAsync("select count(*) from change_feed");
        var entries = await ReadFeedAsync(since: 0, limit: 777);
        Assert.Equal(Enumerable.Range(1, (int)total).Select(i => (long)i), entries.Select(e => e.GetProperty("seq").GetInt64()));

        // Each entry is the facility's version as the history records it.
        await using var dataSource = fixture.Database.CreateDataSource();
        await using var command = dataSource.CreateCommand(
            "select c.seq, c.facility_id::text, c.version, v.snapshot::text from change_feed c " +
            "join facility_versions v using (facility_id, version) order by c.seq");
        await using var reader = await command.ExecuteReaderAsync();
        var i = 0;
        while (await reader.ReadAsync())
        {
            var entry = entries[i++];
            Assert.Equal(reader.GetString(1), entry.GetProperty("facility_id").GetString());
            Assert.Equal(reader.GetInt32(2), entry.GetProperty("version").GetInt32());
            var snapshot = JsonNode.Parse(reader.GetString(3))!.AsObject();
            var facility = entry.GetProperty("facility");
            Assert.Equal(reader.GetString(1), facility.GetProperty("id").GetString());
            Assert.Equal(snapshot["location"]![0]!.GetValue<double>(), facility.GetProperty("geometry").GetProperty("coordinates")[0].GetDouble());
            Assert.Equal(snapshot["location"]![1]!.GetValue<double>(), facility.GetProperty("geometry").GetProperty("coordinates")[1].GetDouble());
            var properties = facility.GetProperty("properties");
            foreach (var (name, value) in snapshot.Where(s => s.Key != "location"))
            {
                var actual = properties.TryGetProperty(name, out var top) ? top : properties.GetProperty("attributes").GetProperty(name);
                Assert.True(JsonNode.DeepEquals(value, JsonNode.Parse(actual.GetRawText())), $"seq {entry.GetProperty("seq")}: {name}");
            }
        }
        Assert.Equal(total, i);

        var head = await fixture.Client.GetJsonAsync($"/api/v1/changes?since={total}");
        Assert.Empty(head.GetProperty("changes").EnumerateArray());
        Assert.Equal(total, head.GetProperty("last_seq").GetInt64());
        Assert.Equal(total, head.GetProperty("latest_seq").GetInt64());
        Assert.EndsWith($"/api/v1/changes?since={total}&limit=1000",
            head.GetProperty("links").EnumerateArray().Single(l => l.GetProperty("rel").GetString() == "next").GetProperty("href").GetString(),
            StringComparison.Ordinal);
    }

    [Fact]
    public async Task Concurrent_writers_leave_a_gapless_feed_whose_commit_times_never_go_back()
    {
        var before = await fixture.ScalarAsync("select coalesce(max(seq), 0) from change_feed");
        await using var dataSource = fixture.Database.CreateDataSource();
        await Parallel.ForAsync(0, 24, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, _) =>
            await OpenDataFixture.CreateAsync(dataSource, new FacilityState { Category = "aed", Lon = 121.4 + (i * 0.001), Lat = 31.2, Name = $"AED {i}" }));

        var entries = await ReadFeedAsync(before, limit: 5);
        Assert.Equal(Enumerable.Range(1, 24).Select(i => before + i), entries.Select(e => e.GetProperty("seq").GetInt64()));
        var times = entries.Select(e => e.GetProperty("committed_at").GetDateTime()).ToList();
        Assert.Equal(times.Order(), times);
    }

    [Fact]
    public async Task A_mirror_following_the_feed_while_edits_happen_ends_identical_to_the_layer()
    {
        var output = Path.Combine(_work, "mirror.geojson");
        var mirror = Path.Combine(RepositoryPaths.Root, "tools", "mirror.cs");

        // Catch up from nothing and exit.
        var first = await Processes.RunAsync("dotnet", "run", mirror, "--", fixture.BaseUrl, output, "--limit", "700");
        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Contains($"seq={await fixture.ScalarAsync("select max(seq) from change_feed")} ", first.Stdout, StringComparison.Ordinal);
        await AssertMirrorEqualsLayerAsync(output);

        // Follow while facilities are written, updated and removed between its polls.
        var info = Processes.StartInfo("dotnet", ["run", mirror, "--", fixture.BaseUrl, output, "--follow", "--interval", "0.1", "--limit", "7", "--stop-on-eof"]);
        using var process = Processes.Start(info, "dotnet");
        var lines = new BlockingCollection<string>();
        var stderr = new ConcurrentQueue<string>();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lines.Add(e.Data);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                stderr.Enqueue(e.Data);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await using var dataSource = fixture.Database.CreateDataSource();
            var random = new Random(7);
            var created = new List<Guid>();
            for (var round = 0; round < 4; round++)
            {
                // Several writers at once, as the API's requests would be.
                var ids = await Task.WhenAll(Enumerable.Range(0, 10).Select(i => OpenDataFixture.CreateAsync(dataSource, new FacilityState
                {
                    Category = i % 2 == 0 ? "toilet" : "drinking_water",
                    Lon = 151.2 + random.NextDouble() * 0.1,
                    Lat = -33.9 + random.NextDouble() * 0.1,
                    Name = $"Round {round} facility {i}",
                    Status = i == 9 ? FacilityStatus.Removed : FacilityStatus.Open,
                    Attributes = i % 2 == 0 ? new() { ["hand_washing"] = true } : [],
                })));
                created.AddRange(ids);
                await FeedEdits.UpdateAsync(dataSource, created[random.Next(created.Count)], name: $"Renamed in round {round}");
                await FeedEdits.RemoveAsync(dataSource, created[random.Next(created.Count)]);
                // Wait until the mirror has seen this round: the next one lands between its polls.
                await WaitForSeqAsync(lines, await fixture.ScalarAsync("select max(seq) from change_feed"), stderr);
            }
        }
        finally
        {
            process.StandardInput.Close();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await process.WaitForExitAsync(timeout.Token);
        }
        Assert.True(process.ExitCode == 0, $"exit {process.ExitCode}: {string.Join('\n', stderr)}");
        Assert.Contains(lines, l => l.EndsWith(" stopped", StringComparison.Ordinal));
        await AssertMirrorEqualsLayerAsync(output);
    }

    [Theory]
    [InlineData("/api/v1/changes?since=-1", "since")]
    [InlineData("/api/v1/changes?since=abc", "since")]
    [InlineData("/api/v1/changes?since=1.5", "since")]
    [InlineData("/api/v1/changes?since=99999999999999999999999", "since")]
    [InlineData("/api/v1/changes?since=999999999", "since")] // beyond the head of the feed
    [InlineData("/api/v1/changes?limit=0", "limit")]
    [InlineData("/api/v1/changes?limit=10001", "limit")]
    [InlineData("/api/v1/changes?limit=-5", "limit")]
    [InlineData("/api/v1/changes?limit=lots", "limit")]
    public async Task Bad_since_or_limit_is_a_400_naming_it(string url, string parameter)
    {
        using var response = await fixture.Client.GetAsync(url);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.BadRequest, $"{url}: {(int)response.StatusCode} {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.True(JsonDocument.Parse(body).RootElement.GetProperty("errors").TryGetProperty(parameter, out _), body);
    }

    /// <summary>The mirror file against the GeoJSON export: the same facilities, positions and properties.</summary>
    private async Task AssertMirrorEqualsLayerAsync(string path)
    {
        var mirror = JsonNode.Parse(await File.ReadAllBytesAsync(path))!.AsObject();
        var layer = JsonNode.Parse(await fixture.Client.GetStringAsync("/api/v1/export/facilities.geojson"))!.AsObject();
        Assert.Equal(await fixture.ScalarAsync("select max(seq) from change_feed"), mirror["mirror"]!["seq"]!.GetValue<long>());

        var mirrored = mirror["features"]!.AsArray().Select(f => f!.AsObject()).ToList();
        var exported = layer["features"]!.AsArray().Select(f => f!.AsObject()).ToList();
        Assert.Equal(exported.Select(f => f["id"]!.GetValue<string>()), mirrored.Select(f => f["id"]!.GetValue<string>()));
        foreach (var (m, e) in mirrored.Zip(exported))
        {
            Assert.True(JsonNode.DeepEquals(e["geometry"], m["geometry"]), $"{e["id"]}: geometry");
            var mp = m["properties"]!.AsObject();
            var ep = e["properties"]!.AsObject();
            // The feed carries every versioned attribute; confidence and last_verified_at are the layer's scores.
            Assert.Equal(ep.Select(p => p.Key).Except(["confidence", "last_verified_at"]), mp.Select(p => p.Key));
            foreach (var (name, value) in mp)
            {
                Assert.True(JsonNode.DeepEquals(ComparableJson(ep[name]), ComparableJson(value)), $"{e["id"]}: {name} is {ep[name]?.ToJsonString()} in the layer, {value?.ToJsonString()} in the mirror");
            }
        }
    }

    /// <summary>Times compare as instants (the snapshot keeps .NET's 100 ns, PostgreSQL microseconds), the rest as JSON.</summary>
    private static JsonNode? ComparableJson(JsonNode? node) =>
        node is JsonValue v && v.TryGetValue<string>(out var s)
        && DateTime.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var t) && s.Contains('T', StringComparison.Ordinal)
            ? JsonValue.Create(new DateTime(t.ToUniversalTime().Ticks / 10 * 10, DateTimeKind.Utc))
            : node;

    private async Task<List<JsonElement>> ReadFeedAsync(long since, int limit)
    {
        var entries = new List<JsonElement>();
        var url = $"/api/v1/changes?since={since}&limit={limit}";
        while (true)
        {
            var page = await fixture.Client.GetJsonAsync(url);
            var changes = page.GetProperty("changes").EnumerateArray().ToList();
            Assert.True(changes.Count <= limit);
            entries.AddRange(changes);
            if (page.GetProperty("last_seq").GetInt64() == page.GetProperty("latest_seq").GetInt64())
            {
                return entries;
            }
            Assert.Equal(limit, changes.Count);
            url = page.GetProperty("links").EnumerateArray().Single(l => l.GetProperty("rel").GetString() == "next").GetProperty("href").GetString()!;
        }
    }

    private static async Task WaitForSeqAsync(BlockingCollection<string> lines, long seq, ConcurrentQueue<string> stderr)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(90))
        {
            if (lines.TryTake(out var line, 100)
                && line.StartsWith("mirror: seq=", StringComparison.Ordinal)
                && long.Parse(line["mirror: seq=".Length..line.IndexOf(' ', "mirror: seq=".Length)], CultureInfo.InvariantCulture) >= seq)
            {
                return;
            }
            await Task.Yield();
        }
        Assert.Fail($"the mirror did not reach seq {seq}: {string.Join('\n', stderr)}");
    }
}

/// <summary>
/// Updates and removals as the change feed records them. The service's write path has only CreateAsync so far; these
/// do what its contract says every change does — the facility row, a new version with its snapshot, and a feed entry
/// numbered under the change_feed lock, in one transaction — so that the mirror is tested on every kind of entry.
/// </summary>
/// <summary>Edits through the writer every feature uses, as a proposal or an import would apply them.</summary>
internal static class FeedEdits
{
    public static Task UpdateAsync(NpgsqlDataSource dataSource, Guid id, string name) => EditAsync(dataSource, id, "name", name);

    public static Task RemoveAsync(NpgsqlDataSource dataSource, Guid id) => EditAsync(dataSource, id, "status", "removed");

    private static async Task EditAsync(NpgsqlDataSource dataSource, Guid id, string attribute, string value)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await FacilityChanges.LockFeedAsync(connection, transaction, CancellationToken.None);
        var update = await FacilityWriter.UpdateAsync(connection, transaction, id,
            new Dictionary<string, JsonNode?> { [attribute] = value },
            new VersionSource(OpenDataFixture.CommunityDataset, id.ToString(), DateTime.UtcNow, 0.6, "open data test"),
            CancellationToken.None);
        Assert.NotNull(update);
        await transaction.CommitAsync();
    }
}
