using System.Globalization;
using System.Text.Json.Nodes;
using Facilities.Api.Data;
using Facilities.Api.Features.Accounts;
using Facilities.Api.Features.Conflation;
using Facilities.Api.Features.Reputation;
using Facilities.Api.Web;
using FluentValidation;
using Mediator;
using Npgsql;

namespace Facilities.Api.Features.Proposals;

/// <summary>POST /api/v1/facilities/{id}/confirmations: "still here, as described".</summary>
public sealed record ConfirmCommand(Guid UserId, string FacilityId, JsonNode? Comment) : IRequest<ConfirmationResult>, IWriteCommand;

/// <summary>A confirmation's effect. verified: whether it refreshed last_verified_at (alone, at the privilege, or by
/// reaching the threshold); weight_since_verification: weighted confirmations since the last verification, one per account;
/// already_confirmed: this account had confirmed since then (the new one counts once with the earlier);
/// weight_needed and people_needed: what is still missing for a verification (0 once verified), people counted at the
/// weight of an account at the vote privilege.</summary>
public sealed record ConfirmationResult(Guid FacilityId, double Weight, double WeightSinceVerification, double Threshold, bool Verified,
    DateTime? LastVerifiedAt, double Confidence, bool AlreadyConfirmed, double WeightNeeded, int PeopleNeeded);

/// <summary>POST /api/v1/facilities/{id}/reports: a problem without an edit.</summary>
public sealed record ReportCommand(Guid UserId, string FacilityId, JsonNode? Reason, JsonNode? Comment) : IRequest<ReportResult>, IWriteCommand
{
    /// <summary>The reason given; null when it names none.</summary>
    public ReportReason? ReasonValue => WireName.Parse<ReportReason>(Json.Text(Reason));
}

/// <summary>What a report says is wrong (wire and SQL names through <see cref="WireName"/>).</summary>
public enum ReportReason
{
    Closed,
    OutOfOrder,
    Dirty,
    WrongLocation,
    NotPublic,
    Unsafe,
    Other,
}

/// <summary>What a report did (wire names through <see cref="WireName"/>).</summary>
public enum ReportEffect
{
    Recorded,
    TemporarilyClosed,
    ClosureProposed,
    ClosureSupported,
}

/// <summary>A report's effect: recorded, temporarily_closed, closure_proposed or closure_supported; and the facility's
/// confidence after it (an open report lowers it by its weight, see migration 0008). already_reported: this account had
/// made a report of this reason since the facility last changed. For out_of_order on an open facility: the weighted
/// reports since the last change (one per account), the threshold that closes it temporarily, and what is still missing
/// (weight, and people at the vote privilege's weight); null for other reasons.</summary>
public sealed record ReportResult(long Id, Guid FacilityId, string Reason, double Weight, string Effect, Guid? ProposalId, double Confidence,
    bool AlreadyReported, double? WeightSinceChange, double? Threshold, double? WeightNeeded, int? PeopleNeeded);

public sealed class ConfirmValidator : AbstractValidator<ConfirmCommand>
{
    public ConfirmValidator() => RuleFor(c => c.Comment).Must(OptionalComment.IsValid).WithMessage(OptionalComment.Message);
}

public sealed class ReportValidator : AbstractValidator<ReportCommand>
{
    public ReportValidator()
    {
        RuleFor(c => c.Reason).Must((c, _) => c.ReasonValue is not null).WithMessage($"Must be one of: {string.Join(", ", WireName.All<ReportReason>())}.");
        RuleFor(c => c.Comment).Must(OptionalComment.IsValid).WithMessage(OptionalComment.Message);
    }
}

internal static class OptionalComment
{
    public const string Message = "When given, must be a non-empty string of at most 2000 characters.";

    public static bool IsValid(JsonNode? comment) => comment is null || (Json.Text(comment) is { } text && text.Trim().Length > 0 && text.Length <= 2000);
}

