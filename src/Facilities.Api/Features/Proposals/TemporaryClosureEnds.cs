using System.Text.Json.Nodes;
using Facilities.Api.Data;
using Facilities.Api.Web;
using Mediator;
using Npgsql;

namespace Facilities.Api.Features.Proposals;

/// <summary>
/// Reopens the facilities whose temporary closure ended by <paramref name="Now"/>: a version that sets status back to
/// open and clears status_until, written by the change unit (feed, provenance, confidence) with no author.
/// </summary>
public sealed record EndTemporaryClosuresCommand(DateTime Now) : IRequest<int>, IWriteCommand
{
    /// <summary>Facilities reopened per pass at most; the rest wait for the next one.</summary>
    public const int BatchSize = 1000;
}

public sealed class EndTemporaryClosuresHandler(UnitOfWork unitOfWork) : IRequestHandler<EndTemporaryClosuresCommand, int>
{
    // The end date was part of the closure the votes (or the out-of-order reports) decided: as sure as that decision.
    private const double Confidence = 0.8;

    public async ValueTask<int> Handle(EndTemporaryClosuresCommand request, CancellationToken cancellationToken)
    {
        // The feed before the facility rows, as every writer does; the ids in order, the order the rows are locked in.
        await unitOfWork.Facilities.LockFeedAsync(cancellationToken);
        var ended = new List<(Guid Id, DateTime Until)>();
        await using (var find = new NpgsqlCommand(
            "select id, status_until from facilities where status = $3 and status_until <= $1 order by id limit $2",
            unitOfWork.Connection, unitOfWork.Transaction))
        {
            find.Parameters.AddWithValue(request.Now);
            find.Parameters.AddWithValue(EndTemporaryClosuresCommand.BatchSize);
            find.Parameters.AddWithValue(FacilityStatus.TemporarilyClosed.Name());
            await using var reader = await find.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                ended.Add((reader.GetGuid(0), reader.GetDateTime(1)));
            }
        }
        var reopened = 0;
        foreach (var (id, until) in ended)
        {
            var update = await unitOfWork.Facilities.UpdateAsync(id,
                new Dictionary<string, JsonNode?> { ["status"] = FacilityStatus.Open.Name(), ["status_until"] = null },
                new VersionSource(ProposalDecisions.CommunityDataset, id.ToString(), request.Now, Confidence,
                    $"The temporary closure ended ({until:yyyy-MM-dd HH:mm} UTC)."), cancellationToken);
            if (update is { Outcome: FacilityUpdateOutcome.Applied })
            {
                reopened++;
            }
        }
        return reopened;
    }
}

/// <summary>
/// Hourly, by one replica (Data/PeriodicJobs.cs), the temporary closures that have ended. Whether a
/// facility is open already reads past the end (<c>FacilityFeature.OpenAt</c>); this pass makes the stored status, the
/// exports, the change feed and the page say it too.
/// </summary>
public sealed class TemporaryClosureEnds(TimeProvider clock) : IPeriodicJob
{
    public string Name => "temporary-closure-ends";

    public TimeSpan Interval => TimeSpan.FromHours(1);

    public async Task RunAsync(IServiceProvider services, CancellationToken ct) =>
        await services.GetRequiredService<ISender>().Send(new EndTemporaryClosuresCommand(clock.GetUtcNow().UtcDateTime), ct);
}
