using Facilities.Api.Data;
using Facilities.Api.Features.Reputation;
using Npgsql;

namespace Facilities.Api.Features.Proposals;

/// <summary>
/// Hourly, the facilities whose confidence changed by time alone: a report that has just become too old to be open,
/// a verification that has just left its year (<c>facility_confidence</c>, migration 0008). Confidence is stored, not
/// computed on read, so without this pass a facility nobody touches would keep an old report's weight forever.
/// </summary>
public sealed class ConfidenceAgeing(NpgsqlDataSource dataSource, ReputationRules rules, TimeProvider clock, ILogger<ConfidenceAgeing> logger)
    : BackgroundService
{
    // What crossed a window's edge during the last day: each hourly pass overlaps the previous ones (rewriting
    // nothing: only values that move are written), so a pass missed by a restart is made up by the next.
    private const string AgedOutSql =
        "select facility_id from reports where created_at <= $2 - make_interval(days => $6) " +
        "  and created_at > $2 - make_interval(days => $6) - interval '1 day' " +
        "union select facility_id from confirmations where verified and created_at <= $2 - make_interval(days => $4) " +
        "  and created_at > $2 - make_interval(days => $4) - interval '1 day'";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromHours(1), clock);
        do
        {
            try
            {
                await AgeAsync(dataSource, rules, clock.GetUtcNow().UtcDateTime, stoppingToken);
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException)
            {
                logger.LogWarning(e, "Ageing confidence failed; trying again in an hour");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <returns>How many stored values moved.</returns>
    public static ValueTask<long> AgeAsync(NpgsqlDataSource dataSource, ReputationRules rules, DateTime now, CancellationToken ct) =>
        WriteTransaction.RunAsync(dataSource, (connection, transaction) =>
            FacilityConfidence.RefreshAsync(connection, transaction, AgedOutSql, now, rules.ConfidenceParameters(), ct), ct);
}