public sealed class ConfirmationAndReportHandlers(UnitOfWork unitOfWork, ReputationRules rules, ProposalDecisions decisions,
    ISender sender, TimeProvider clock) : IRequestHandler<ConfirmCommand, ConfirmationResult>, IRequestHandler<ReportCommand, ReportResult>
{
    public async ValueTask<ConfirmationResult> Handle(ConfirmCommand request, CancellationToken cancellationToken)
    {
        var (connection, transaction) = (unitOfWork.Connection, unitOfWork.Transaction);
        var user = await Contributor.WriterAsync(connection, transaction, request.UserId, cancellationToken);
        var id = ParseId(request.FacilityId);
        var now = clock.GetUtcNow().UtcDateTime;
        // Only scores move (no attribute, so no version, and no feed lock). The row lock comes first: two
        // confirmations count each other's weight, and the confidence each writes includes the other's verification.
        var facility = await unitOfWork.Facilities.LockAsync(id, cancellationToken) ?? throw new NotFoundException("facility", request.FacilityId);
        if (facility.Status == FacilityStatus.Removed)
        {
            throw new DomainException(StatusCodes.Status409Conflict, "Conflict", "This facility is removed: propose a reopen instead.");
        }
        var lastVerified = facility.LastVerifiedAt;

        var weight = rules.Weight(user.Reputation);
        var already = await ScalarAsync(connection, transaction,
            "select count(*) from confirmations where facility_id = $1 and user_id = $2 and created_at > $3", cancellationToken,
            id, user.Id, lastVerified ?? DateTime.MinValue) > 0;
        var confirmationId = (long)await ScalarAsync(connection, transaction,
            "insert into confirmations (facility_id, user_id, weight, comment, created_at) values ($1, $2, $3, $4, $5) returning id",
            cancellationToken, id, user.Id, weight, (object?)Json.Text(request.Comment)?.Trim() ?? DBNull.Value, now);
        // One weight per account: confirming twice does not count twice.
        var since = await ScalarAsync(connection, transaction,
            "select coalesce(sum(w), 0) from (select max(weight) w from confirmations where facility_id = $1 and created_at > $2 " +
            "group by user_id) c", cancellationToken, id, lastVerified ?? DateTime.MinValue);
        var verified = user.IsReviewer || user.Reputation >= rules.ApplyUpdatesAtOnce || since >= rules.ConfirmationThreshold - 1e-9;
        if (verified)
        {
            lastVerified = now;
            await ProposalDecisions.Execute(connection, transaction, "update confirmations set verified = true where id = $1", cancellationToken,
                confirmationId);
            await unitOfWork.Facilities.MarkVerifiedAsync(id, now, cancellationToken);
        }
        var confidence = await unitOfWork.Facilities.ConfidenceAsync(id, cancellationToken);
        var needed = verified ? 0 : Math.Max(0, rules.ConfirmationThreshold - since);
        return new ConfirmationResult(id, Math.Round(weight, 4), Math.Round(since, 4), rules.ConfirmationThreshold, verified, lastVerified,
            Math.Round(confidence, 3), already, Math.Round(needed, 4), PeopleFor(needed));
    }

    public async ValueTask<ReportResult> Handle(ReportCommand request, CancellationToken cancellationToken)
    {
        var (connection, transaction) = (unitOfWork.Connection, unitOfWork.Transaction);
        var user = await Contributor.WriterAsync(connection, transaction, request.UserId, cancellationToken);
        var id = ParseId(request.FacilityId);
        var reason = request.ReasonValue!.Value;
        var comment = Json.Text(request.Comment)?.Trim();
        var now = clock.GetUtcNow().UtcDateTime;
        // The lock order: a closed report may vote on the facility's pending closure proposal, whose row comes first;
        // a report that may change the facility takes the feed lock next; then the facility's row, before the report
        // references it (inserting takes a key-share lock, and two reports each holding one while waiting to lock the
        // row for its confidence would deadlock).
        var pendingClosure = reason == ReportReason.Closed ? await LockPendingClosureAsync(id, cancellationToken) : null;
        if (reason is ReportReason.OutOfOrder or ReportReason.Closed)
        {
            await unitOfWork.Facilities.LockFeedAsync(cancellationToken);
        }
        var facility = await unitOfWork.Facilities.LockAsync(id, cancellationToken) ?? throw new NotFoundException("facility", request.FacilityId);
        var (status, updatedAt) = (facility.Status, facility.UpdatedAt);
        if (status == FacilityStatus.Removed)
        {
            throw new DomainException(StatusCodes.Status409Conflict, "Conflict", "This facility is removed already.");
        }
        var weight = rules.Weight(user.Reputation);
        var alreadyReported = await ScalarAsync(connection, transaction,
            "select count(*) from reports where facility_id = $1 and user_id = $2 and reason = $3 and created_at >= $4", cancellationToken,
            id, user.Id, reason.Name(), updatedAt) > 0;
        var reportId = (long)(await ScalarAsync(connection, transaction,
            "insert into reports (facility_id, user_id, reason, comment, weight, created_at) values ($1, $2, $3, $4, $5, $6) returning id",
            cancellationToken, id, user.Id, reason.Name(), (object?)comment ?? DBNull.Value, weight, now));

        var effect = ReportEffect.Recorded;
        Guid? proposalId = null;
        double? total = null;
        if (reason == ReportReason.OutOfOrder && status == FacilityStatus.Open)
        {
            // Reports since the facility last changed, one weight per account: a reopened facility starts afresh.
            total = await ScalarAsync(connection, transaction,
                "select coalesce(sum(w), 0) from (select max(weight) w from reports where facility_id = $1 and reason = 'out_of_order' " +
                "and created_at >= $2 group by user_id) r", cancellationToken, id, updatedAt);
            // A status a partner or an operator owns is the owner's to close: the reports reach it instead.
            var statusOwned = (await OwnedAttributes.ListAsync(connection, transaction, id, ["status"], cancellationToken)).Length > 0;
            if (!statusOwned && (user.IsReviewer || user.Reputation >= rules.ApplyUpdatesAtOnce || total >= rules.OutOfOrderThreshold - 1e-9)
                && await CloseTemporarilyAsync(id, user, now, cancellationToken))
            {
                effect = ReportEffect.TemporarilyClosed;
            }
        }
        else if (reason == ReportReason.Closed)
        {
            (effect, proposalId) = await ProposeClosureAsync(id, pendingClosure, user, comment, cancellationToken);
            await ProposalDecisions.Execute(connection, transaction, "update reports set proposal_id = $2 where id = $1", cancellationToken,
                reportId, proposalId.Value);
        }
        // After whatever the report changed: a closure it applied is a new version, which answers it.
        var confidence = await unitOfWork.Facilities.ConfidenceAsync(id, cancellationToken);
        var missing = total is { } t ? (effect == ReportEffect.TemporarilyClosed ? 0 : Math.Max(0, rules.OutOfOrderThreshold - t)) : (double?)null;
        return new ReportResult(reportId, id, reason.Name(), Math.Round(weight, 4), effect.Name(), proposalId, Math.Round(confidence, 3),
            alreadyReported, total is { } w ? Math.Round(w, 4) : null, total is null ? null : rules.OutOfOrderThreshold,
            missing is { } m ? Math.Round(m, 4) : null, missing is { } n ? PeopleFor(n) : null);
    }

    private async Task<bool> CloseTemporarilyAsync(Guid id, Contributor user, DateTime now, CancellationToken ct)
    {
        var until = now.AddHours(rules.OutOfOrderClosureHours);
        var update = await unitOfWork.Facilities.UpdateAsync(id,
            new Dictionary<string, JsonNode?>
            {
                ["status"] = FacilityStatus.TemporarilyClosed.Name(),
                ["status_until"] = until.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
            },
            new VersionSource(ProposalDecisions.CommunityDataset, id.ToString(), now, 0.6,
                $"out_of_order reports reached the threshold: temporarily closed for {rules.OutOfOrderClosureHours} h", user.Id, user.Name), ct);
        // The writer locked the row: a concurrent report may have closed it first, which is no second change.
        return update is { Outcome: FacilityUpdateOutcome.Applied, Before.Status: FacilityStatus.Open };
    }

    // The facility's pending closure proposal, locked, if it has one.
    private async Task<ProposalRow?> LockPendingClosureAsync(Guid id, CancellationToken ct)
    {
        var (connection, transaction) = (unitOfWork.Connection, unitOfWork.Transaction);
        await using var find = new NpgsqlCommand(
            "select id from proposals where facility_id = $1 and kind = $2 and state = $3 order by id limit 1", connection, transaction);
        find.Parameters.AddWithValue(id);
        find.Parameters.AddWithValue(ProposalKind.Close.Name());
        find.Parameters.AddWithValue(ProposalState.Pending.Name());
        return await find.ExecuteScalarAsync(ct) is Guid pending
            && await ProposalRow.LockAsync(connection, transaction, pending, ct) is { State: ProposalState.Pending } proposal
            ? proposal
            : null;
    }

    // A closed report supports the pending closure proposal of the facility (as an up vote), or becomes one.
    private async Task<(ReportEffect Effect, Guid ProposalId)> ProposeClosureAsync(Guid id, ProposalRow? pending, Contributor user, string? comment,
        CancellationToken ct)
    {
        if (pending is not null)
        {
            if (pending.AuthorId != user.Id)
            {
                await decisions.CastAsync(pending, user, VoteDirection.Up, comment ?? "Reported closed", ct);
            }
            return (ReportEffect.ClosureSupported, pending.Id);
        }
        // Sent, not called: the proposal is validated like any other, and joins this report's transaction.
        var created = await sender.Send(
            new CreateProposalCommand(user.Id, ProposalKind.Close.Name(), id.ToString(), null, null, null, null, comment ?? "Reported closed"), ct);
        return (ReportEffect.ClosureProposed, created.Id);
    }

    /// <summary>How many more accounts at the vote privilege's weight make up <paramref name="weight"/>.</summary>
    private int PeopleFor(double weight) => weight <= 1e-9 ? 0 : (int)Math.Ceiling((weight - 1e-9) / rules.Weight(rules.Vote));

    private static Guid ParseId(string id) => Guid.TryParse(id, out var guid) ? guid : throw new NotFoundException("facility", id);

    private static async Task<double> ScalarAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, CancellationToken ct,
        params object[] values)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        foreach (var value in values)
        {
            command.Parameters.AddWithValue(value);
        }
        return Convert.ToDouble(await command.ExecuteScalarAsync(ct), CultureInfo.InvariantCulture);
    }
}
