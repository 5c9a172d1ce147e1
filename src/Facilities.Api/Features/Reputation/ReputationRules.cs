using Facilities.Api.Data;

namespace Facilities.Api.Features.Reputation;

/// <summary>
/// Every parameter of reputation, privileges and validation, bound from the configuration section "Reputation"
/// (e.g. <c>Reputation__AcceptMargin=4</c>) and published as is at GET /api/v1/reputation/rules.
/// </summary>
public sealed class ReputationRules
{
    public const string Section = "Reputation";

    public int Initial { get; set; } = 1;
    public int Minimum { get; set; } = 1;

    /// <summary>Below this reputation a vote is recorded and shown but weighs 0.</summary>
    public int Vote { get; set; } = 15;

    /// <summary>Own attribute updates, reopenings, confirmations and reports apply at once from here.</summary>
    public int ApplyUpdatesAtOnce { get; set; } = 100;

    /// <summary>Own creates, moves and closures apply at once from here.</summary>
    public int ApplyCreatesAtOnce { get; set; } = 500;

    /// <summary>Accepted when weighted support − opposition reaches this; rejected when opposition − support does.</summary>
    public double AcceptMargin { get; set; } = 3;
    public double RejectMargin { get; set; } = 3;

    /// <summary>A moderator's or admin's vote weighs at least this share of <see cref="AcceptMargin"/>, whatever their
    /// reputation: with the default 1 a staff approval decides alone, so a new installation works from its first hour.</summary>
    public double StaffVoteShare { get; set; } = 1;

    public int ExpiryDays { get; set; } = 30;

    public int AcceptedDelta { get; set; } = 10;
    public int AcceptedCreateDelta { get; set; } = 15;
    public int RejectedDelta { get; set; } = -5;
    public int VoterWonDelta { get; set; } = 1;
    public int VoterLostDelta { get; set; } = -1;
    public int RevertedAuthorDelta { get; set; } = -20;
    public int RevertedUpVoterDelta { get; set; } = -2;

    /// <summary>A move farther than this needs a moderator.</summary>
    public double MaxMoveMetres { get; set; } = 1000;

    /// <summary>A create this close to a facility of the same category answers with possible duplicates.</summary>
    public double DuplicateRadiusMetres { get; set; } = 50;

    /// <summary>Weighted out_of_order reports (since the last change) that close a facility temporarily.</summary>
    public double OutOfOrderThreshold { get; set; } = 3;
    public double OutOfOrderClosureHours { get; set; } = 24;

    /// <summary>Weighted confirmations since the last verification that refresh it.</summary>
    public double ConfirmationThreshold { get; set; } = 3;

    /// <summary>A verification moves confidence this share of the way towards 1 (one per account, see migration 0008).</summary>
    public double ConfirmationConfidenceStep { get; set; } = 0.2;

    /// <summary>Verifications this recent count in confidence.</summary>
    public int ConfirmationConfidenceDays { get; set; } = 365;

    /// <summary>Each unit of an open report's weight multiplies confidence by (1 − this): one report at reputation 100
    /// (weight 2) by 0.81.</summary>
    public double ReportConfidenceStep { get; set; } = 0.1;

    /// <summary>A report not answered by a new version or a verification stays open this long.</summary>
    public int ReportOpenDays { get; set; } = 90;

    /// <summary>The parameters of the confidence function (Data/FacilityConfidence.cs).</summary>
    public ConfidenceParameters ConfidenceParameters() =>
        new(ConfirmationConfidenceStep, ConfirmationConfidenceDays, ReportConfidenceStep, ReportOpenDays);

    /// <summary>w(r) = 0 below the vote privilege, log10(r) from it.</summary>
    public double Weight(int reputation) => reputation < Vote ? 0 : Math.Log10(reputation);

    /// <summary>The weight a vote is recorded at: <see cref="Weight"/>, and for moderators and admins at least
    /// <see cref="StaffVoteShare"/> × <see cref="AcceptMargin"/>.</summary>
    public double VoteWeight(int reputation, bool staff) => Math.Max(Weight(reputation), staff ? StaffVoteShare * AcceptMargin : 0);

    /// <summary>Reputation after a change, never below the minimum.</summary>
    public int Apply(int reputation, int delta) => Math.Max(Minimum, reputation + delta);

    public ProposalOutcome Decide(double support, double opposition) =>
        support - opposition >= AcceptMargin - 1e-9 ? ProposalOutcome.Accepted
        : opposition - support >= RejectMargin - 1e-9 ? ProposalOutcome.Rejected
        : ProposalOutcome.Pending;

    /// <summary>The reputation from which the author's own change applies without votes: a placement (a facility put on
    /// the map, moved or taken off) or an edit of its attributes.</summary>
    public int AtOnceThreshold(bool placement) => placement ? ApplyCreatesAtOnce : ApplyUpdatesAtOnce;
}

public enum ProposalOutcome
{
    Pending,
    Accepted,
    Rejected,
}
