namespace Facilities.Api.Data;

/// <summary>Whether a facility can be used (wire and SQL names through <see cref="Web.WireName"/>: open,
/// temporarily_closed, removed). A temporary closure ends at <c>status_until</c> when it has one.</summary>
public enum FacilityStatus
{
    Open,
    TemporarilyClosed,
    Removed,
}

/// <summary>What a version did to a facility, as the change feed names it (created, updated, removed): a version that
/// takes a facility off the map is a removal for mirrors, whatever else it changed.</summary>
public enum FacilityChangeKind
{
    Created,
    Updated,
    Removed,
}
