using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Facilities.Api.Data;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Facilities.Api.Tests.OpenData;

/// <summary>A clock the test moves on by hand; it starts at the real time, so tokens and timestamps look ordinary.</summary>
public sealed class ManualClock : TimeProvider
{
    private long _ticks = DateTimeOffset.UtcNow.UtcTicks;

    public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _ticks), TimeSpan.Zero);

    public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);
}

/// <summary>
/// The open-data API with a clock the tests move, to see a dump outlive its lifetime; ready once the periodic jobs'
/// first pass (closures that ended, confidence ageing) is done, so that only the tests move the layer.
/// </summary>
public sealed class ExportDumpFixture : OpenDataFixture, IAsyncLifetime
{
    public ManualClock ManualClock { get; } = new();

    protected override TimeProvider Clock => ManualClock;

    async Task IAsyncLifetime.InitializeAsync()
    {
        await InitializeAsync();
        var jobs = App.Services.GetServices<IPeriodicJob>().Count();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (await ScalarAsync("select count(*) from periodic_jobs where runs > 0") < jobs)
        {
            Assert.True(DateTime.UtcNow < deadline, "the periodic jobs did not run at start");
            await Task.Delay(100);
        }
    }
}

/// <summary>
/// Whole-collection exports served from dumps: the file a live download wrote, sent as it is while it still is the
/// layer, and a live download again as soon as it is not. Each test first edits the layer, so whatever dump an
/// earlier test left is stale and its first download is live.
/// </summary>
public sealed class ExportDumpTests(ExportDumpFixture fixture) : IClassFixture<ExportDumpFixture>
{
    [Theory]
    [InlineData("facilities", "geojson")]
    [InlineData("facilities", "csv")]
    [InlineData("facilities", "gpkg")]
    [InlineData("toilet", "geojson")]
    [InlineData("bench", "csv")]
    [InlineData("toilet", "gpkg")]
    public async Task The_second_download_of_an_unchanged_collection_is_the_dump_the_first_wrote_with_ranges_and_validators(
        string collection, string extension)
    {
        await EditAsync($"Bench {Guid.NewGuid():N}");
        var url = $"/api/v1/export/{collection}.{extension}";
        var position = await FeedPositionAsync();

        using var first = await fixture.Client.GetAsync(url);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var body = await first.Content.ReadAsByteArrayAsync();
        Assert.Equal(position, FeedPositionOf(first));
        // The dump on disk is the bytes of that download.
        var dump = await DumpAsync(collection, extension, body);
        Assert.Equal(body, await File.ReadAllBytesAsync(dump));

        using var second = await fixture.Client.GetAsync(url);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(body, await second.Content.ReadAsByteArrayAsync());
        Assert.Equal(position, FeedPositionOf(second));
        Assert.Equal(body.Length, second.Content.Headers.ContentLength);
        Assert.Contains("bytes", second.Headers.AcceptRanges);
        var etag = second.Headers.ETag;
        Assert.NotNull(etag);
        Assert.False(etag.IsWeak);
        Assert.StartsWith($"\"{position}-", etag.Tag, StringComparison.Ordinal);
        Assert.NotNull(second.Content.Headers.LastModified);
        // The headers of a live download stay.
        Assert.Equal("public, max-age=300", second.Headers.CacheControl?.ToString());
        Assert.Equal($"{collection}.{extension}", second.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
        Assert.Contains("rel=\"license\"", string.Join(",", second.Headers.GetValues("Link")), StringComparison.Ordinal);

        // A mirror resuming a download asks for the rest.
        using var range = new HttpRequestMessage(HttpMethod.Get, url);
        range.Headers.Range = new RangeHeaderValue(100, 199);
        using var partial = await fixture.Client.SendAsync(range);
        Assert.Equal(HttpStatusCode.PartialContent, partial.StatusCode);
        Assert.Equal(new ContentRangeHeaderValue(100, 199, body.Length), partial.Content.Headers.ContentRange);
        Assert.Equal(body[100..200], await partial.Content.ReadAsByteArrayAsync());

        // A client whose copy is current gets no body.
        using var revalidate = new HttpRequestMessage(HttpMethod.Get, url);
        revalidate.Headers.IfNoneMatch.Add(etag);
        using var notModified = await fixture.Client.SendAsync(revalidate);
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
        Assert.Equal(position, FeedPositionOf(notModified));
        using var since = new HttpRequestMessage(HttpMethod.Get, url);
        since.Headers.IfModifiedSince = second.Content.Headers.LastModified;
        using var notModifiedSince = await fixture.Client.SendAsync(since);
        Assert.Equal(HttpStatusCode.NotModified, notModifiedSince.StatusCode);

        using var head = await fixture.Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, url));
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(body.Length, head.Content.Headers.ContentLength);
        Assert.Equal(etag, head.Headers.ETag);
        Assert.Empty(await head.Content.ReadAsByteArrayAsync());

