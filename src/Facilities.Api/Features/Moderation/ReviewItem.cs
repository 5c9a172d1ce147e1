using System.Text.Json.Nodes;

namespace Facilities.Api.Features.Moderation;

/// <summary>An open review item as the resolution code reads it.</summary>
public sealed record ReviewItem(Guid Id, ReviewKind Kind, ReviewState State, Guid? FacilityId, Guid? DatasetId, long? SourceRecordId, Guid? ProposalId,
    JsonObject Details, Guid? ClaimId);

/// <summary>A moderator's decision on a review item: merge (into facility_id), create, dismiss, keep_partner, keep_community.</summary>
public sealed record ReviewResolution(ReviewAction Action, Guid? FacilityId, string? Comment);

/// <summary>What a person must decide (wire and SQL names through <see cref="Web.WireName"/>).</summary>
public enum ReviewKind
{
    Dispute,
    AmbiguousMatch,
}

public enum ReviewState
{
    Open,
    Resolved,
}

/// <summary>Disputes: keep_partner or keep_community; ambiguous matches: merge, create or dismiss.</summary>
public enum ReviewAction
{
    KeepPartner,
    KeepCommunity,
    Merge,
    Create,
    Dismiss,
}
