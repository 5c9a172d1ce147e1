using System.Text.Json.Nodes;
using Facilities.Api.Data;
using Facilities.Api.Features.Accounts;
using Facilities.Api.Web;
using FluentValidation;
using Mediator;

namespace Facilities.Api.Features.Proposals;

/// <summary>POST /api/v1/proposals/{id}/votes: up or down, with an optional comment. A second vote replaces the first.</summary>
public sealed record VoteCommand(Guid UserId, string ProposalId, JsonNode? Vote, JsonNode? Comment) : IRequest<Outcome<VoteResult>>, IWriteCommand
{
    public const int MaxCommentLength = 2000;

    /// <summary>The vote given; null when it is neither up nor down.</summary>
    public VoteDirection? Direction => WireName.Parse<VoteDirection>(Json.Text(Vote));
}

/// <summary>For or against a proposal (wire and SQL names through <see cref="WireName"/>).</summary>
public enum VoteDirection
{
    Up,
    Down,
}

/// <summary>The tally and the state after the vote.</summary>
public sealed record VoteResult(Guid ProposalId, string State, string Vote, double Weight, double Support, double Opposition, int Votes,
    double AcceptAt, double RejectAt, int? ResultVersion);

public sealed class VoteValidator : AbstractValidator<VoteCommand>
{
    public VoteValidator()
    {
        RuleFor(c => c.Vote).Must((c, _) => c.Direction is not null).WithMessage("Must be up or down.");
        RuleFor(c => c.Comment)
            .Must(v => v is null || (Json.Text(v) is { } text && text.Trim().Length > 0))
            .WithMessage("Must be a non-empty string when given.")
            .Must(v => Json.Text(v) is not { Length: > VoteCommand.MaxCommentLength })
            .WithMessage($"Must be at most {VoteCommand.MaxCommentLength} characters.");
    }
}

public sealed class VoteHandler(UnitOfWork unitOfWork, ProposalDecisions decisions, TimeProvider clock)
    : IRequestHandler<VoteCommand, Outcome<VoteResult>>
{
    public async ValueTask<Outcome<VoteResult>> Handle(VoteCommand request, CancellationToken cancellationToken)
    {
        var ct = cancellationToken;
        if (!Guid.TryParse(request.ProposalId, out var id))
        {
            throw new NotFoundException("proposal", request.ProposalId);
        }
        var (connection, transaction) = (unitOfWork.Connection, unitOfWork.Transaction);
        var voter = await Contributor.WriterAsync(connection, transaction, request.UserId, ct);
        // The row lock serializes every vote on this proposal: the tally below counts all votes committed before, and
        // the vote that reaches the margin is the only one that sees the proposal pending and decides it.
        var proposal = await ProposalRow.LockAsync(connection, transaction, id, ct) ?? throw new NotFoundException("proposal", request.ProposalId);
        if (proposal.AuthorId == voter.Id)
        {
            throw new DomainException(StatusCodes.Status403Forbidden, "Forbidden", "You cannot vote on your own proposal: your weight counts as support already.");
        }
        if (proposal.State != ProposalState.Pending)
        {
            throw new DomainException(StatusCodes.Status409Conflict, "Conflict", $"This proposal is decided ({proposal.State.Name()}): votes are closed.");
        }
        if (proposal.ExpiresAt <= clock.GetUtcNow().UtcDateTime)
        {
            // The expiry is kept although the vote is refused: the queue shows it at once, not at the next hourly pass.
            await ProposalDecisions.Execute(connection, transaction, "update proposals set state = 'expired', decided_at = $2 where id = $1", ct,
                id, clock.GetUtcNow().UtcDateTime);
            return Outcome.Refused<VoteResult>(new DomainException(StatusCodes.Status409Conflict, "Conflict", "This proposal has expired: votes are closed."));
        }

        return Outcome.Done(await decisions.CastAsync(proposal, voter, request.Direction!.Value, Json.Text(request.Comment)?.Trim(), ct));
    }
}
