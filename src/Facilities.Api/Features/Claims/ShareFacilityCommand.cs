using System.Text.Json.Nodes;
using Facilities.Api.Data;
using Facilities.Api.Features.Accounts;
using Facilities.Api.Features.Proposals;
using Facilities.Api.Web;
using FluentValidation;
using Mediator;
using Npgsql;

namespace Facilities.Api.Features.Claims;

/// <summary>
/// POST /api/v1/shared-facilities ("share a toilet", 共享公厕): an operator registers a facility it opens to the public.
/// The facility is a create proposal like any other, reviewed like one; the claim on it comes with it and is on the
/// facility once the create is accepted: approved at once when the account is an approved operator already (a
/// moderator checked who it is), pending a moderator otherwise.
/// </summary>
public sealed record ShareFacilityCommand(Guid UserId, JsonNode? Location, JsonNode? Changes, JsonNode? Comment, JsonNode? Evidence, JsonNode? Contact,
    JsonNode? Attributes) : IRequest<SharedFacility>, IWriteCommand;

public sealed record SharedFacility(ProposalView Proposal, ClaimView Claim);

public sealed class ShareFacilityValidator : AbstractValidator<ShareFacilityCommand>
{
    public ShareFacilityValidator()
    {
        RuleFor(c => c.Evidence).ClaimEvidence();
        RuleFor(c => c.Contact).ClaimContact();
        RuleFor(c => c.Attributes).ClaimAttributes();
        // The rest is the create proposal's to check (CreateProposalValidator runs on it, in this transaction).
        RuleFor(c => c.Changes).Must(v => v is JsonObject).WithMessage("A create needs changes with at least the category.");
    }
}

public sealed class ShareFacilityHandler(UnitOfWork unitOfWork, ISender sender, TimeProvider clock) : IRequestHandler<ShareFacilityCommand, SharedFacility>
{
    public async ValueTask<SharedFacility> Handle(ShareFacilityCommand request, CancellationToken cancellationToken)
    {
        var (connection, transaction, ct) = (unitOfWork.Connection, unitOfWork.Transaction, cancellationToken);
        var operatorAccount = await Contributor.WriterAsync(connection, transaction, request.UserId, ct);
        // A facility shared with the public is open to it unless the operator says how else.
        var changes = request.Changes!.DeepClone().AsObject();
        if (!changes.ContainsKey("access"))
        {
            changes["access"] = "public";
        }
        var proposal = await sender.Send(new CreateProposalCommand(operatorAccount.Id, JsonValue.Create(ProposalKind.Create.Name()), null, null,
            request.Location?.DeepClone(), changes, null, request.Comment?.DeepClone()), ct);

        bool approvedOperator;
        await using (var known = new NpgsqlCommand("select exists (select 1 from operator_claims where user_id = $1 and state = 'approved')",
                         connection, transaction))
        {
            known.Parameters.AddWithValue(operatorAccount.Id);
            approvedOperator = (bool)(await known.ExecuteScalarAsync(ct))!;
        }
        // Accepted at once (a privileged author, no possible duplicate): the facility exists, and the claim is on it
        // now. Otherwise the acceptance puts it there (ProposalDecisions).
        var facilityId = proposal.State == ProposalState.Accepted.Name() ? proposal.FacilityId : null;
        var id = await ClaimHandlers.InsertAsync(connection, transaction, facilityId, proposal.Id, operatorAccount.Id,
            approvedOperator ? ClaimState.Approved : ClaimState.Pending, ClaimFields.Attributes(request.Attributes),
            ClaimRows.Trimmed(request.Evidence), ClaimRows.Trimmed(request.Contact), clock.GetUtcNow().UtcDateTime,
            approvedOperator ? "Approved with the facility: the account is an approved operator." : null, ct);
        return new SharedFacility(proposal, await ClaimRows.ViewAsync(connection, transaction, id, ct));
    }
}
