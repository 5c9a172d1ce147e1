using System.Text.Json.Nodes;
using Facilities.Api.Data;
using Facilities.Api.Features.Accounts;
using Facilities.Api.Features.Conflation;
using Facilities.Api.Web;
using FluentValidation;
using Mediator;
using Npgsql;

namespace Facilities.Api.Features.Claims;

/// <summary>POST /api/v1/facilities/{id}/claims: an operator asks to own chosen attributes of a facility it runs.</summary>
public sealed record ClaimFacilityCommand(Guid UserId, string FacilityId, JsonNode? Evidence, JsonNode? Contact, JsonNode? Attributes)
    : IRequest<ClaimView>, IWriteCommand;

/// <summary>POST /api/v1/claims/{id}/approve: a moderator makes the claimant the owner of the claimed attributes.</summary>
public sealed record ApproveClaimCommand(Guid ModeratorId, string ClaimId, JsonNode? Note) : IRequest<ClaimView>, IWriteCommand;

/// <summary>POST /api/v1/claims/{id}/reject: a moderator refuses a pending claim, saying why.</summary>
public sealed record RejectClaimCommand(Guid ModeratorId, string ClaimId, JsonNode? Reason) : IRequest<ClaimView>, IWriteCommand;

/// <summary>POST /api/v1/claims/{id}/revoke: the operator itself or a moderator ends a claim; ownership ends with it.</summary>
public sealed record RevokeClaimCommand(Guid UserId, string ClaimId, JsonNode? Reason) : IRequest<ClaimView>, IWriteCommand;

public sealed class ClaimFacilityValidator : AbstractValidator<ClaimFacilityCommand>
{
    public ClaimFacilityValidator()
    {
        RuleFor(c => c.Evidence).ClaimEvidence();
        RuleFor(c => c.Contact).ClaimContact();
        RuleFor(c => c.Attributes).ClaimAttributes();
    }
}

public sealed class ApproveClaimValidator : AbstractValidator<ApproveClaimCommand>
{
    public ApproveClaimValidator() => RuleFor(c => c.Note).Must(ClaimFields.IsNote).WithMessage(ClaimFields.NoteMessage);
}

public sealed class RejectClaimValidator : AbstractValidator<RejectClaimCommand>
{
    public RejectClaimValidator() => RuleFor(c => c.Reason).Must(ClaimFields.IsReason).WithMessage(ClaimFields.ReasonMessage);
}

public sealed class RevokeClaimValidator : AbstractValidator<RevokeClaimCommand>
{
    public RevokeClaimValidator() => RuleFor(c => c.Reason).Must(ClaimFields.IsReason).WithMessage(ClaimFields.ReasonMessage);
}

