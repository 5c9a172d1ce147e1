using Facilities.Api.Data;
using Facilities.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Facilities.Api.Tests.Replicas;

/// <summary>The hourly jobs run once per hour across replicas, whichever of them checks first.</summary>
public sealed class PeriodicJobTests : IAsyncLifetime
{
    private TestDatabase _database = null!;

    public async Task InitializeAsync() => _database = await TestDatabase.CreateAsync();

    public async Task DisposeAsync() => await _database.DisposeAsync();

    [Fact]
    public async Task Two_replicas_run_each_hourly_job_once()
    {
        await using var a = new FacilitiesApp(_database);
        using var clientA = a.CreateClient();
        await using var b = new FacilitiesApp(_database);
        using var clientB = b.CreateClient();
        await using var dataSource = _database.CreateDataSource();

        async Task<Dictionary<string, long>> RunsAsync()
        {
            await using var command = dataSource.CreateCommand("select name, runs from periodic_jobs");
            await using var reader = await command.ExecuteReaderAsync();
            var runs = new Dictionary<string, long>();
            while (await reader.ReadAsync())
            {
                runs[reader.GetString(0)] = reader.GetInt64(1);
            }
            return runs;
        }

        // Both replicas check at start; then each is asked again, at the same moment.
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while ((await RunsAsync()).Count < 4 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }
        var ran = await Task.WhenAll(
            a.Services.GetRequiredService<PeriodicJobs>().RunDueAsync(CancellationToken.None),
            b.Services.GetRequiredService<PeriodicJobs>().RunDueAsync(CancellationToken.None));

        Assert.Empty(ran.SelectMany(r => r));
        var runs = await RunsAsync();
        Assert.Equal(["confidence-ageing", "proposal-expiry", "rate-limit-sweep", "temporary-closure-ends"], runs.Keys.Order());
        Assert.All(runs.Values, count => Assert.Equal(1, count));

        // Once an hour has passed (moved back in the table), exactly one of them runs it again.
        await using (var age = dataSource.CreateCommand("update periodic_jobs set last_run_at = last_run_at - interval '61 minutes'"))
        {
            await age.ExecuteNonQueryAsync();
        }
        ran = await Task.WhenAll(
            a.Services.GetRequiredService<PeriodicJobs>().RunDueAsync(CancellationToken.None),
            b.Services.GetRequiredService<PeriodicJobs>().RunDueAsync(CancellationToken.None));
        Assert.Equal(4, ran.SelectMany(r => r).Count());
        Assert.All((await RunsAsync()).Values, count => Assert.Equal(2, count));
    }
}
