using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Facilities.Api.Tests.Contributors;
using Facilities.Api.Tests.Partners;
using Facilities.Testing;

namespace Facilities.Api.Tests.Faults;

/// <summary>The API over a database on a cluster of its own, which the test crashes and starts again.</summary>
public sealed class CrashableDatabaseFixture : ApiFixture
{
    public ThrowawayPostgres Cluster { get; private set; } = null!;

    protected override async Task<TestDatabase> CreateDatabaseAsync()
    {
        Cluster = await ThrowawayPostgres.StartAsync();
        return await TestDatabase.CreateEmptyAsync(Cluster.ServerConnectionString);
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await Cluster.DisposeAsync();
    }
}

/// <summary>
/// PostgreSQL crashes while a partner's import runs, and comes back a few seconds later. Meanwhile every request —
/// reads, and writes: proposals and votes — is a 503 with Retry-After that changed nothing, and health names the
/// database; afterwards the writes the clients repeat succeed at the first try, each once, reads answer at once (not on
/// connections the crash broke), the interrupted import runs again to completion without an API restart and says it
/// was interrupted, and an import uploaded right after the restart runs too.
/// </summary>
public sealed class PostgresCrashTests(CrashableDatabaseFixture fixture) : IClassFixture<CrashableDatabaseFixture>
{
    private const int Rows = 20_000;

    /// <summary>Proposals sent while PostgreSQL is down, and again once it is back.</summary>
    private const int Creates = 6;

