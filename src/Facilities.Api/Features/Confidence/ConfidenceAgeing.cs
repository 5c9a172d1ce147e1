using Facilities.Api.Data;
using Facilities.Api.Web;
using Mediator;

namespace Facilities.Api.Features.Confidence;

/// <summary>Recomputes the facilities whose confidence changed by time alone since a day before <paramref name="Now"/>.</summary>
public sealed record AgeConfidenceCommand(DateTime Now) : IRequest<Unit>, IWriteCommand;

public sealed class AgeConfidenceHandler(UnitOfWork unitOfWork) : IRequestHandler<AgeConfidenceCommand, Unit>
{
    // What crossed a window's edge during the last day: each hourly pass overlaps the previous ones (rewriting
    // nothing: only values that move are written), so a pass missed by a restart is made up by the next.
    private const string AgedOutSql =
        "select facility_id from reports where created_at <= $2 - make_interval(days => $6) " +
        "  and created_at > $2 - make_interval(days => $6) - interval '1 day' " +
        "union select facility_id from confirmations where verified and created_at <= $2 - make_interval(days => $4) " +
        "  and created_at > $2 - make_interval(days => $4) - interval '1 day'";

    public ValueTask<Unit> Handle(AgeConfidenceCommand request, CancellationToken cancellationToken)
    {
        unitOfWork.Facilities.Touch(AgedOutSql, request.Now);
        return ValueTask.FromResult(Unit.Value);
    }
}

/// <summary>
/// Hourly, by one replica (Data/PeriodicJobs.cs), the facilities whose confidence changed by time alone: a report that
/// has just become too old to be open, a verification that has just left its year (<c>facility_confidence</c>,
/// migration 0008). Confidence is stored, not computed on read, so without this pass a facility nobody touches would
/// keep an old report's weight forever.
/// </summary>
public sealed class ConfidenceAgeing(TimeProvider clock) : IPeriodicJob
{
    public string Name => "confidence-ageing";

    public TimeSpan Interval => TimeSpan.FromHours(1);

    public async Task RunAsync(IServiceProvider services, CancellationToken ct) =>
        await services.GetRequiredService<ISender>().Send(new AgeConfidenceCommand(clock.GetUtcNow().UtcDateTime), ct);
}
