using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Facilities.Api.Tests.Contributors;
using Npgsql;

namespace Facilities.Api.Tests.Faults;

/// <summary>Contributors whose writes give up a lock wait after one second, so a test can outlast it quickly.</summary>
public sealed class ShortLockWaitFixture : ContributorsFixture
{
    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["RateLimits:Enabled"] = "false",
        ["Facilities:LockTimeoutSeconds"] = "1",
    };
}

/// <summary>
/// A partner's long import holds the change-feed lock from its matching to its commit. Meanwhile every read answers,
/// and a write that cannot get the lock in time is refused with a 503 and Retry-After instead of hanging, failing
/// with a 500, or taking the readers' connections while it waits.
/// </summary>
public sealed class FeedLockTests(ShortLockWaitFixture fixture) : IClassFixture<ShortLockWaitFixture>
{
    [Fact]
    public async Task Reads_answer_while_an_import_holds_the_feed_lock_and_writes_that_cannot_get_it_are_503s_with_retry_after()
    {
        var facility = await fixture.CreateFacilityAsync(lat: 48.85, lon: 2.35);

        await using var dataSource = fixture.Database.CreateDataSource();
        await using var import = await dataSource.OpenConnectionAsync();
        await using var transaction = await import.BeginTransactionAsync();
        await using (var hold = new NpgsqlCommand("lock table change_feed in exclusive mode", import, transaction))
        {
            await hold.ExecuteNonQueryAsync();
        }

        // More waiting writers than any pool has connections.
        var writes = Enumerable.Range(0, 40).Select(i => fixture.Admin.Client.PostAsJsonAsync("/api/v1/proposals", new
        {
            kind = "create",
            location = new { lat = 48.0 + i * 0.01, lon = 2.0 },
            changes = new { category = "toilet", name = $"Blocked {i}" },
            comment = "Seen it",
        })).ToList();

        var reads = new[]
        {
            $"/api/v1/facilities/{facility}",
            "/api/v1/facilities?bbox=2.3,48.8,2.4,48.9",
            "/api/v1/facilities/clusters?zoom=12&bbox=2.3,48.8,2.4,48.9",
            "/api/v1/facilities/nearby?lat=48.85&lon=2.35&radius_m=500",
            "/healthz",
        };
        for (var round = 0; round < 3; round++)
        {
            foreach (var url in reads)
            {
                var stopwatch = Stopwatch.StartNew();
                using var response = await fixture.Anonymous.GetAsync(url);
                Assert.True(response.StatusCode == HttpStatusCode.OK, $"{url} answered {(int)response.StatusCode} after {stopwatch.ElapsedMilliseconds} ms: " +
                                                                      await response.Content.ReadAsStringAsync());
            }
        }

        foreach (var write in writes)
        {
            using var response = await write;
            var problem = await response.IsProblemAsync(HttpStatusCode.ServiceUnavailable);
            Assert.NotNull(response.Headers.RetryAfter?.Delta);
            Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()));
        }
        Assert.Equal(0, await fixture.ScalarAsync("select count(*) from facilities where name like 'Blocked %'"));

        await transaction.RollbackAsync();
        await fixture.CreateFacilityAsync(lat: 48.86, lon: 2.36);
    }
}
