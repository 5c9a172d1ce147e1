using System.Diagnostics;
using System.Globalization;
using Facilities.Api.Data;
using Facilities.Api.Features.Nearby;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Facilities.Bench.Nearby;

/// <summary>How much work the real handler does per request, next to pgbench's one statement per point.</summary>
public sealed record NearbyRoundsResult(int Points, double WiderRoundShare, double AverageFeatures);

/// <summary>
/// Runs the real <see cref="NearbyHandler"/> in-process for a sample of query points and counts, through Npgsql's
/// tracing, the round trips it makes: when the first 40 candidates cannot prove the nearest 10 it asks again for
/// more, which pgbench's script (one statement per point) does not reproduce.
/// </summary>
public static class NearbyRounds
{
    public static async Task<NearbyRoundsResult> MeasureAsync(NpgsqlDataSource db, int points, int seed, CancellationToken ct)
    {
        await using var nearbyCandidates = new NearbyCandidates(new GenericPlanDataSource(db), NearbyCandidates.DefaultFetchers);
        // The handler reads the primary here: no standby is configured, and no request identifies a contributor.
        var services = new ServiceCollection().AddKeyedSingleton(DatabaseRegistration.Readers, db).BuildServiceProvider();
        var reads = new ReadSource(services, new HttpContextAccessor(),
            new StandbyLag(services, new ConfigurationBuilder().Build(), NullLogger<StandbyLag>.Instance));
        var handler = new NearbyHandler(nearbyCandidates, nearbyCandidates, reads, TimeProvider.System);
        var random = new Random(seed);
        var statements = 0;
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Npgsql",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
            ActivityStopped = activity =>
            {
                // One activity per command or batch executed; connection opens have no query text.
                if (activity.Tags.Any(t => t.Key is "db.statement" or "db.query.text"))
                {
                    Interlocked.Increment(ref statements);
                }
            },
        };
        ActivitySource.AddActivityListener(listener);

        var wider = 0;
        var features = 0L;
        for (var i = 0; i < points; i++)
        {
            var (lon, lat) = CityDistribution.QueryPoint(random);
            var before = Volatile.Read(ref statements);
            var result = await handler.Handle(new NearbyQuery(
                lat.ToString("F6", CultureInfo.InvariantCulture),
                lon.ToString("F6", CultureInfo.InvariantCulture),
                Limit: "10"), ct);
            features += result.Features.Count;
            if (Volatile.Read(ref statements) - before > 1)
            {
                wider++;
            }
        }
        // No statement seen at all means Npgsql's tracing changed, not that every request took one round.
        var share = statements == 0 ? double.NaN : (double)wider / points;
        return new NearbyRoundsResult(points, share, (double)features / points);
    }
}
