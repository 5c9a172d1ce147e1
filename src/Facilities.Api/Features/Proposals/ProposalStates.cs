namespace Facilities.Api.Features.Proposals;

/// <summary>What a proposal asks (wire and SQL names through <see cref="Web.WireName"/>: create, update, ...).</summary>
public enum ProposalKind
{
    Create,
    Update,
    Move,
    Close,
    Reopen,
}

/// <summary>Where a proposal stands; only a pending one takes votes.</summary>
public enum ProposalState
{
    Pending,
    Accepted,
    Rejected,
    Superseded,
    Expired,
    Withdrawn,
}
