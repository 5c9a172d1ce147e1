using Facilities.Api.Features.Reputation;

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

public static class ProposalKindRules
{
    /// <summary>The reputation from which the author's own proposal of this kind applies without votes: one that puts a
    /// facility on the map, moves it or takes it off needs more than an edit of its attributes.</summary>
    public static int AtOnceThreshold(this ReputationRules rules, ProposalKind kind) =>
        rules.AtOnceThreshold(placement: kind is ProposalKind.Create or ProposalKind.Move or ProposalKind.Close);
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
