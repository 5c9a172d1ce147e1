using Facilities.Api.Data;
using Npgsql;

namespace Facilities.Api.Features.Proposals;

/// <summary>
/// Marks pending proposals past their expiry as expired, hourly, by one replica (Data/PeriodicJobs.cs; votes also
/// refuse an expired proposal at once, so the hour only delays what the queue shows). Expiry changes no reputation.
/// </summary>
public sealed class ProposalExpiry(NpgsqlDataSource dataSource, TimeProvider clock) : IPeriodicJob
{
    public string Name => "proposal-expiry";

    public TimeSpan Interval => TimeSpan.FromHours(1);

    public Task RunAsync(IServiceProvider services, CancellationToken ct) => ExpireAsync(dataSource, clock, ct);

    public static async Task<int> ExpireAsync(NpgsqlDataSource dataSource, TimeProvider clock, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(
            "update proposals set state = 'expired', decided_at = $1 where state = 'pending' and expires_at <= $1");
        command.Parameters.AddWithValue(clock.GetUtcNow().UtcDateTime);
        return await command.ExecuteNonQueryAsync(ct);
    }
}