/// <summary>
/// Claims and the decisions on them. Lock order, as every writer keeps it (Data/FacilityChanges.cs): the facility row,
/// then the claim. Locking the facility serialises claims and approvals on it, so two operators are never approved for
/// the same attribute at once. None of this writes a facility version: ownership changes who may edit, not the facility.
/// </summary>
public sealed class ClaimHandlers(UnitOfWork unitOfWork, TimeProvider clock) :
    IRequestHandler<ClaimFacilityCommand, ClaimView>, IRequestHandler<ApproveClaimCommand, ClaimView>,
    IRequestHandler<RejectClaimCommand, ClaimView>, IRequestHandler<RevokeClaimCommand, ClaimView>
{
    public async ValueTask<ClaimView> Handle(ClaimFacilityCommand request, CancellationToken cancellationToken)
    {
        var (connection, transaction, ct) = (unitOfWork.Connection, unitOfWork.Transaction, cancellationToken);
        var operatorAccount = await Contributor.WriterAsync(connection, transaction, request.UserId, ct);
        var facilityId = Guid.TryParse(request.FacilityId, out var parsed) ? parsed : throw new NotFoundException("facility", request.FacilityId);
        var facility = await unitOfWork.Facilities.LockAsync(facilityId, ct) ?? throw new NotFoundException("facility", request.FacilityId);
        if (facility.Status == FacilityStatus.Removed)
        {
            throw new DomainException(StatusCodes.Status409Conflict, "Conflict", "This facility is removed: it cannot be claimed.");
        }
        await using (var open = new NpgsqlCommand(
            "select state from operator_claims where facility_id = $1 and user_id = $2 and state in ('pending', 'approved')", connection, transaction))
        {
            open.Parameters.AddWithValue(facilityId);
            open.Parameters.AddWithValue(operatorAccount.Id);
            if (await open.ExecuteScalarAsync(ct) is string state)
            {
                throw new DomainException(StatusCodes.Status409Conflict, "Claimed already",
                    $"You have a claim on this facility that is {state} already: revoke it before you claim again.");
            }
        }
        var attributes = ClaimFields.Attributes(request.Attributes);
        await RefuseOwnedAsync(connection, transaction, facilityId, attributes, ct);
        var id = await InsertAsync(connection, transaction, facilityId, null, operatorAccount.Id, ClaimState.Pending, attributes,
            ClaimRows.Trimmed(request.Evidence), ClaimRows.Trimmed(request.Contact), clock.GetUtcNow().UtcDateTime, null, ct);
        return await ClaimRows.ViewAsync(connection, transaction, id, ct);
    }

    public async ValueTask<ClaimView> Handle(ApproveClaimCommand request, CancellationToken cancellationToken)
    {
        var (connection, transaction, ct) = (unitOfWork.Connection, unitOfWork.Transaction, cancellationToken);
        var moderator = await Contributor.ReviewerAsync(connection, transaction, request.ModeratorId, ct);
        var id = ClaimRows.ParseId(request.ClaimId);
        if (await ClaimRows.FacilityOfAsync(connection, transaction, id, ct) is { } facilityId)
        {
            await unitOfWork.Facilities.LockAsync(facilityId, ct);
        }
        var claim = await ClaimRows.LockAsync(connection, transaction, id, ct) ?? throw new NotFoundException("claim", request.ClaimId);
        RequireState(claim, ClaimState.Approved, ClaimState.Pending);
        if (claim.FacilityId is not { } facility)
        {
            throw new DomainException(StatusCodes.Status409Conflict, "Conflict",
                "This claim waits for its facility: the create proposal it came with is not accepted yet.");
        }
        await RefuseOwnedAsync(connection, transaction, facility, claim.Attributes, ct);
        await DecideAsync(connection, transaction, claim.Id, ClaimState.Approved, moderator.Id, Json.Text(request.Note)?.Trim(), ct);
        return await ClaimRows.ViewAsync(connection, transaction, claim.Id, ct);
    }

    public async ValueTask<ClaimView> Handle(RejectClaimCommand request, CancellationToken cancellationToken)
    {
        var (connection, transaction, ct) = (unitOfWork.Connection, unitOfWork.Transaction, cancellationToken);
        var moderator = await Contributor.ReviewerAsync(connection, transaction, request.ModeratorId, ct);
        var claim = await ClaimRows.LockAsync(connection, transaction, ClaimRows.ParseId(request.ClaimId), ct)
            ?? throw new NotFoundException("claim", request.ClaimId);
        RequireState(claim, ClaimState.Rejected, ClaimState.Pending);
        await DecideAsync(connection, transaction, claim.Id, ClaimState.Rejected, moderator.Id, ClaimRows.Trimmed(request.Reason), ct);
        return await ClaimRows.ViewAsync(connection, transaction, claim.Id, ct);
    }

    public async ValueTask<ClaimView> Handle(RevokeClaimCommand request, CancellationToken cancellationToken)
    {
        var (connection, transaction, ct) = (unitOfWork.Connection, unitOfWork.Transaction, cancellationToken);
        var account = await Contributor.WriterAsync(connection, transaction, request.UserId, ct);
        var claim = await ClaimRows.LockAsync(connection, transaction, ClaimRows.ParseId(request.ClaimId), ct);
        // Another account's claim is not found: its existence is the claimant's and the moderators' to know.
        if (claim is null || (claim.UserId != account.Id && !account.IsReviewer))
        {
            throw new NotFoundException("claim", request.ClaimId);
        }
        RequireState(claim, ClaimState.Revoked, ClaimState.Pending, ClaimState.Approved);
        await DecideAsync(connection, transaction, claim.Id, ClaimState.Revoked, account.Id, ClaimRows.Trimmed(request.Reason), ct);
        return await ClaimRows.ViewAsync(connection, transaction, claim.Id, ct);
    }

    /// <summary>
    /// A claim of attributes someone else owns is a 409 naming them: another approved operator, or a partner's dataset
    /// (the official source, whose imports would overwrite the operator's edits).
    /// </summary>
    internal static async Task RefuseOwnedAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid facilityId, string[] attributes,
        CancellationToken ct)
    {
        var owners = await OwnedAttributes.OwnersAsync(connection, transaction, facilityId, attributes, null, ct);
        var byOperator = string.Join(", ", owners.Where(o => o.ClaimId is not null).Select(o => o.Attribute).Distinct());
        if (byOperator.Length > 0)
        {
            throw new DomainException(StatusCodes.Status409Conflict, "Owned already", $"An approved operator owns {byOperator} of this facility already.");
        }
        var byPartner = string.Join(", ", owners.Where(o => o.DatasetId is not null).Select(o => o.Attribute).Distinct());
        if (byPartner.Length > 0)
        {
            throw new DomainException(StatusCodes.Status409Conflict, "Owned already",
                $"A partner's dataset owns {byPartner} of this facility: the partner's data is its official source.");
        }
    }

    internal static async Task<Guid> InsertAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid? facilityId, Guid? proposalId,
        Guid userId, ClaimState state, string[] attributes, string evidence, string contact, DateTime now, string? note, CancellationToken ct)
    {
        var id = Guid.CreateVersion7();
        await using var insert = new NpgsqlCommand(
            "insert into operator_claims (id, facility_id, proposal_id, user_id, state, attributes, evidence, contact, created_at, decided_at, " +
            "decision_note) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)", connection, transaction);
        insert.Parameters.AddWithValue(id);
        insert.Parameters.Add(new NpgsqlParameter { Value = (object?)facilityId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Uuid });
        insert.Parameters.Add(new NpgsqlParameter { Value = (object?)proposalId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Uuid });
        insert.Parameters.AddWithValue(userId);
        insert.Parameters.AddWithValue(state.Name());
        insert.Parameters.AddWithValue(attributes);
        insert.Parameters.AddWithValue(evidence);
        insert.Parameters.AddWithValue(contact);
        insert.Parameters.AddWithValue(now);
        insert.Parameters.Add(new NpgsqlParameter { Value = state == ClaimState.Pending ? DBNull.Value : now, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
        insert.Parameters.Add(new NpgsqlParameter { Value = (object?)note ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        await insert.ExecuteNonQueryAsync(ct);
        return id;
    }

    private async Task DecideAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid id, ClaimState state, Guid decidedBy, string? note,
        CancellationToken ct)
    {
        await using var update = new NpgsqlCommand(
            "update operator_claims set state = $2, decided_at = $3, decided_by = $4, decision_note = $5 where id = $1", connection, transaction);
        update.Parameters.AddWithValue(id);
        update.Parameters.AddWithValue(state.Name());
        update.Parameters.AddWithValue(clock.GetUtcNow().UtcDateTime);
        update.Parameters.AddWithValue(decidedBy);
        update.Parameters.Add(new NpgsqlParameter { Value = (object?)note ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        await update.ExecuteNonQueryAsync(ct);
    }

    private static void RequireState(ClaimRow claim, ClaimState decision, params ClaimState[] from)
    {
        if (!from.Contains(claim.State))
        {
            throw new DomainException(StatusCodes.Status409Conflict, "Conflict",
                $"A claim that is {claim.State.Name()} cannot be {decision.Name()}.");
        }
    }
}