        // One file per collection and format: the dumps of earlier tests were removed when this one replaced them.
        Assert.Single(DumpFiles(collection, extension));
    }

    [Theory]
    [InlineData("csv", "bytes=99999999999-")]
    [InlineData("gpkg", "bytes=-0")]
    public async Task A_range_outside_the_dump_is_a_416_problem(string extension, string range)
    {
        await EditAsync($"Bench {Guid.NewGuid():N}");
        var url = $"/api/v1/export/facilities.{extension}";
        var body = await fixture.Client.GetByteArrayAsync(url);
        await DumpAsync("facilities", extension, body);

        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.TryAddWithoutValidation("Range", range);
        using var response = await fixture.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(new ContentRangeHeaderValue(body.Length), response.Content.Headers.ContentRange);
        Assert.Null(response.Content.Headers.ContentDisposition);
        Assert.Null(response.Headers.ETag);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(416, problem.GetProperty("status").GetInt32());
        Assert.Contains($"{body.Length} bytes long", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_edit_between_two_downloads_shows_in_the_second()
    {
        await EditAsync($"Bench {Guid.NewGuid():N}");
        const string url = "/api/v1/export/facilities.geojson";
        var before = await fixture.Client.GetByteArrayAsync(url);
        await DumpAsync("facilities", "geojson", before);
        using (var fromDump = await fixture.Client.GetAsync(url))
        {
            Assert.Contains("bytes", fromDump.Headers.AcceptRanges);
        }

        var name = $"Renamed {Guid.NewGuid():N}";
        await EditAsync(name);
        using var after = await fixture.Client.GetAsync(url);
        var text = await after.Content.ReadAsStringAsync();
        Assert.Contains(name, text, StringComparison.Ordinal);
        Assert.Equal(await FeedPositionAsync(), FeedPositionOf(after));
        Assert.Empty(after.Headers.AcceptRanges);
    }

    [Fact]
    public async Task An_import_finishing_after_the_dump_makes_the_next_download_live_with_the_scores_it_changed()
    {
        await EditAsync($"Bench {Guid.NewGuid():N}");
        const string url = "/api/v1/export/bench.csv";
        var before = await fixture.Client.GetStringAsync(url);
        await DumpAsync("bench", "csv", Encoding.UTF8.GetBytes(before));

        // An import refreshes the scores of the facilities it touched without a new version (no feed entry).
        var score = 0.321;
        await ExecuteAsync("update facilities set confidence = $1 where id = $2", score, fixture.QuotedId);
        var cell = "," + score.ToString(CultureInfo.InvariantCulture) + ",";
        using (var stale = await fixture.Client.GetAsync(url))
        {
            // Until the import has finished the dump still stands: the feed has not moved.
            Assert.Contains("bytes", stale.Headers.AcceptRanges);
            Assert.DoesNotContain(cell, await stale.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        await FinishImportAsync();
        using var after = await fixture.Client.GetAsync(url);
        Assert.Empty(after.Headers.AcceptRanges);
        var row = (await after.Content.ReadAsStringAsync()).Split("\r\n").Single(l => l.StartsWith(fixture.QuotedId.ToString(), StringComparison.Ordinal));
        Assert.Contains(cell, row, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_dump_older_than_its_lifetime_is_not_served()
    {
        await EditAsync($"Bench {Guid.NewGuid():N}");
        const string url = "/api/v1/export/toilet.geojson";
        var before = await fixture.Client.GetByteArrayAsync(url);
        await DumpAsync("toilet", "geojson", before);

        try
        {
            fixture.ManualClock.Advance(TimeSpan.FromSeconds(299));
            using (var young = await fixture.Client.GetAsync(url))
            {
                Assert.Contains("bytes", young.Headers.AcceptRanges);
                Assert.Equal(before, await young.Content.ReadAsByteArrayAsync());
            }

            fixture.ManualClock.Advance(TimeSpan.FromSeconds(2));
            using var old = await fixture.Client.GetAsync(url);
            Assert.Empty(old.Headers.AcceptRanges);
            // The same rows, generated anew.
            var was = JsonDocument.Parse(before).RootElement;
            var now = JsonDocument.Parse(await old.Content.ReadAsByteArrayAsync()).RootElement;
            Assert.Equal(was.GetProperty("features").GetRawText(), now.GetProperty("features").GetRawText());
            Assert.Equal(was.GetProperty("generated_at").GetDateTime().AddSeconds(301), now.GetProperty("generated_at").GetDateTime());
        }
        finally
        {
            // Back to the real time: a Last-Modified in the future would make later tests' If-Modified-Since void.
            fixture.ManualClock.Advance(TimeSpan.FromSeconds(-301));
        }
    }

    [Fact]
    public async Task A_head_with_no_dump_answers_the_headers_and_writes_no_dump()
    {
        await EditAsync($"Bench {Guid.NewGuid():N}");
        var dumps = DumpFiles("facilities", "csv").ToList();
        using var head = await fixture.Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/api/v1/export/facilities.csv"));
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(await FeedPositionAsync(), FeedPositionOf(head));
        Assert.Equal("text/csv", head.Content.Headers.ContentType?.MediaType);
        Assert.Equal(dumps, DumpFiles("facilities", "csv").ToList());
    }

    [Fact]
    public async Task A_configured_folder_serves_its_dumps_after_a_restart_but_never_a_dump_of_another_database()
    {
        await EditAsync($"Bench {Guid.NewGuid():N}");
        const string url = "/api/v1/export/bench.geojson";
        byte[] written;
        await using (var before = Restarted())
        {
            using var client = before.CreateClient();
            written = await client.GetByteArrayAsync(url);
            await DumpAsync("bench", "geojson", written);
        }

        await using (var after = Restarted())
        {
            using var client = after.CreateClient();
            using var response = await client.GetAsync(url);
            Assert.Contains("bytes", response.Headers.AcceptRanges);
            Assert.Equal(written, await response.Content.ReadAsByteArrayAsync());
        }

        // The sidecar of a dump that another database wrote into the same folder.
        var sidecar = Path.Combine(fixture.DumpFolder, "bench.geojson.json");
        var record = System.Text.Json.Nodes.JsonNode.Parse(await File.ReadAllTextAsync(sidecar))!;
        record["stamp"]!["database"] = "7000000000000000000:1";
        await File.WriteAllTextAsync(sidecar, record.ToJsonString());
        await using (var other = Restarted())
        {
            using var client = other.CreateClient();
            using var response = await client.GetAsync(url);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Empty(response.Headers.AcceptRanges);
        }
    }

    /// <summary>Another API process over the same database and dump folder, as after a restart.</summary>
    private Facilities.Testing.FacilitiesApp Restarted() =>
        new(fixture.Database, null, new Dictionary<string, string> { ["Exports:DumpFolder"] = fixture.DumpFolder },
            services => services.AddSingleton<TimeProvider>(fixture.ManualClock));

    private async Task EditAsync(string name)
    {
        await using var dataSource = fixture.Database.CreateDataSource();
        await FeedEdits.UpdateAsync(dataSource, fixture.QuotedId, name);
    }

    private Task<long> FeedPositionAsync() => fixture.ScalarAsync("select coalesce(max(seq), 0) from change_feed");

    private static long FeedPositionOf(HttpResponseMessage response) =>
        long.Parse(response.Headers.GetValues("Facilities-Feed-Position").Single(), CultureInfo.InvariantCulture);

    private IEnumerable<string> DumpFiles(string collection, string extension) =>
        Directory.EnumerateFiles(fixture.DumpFolder, $"{collection}.{extension}.*").Where(f => !f.EndsWith(".json", StringComparison.Ordinal));

    /// <summary>
    /// The dump holding <paramref name="body"/>: the server renames it into place once the last byte is written,
    /// which may come a moment after the client has read that byte.
    /// </summary>
    private async Task<string> DumpAsync(string collection, string extension, byte[] body)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            foreach (var file in DumpFiles(collection, extension))
            {
                if (new FileInfo(file).Length == body.Length && (await File.ReadAllBytesAsync(file)).AsSpan().SequenceEqual(body))
                {
                    return file;
                }
            }
            Assert.True(DateTime.UtcNow < deadline, $"no dump of {collection}.{extension} holds the download");
            await Task.Delay(50);
        }
    }

    /// <summary>An import of a partner's dataset finishing, as the import runner records it.</summary>
    private async Task FinishImportAsync()
    {
        await ExecuteAsync(
            "with p as (insert into partners (id, name) values (gen_random_uuid(), 'Dump test ' || gen_random_uuid()) returning id), " +
            "d as (insert into datasets (id, partner_id, kind, name, license, attribution) " +
            "      select gen_random_uuid(), id, 'official', 'Dump test', 'CC0-1.0', 'Dump test' from p returning id, partner_id) " +
            "insert into imports (id, dataset_id, partner_id, state, format, file_bytes, started_at, finished_at) " +
            "select gen_random_uuid(), id, partner_id, 'succeeded', 'csv', 0, now(), now() from d");
    }

    private async Task ExecuteAsync(string sql, params object[] args)
    {
        await using var dataSource = fixture.Database.CreateDataSource();
        await using var command = dataSource.CreateCommand(sql);
        foreach (var arg in args)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = arg });
        }
        await command.ExecuteNonQueryAsync();
    }
}