    [Fact]
    public async Task An_import_cut_short_by_a_postgresql_crash_runs_again_without_an_api_restart_and_so_does_the_next()
    {
        using var partner = await PartnerClient.CreateAsync(fixture, "Crash");
        var dataset = await partner.CreateDatasetAsync(new
        {
            name = "Crash",
            license = "CC-BY-4.0",
            attribution = "test",
            category = "toilet",
            mapping = new JsonObject { ["id"] = "id", ["lon"] = "lon", ["lat"] = "lat", ["name"] = "name" },
        });
        // Every read the page makes, warmed so that each has pooled connections for the crash to break.
        string[] reads =
        [
            "/api/v1/facilities/nearby?lat=-33.8&lon=151.2&radius_m=2000",
            "/api/v1/facilities?bbox=151.1,-33.9,151.3,-33.7",
            "/api/v1/facilities/clusters?zoom=12&bbox=151.1,-33.9,151.3,-33.7",
            "/healthz",
        ];
        foreach (var url in reads)
        {
            Assert.Equal(HttpStatusCode.OK, (await fixture.Client.GetAsync(url)).StatusCode);
        }
        // Contributors writing, so that the writers' pool has connections for the crash to break too.
        using var author = await Contributor.SignUpAsync(fixture);
        using var voter = await Contributor.SignUpAsync(fixture);
        using var otherVoter = await Contributor.SignUpAsync(fixture);
        using var proposed = await ProposeAsync(author, "Before the crash");
        Assert.Equal(HttpStatusCode.Created, proposed.StatusCode);
        var proposal = JsonNode.Parse(await proposed.Content.ReadAsStringAsync())!["id"]!.GetValue<Guid>();

        var csv = new StringBuilder("id,lon,lat,name\n");
        for (var i = 0; i < Rows; i++)
        {
            csv.Append(CultureInfo.InvariantCulture, $"{i},{151.0 + i % 200 * 0.002:F5},{-34.0 + i / 200 * 0.002:F5},Toilet {i}\n");
        }
        var upload = await partner.UploadAsync(dataset, "big.csv", Encoding.UTF8.GetBytes(csv.ToString()));
        Assert.Equal(HttpStatusCode.Accepted, upload.StatusCode);
        var big = upload.Headers.Location!.ToString();
        var running = await WaitForAsync(partner, big, state => state is not "queued");
        Assert.True((string?)running["state"] == "running", "the import ended before the crash: " + running.ToJsonString());
        await Task.Delay(300);

        await fixture.Cluster.CrashAsync();

        using (var health = await fixture.Client.GetAsync("/healthz"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
            Assert.NotNull(health.Headers.RetryAfter);
            var description = JsonDocument.Parse(await health.Content.ReadAsStringAsync()).RootElement
                .GetProperty("checks").GetProperty("database").GetProperty("description").GetString();
            Assert.StartsWith("PostgreSQL does not answer", description, StringComparison.Ordinal);
        }
        foreach (var url in reads[..3])
        {
            using var down = await fixture.Client.GetAsync(url);
            await down.IsProblemAsync(HttpStatusCode.ServiceUnavailable);
            Assert.NotNull(down.Headers.RetryAfter);
        }
        await (await partner.UploadAsync(dataset, "while-down.csv", "id,lon,lat,name\n1,151.5,-33.5,Down\n"u8.ToArray()))
            .IsProblemAsync(HttpStatusCode.ServiceUnavailable);
        // Writes while it is down, several at once: creates and votes, each a 503 with Retry-After.
        var outage = Enumerable.Range(0, Creates).Select(i => ProposeAsync(author, $"During the crash {i}"))
            .Concat(Enumerable.Range(0, 3).SelectMany(_ => new[] { VoteAsync(voter, proposal), VoteAsync(otherVoter, proposal) }));
        foreach (var refused in await Task.WhenAll(outage))
        {
            using (refused)
            {
                await refused.IsProblemAsync(HttpStatusCode.ServiceUnavailable);
                Assert.NotNull(refused.Headers.RetryAfter?.Delta);
            }
        }

        await Task.Delay(2000);
        await fixture.Cluster.StartServerAsync();

        // Nothing of the refused writes was stored; repeated now, as Retry-After said, each succeeds at the first try.
        Assert.Equal(0, await CountAsync("select count(*) from proposals where comment like 'During the crash %'"));
        Assert.Equal(0, await CountAsync("select count(*) from votes"));
        for (var i = 0; i < Creates; i++)
        {
            using var created = await ProposeAsync(author, $"During the crash {i}");
            Assert.True(created.StatusCode == HttpStatusCode.Created, $"create {i} after the restart answered {(int)created.StatusCode}: " +
                                                                      await created.Content.ReadAsStringAsync());
        }
        foreach (var account in new[] { voter, otherVoter })
        {
            using var voted = await VoteAsync(account, proposal);
            Assert.True(voted.IsSuccessStatusCode, $"a vote after the restart answered {(int)voted.StatusCode}: {await voted.Content.ReadAsStringAsync()}");
        }
        Assert.Equal(Creates, await CountAsync("select count(distinct comment) from proposals where comment like 'During the crash %'"));
        Assert.Equal(Creates, await CountAsync("select count(*) from proposals where comment like 'During the crash %'"));
        Assert.Equal(2, await CountAsync("select count(*) from votes"));

        // The first requests after the restart meet the connections the crash broke, and still answer.
        foreach (var url in reads)
        {
            using var back = await fixture.Client.GetAsync(url);
            Assert.True(back.StatusCode == HttpStatusCode.OK, $"{url} answered {(int)back.StatusCode} after the restart: {await back.Content.ReadAsStringAsync()}");
        }

        var next = await partner.UploadAsync(dataset, "next.csv", "id,lon,lat,name\nn1,152.5,-32.5,Next\n"u8.ToArray());
        Assert.Equal(HttpStatusCode.Accepted, next.StatusCode);

        var finished = await WaitForAsync(partner, big, state => state is "succeeded" or "failed");
        Assert.Equal("succeeded", (string?)finished["state"]);
        Assert.Equal(Rows, (int)finished["report"]!["created"]!);
        Assert.True((int)finished["attempts"]! >= 2, finished.ToJsonString());
        var interruption = finished["interruptions"]!.AsArray()[0]!;
        Assert.Contains("database", (string?)interruption["reason"], StringComparison.Ordinal);

        var second = await WaitForAsync(partner, next.Headers.Location!.ToString(), state => state is "succeeded" or "failed");
        Assert.Equal("succeeded", (string?)second["state"]);
        Assert.Equal(1, (int)second["report"]!["created"]!);
        Assert.Equal(Rows + 1, await Db.CountAsync(fixture.Database, "select count(*) from facilities"));
    }

    /// <summary>A new contributor's proposal of a toilet, pending until voted on; the comment tells the proposals apart.</summary>
    private static Task<HttpResponseMessage> ProposeAsync(HttpClient author, string comment) =>
        author.PostAsJsonAsync("/api/v1/proposals", new
        {
            kind = "create",
            location = new { lat = -33.5, lon = 150.5 },
            changes = new { category = "toilet", name = "Crash test toilet" },
            comment,
        });

    private static Task<HttpResponseMessage> VoteAsync(HttpClient voter, Guid proposal) =>
        voter.PostAsJsonAsync($"/api/v1/proposals/{proposal}/votes", new { vote = "up" });

    private Task<long> CountAsync(string sql) => Db.CountAsync(fixture.Database, sql);

    private async Task<JsonNode> WaitForAsync(PartnerClient partner, string location, Func<string?, bool> done)
    {
        var last = "";
        for (var attempt = 0; attempt < 6000; attempt++)
        {
            using var response = await partner.Http.GetAsync(location);
            last = await response.Content.ReadAsStringAsync();
            if (response.StatusCode == HttpStatusCode.OK)
            {
                var import = JsonNode.Parse(last)!;
                if (done((string?)import["state"]))
                {
                    return import;
                }
            }
            await Task.Delay(100);
        }
        throw new TimeoutException($"The import at {location} did not get there in 10 minutes: {last}; the server's log ends: {fixture.Cluster.LogTail()}");
    }
}
