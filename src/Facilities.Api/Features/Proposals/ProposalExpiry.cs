using Npgsql;

namespace Facilities.Api.Features.Proposals;

/// <summary>
/// Marks pending proposals past their expiry as expired, hourly (votes also refuse an expired proposal at once, so
/// the hour only delays what the queue shows). Expiry changes no reputation.
/// </summary>
public sealed class ProposalExpiry(NpgsqlDataSource dataSource, TimeProvider clock, ILogger<ProposalExpiry> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromHours(1), clock);
        do
        {
            try
            {
                await ExpireAsync(dataSource, clock, stoppingToken);
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException)
            {
                logger.LogWarning(e, "Expiring proposals failed; trying again in an hour");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    public static async Task<int> ExpireAsync(NpgsqlDataSource dataSource, TimeProvider clock, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(
            "update proposals set state = 'expired', decided_at = $1 where state = 'pending' and expires_at <= $1");
        command.Parameters.AddWithValue(clock.GetUtcNow().UtcDateTime);
        return await command.ExecuteNonQueryAsync(ct);
    }
}
