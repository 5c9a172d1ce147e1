using Facilities.Api.Features.Imports.Mapping;

namespace Facilities.Api.Features.Imports;

/// <summary>A record whose source disappeared from the partner's file while the partner does not own <c>status</c>:
/// the community is asked whether the facility is gone through a pending closure proposal. ProposalId: that proposal
/// (null when none could be opened: the facility is removed already or the partner's system account is blocked, and
/// in a dry run for one the import would have opened); ProposalOpened: this import opened it rather than finding one
/// pending.</summary>
public sealed record ClosureNeeded(Guid FacilityId, string ExternalId, Guid? ProposalId = null, bool ProposalOpened = false);

/// <summary>What an import did, row by row where it matters. The same whether or not it was a dry run.</summary>
public sealed class ImportReport
{
    public const int MaxListedRejections = 10_000;

    public string? Format { get; set; }
    public string? Crs { get; set; }
    public bool DryRun { get; set; }
    public long RowsRead { get; set; }
    public long Created { get; set; }
    public long Merged { get; set; }
    public long Updated { get; set; }
    public long Unchanged { get; set; }
    public long RemovedAtSource { get; set; }
    public long NeedingReview { get; set; }
    public long RejectedCount { get; set; }

    /// <summary>Each rejected row with its reason (the first <see cref="MaxListedRejections"/>; the count has them all).</summary>
    public List<RejectedRow> Rejected { get; } = [];

    /// <summary>Values that fitted no type and were left out, per attribute (the rest of their rows went in).</summary>
    public Dictionary<string, int> IgnoredValues { get; set; } = [];

    /// <summary>Why values of an attribute were left out, where the type check gives a reason (opening hours the
    /// evaluator cannot read): the first such value's reason, per attribute.</summary>
    public Dictionary<string, string> IgnoredReasons { get; set; } = [];

    /// <summary>Columns the mapping reads that the file does not have, per field. A dry run goes on as if they were
    /// empty; a real import stops.</summary>
    public List<MissingColumn> MissingColumns { get; } = [];

    public List<ClosureNeeded> ClosureProposalsNeeded { get; } = [];

    /// <summary>Records the file has again after they were removed at source: their facilities come back.</summary>
    public long ReturnedAtSource { get; set; }

    /// <summary>Pending closure proposals that removals at source had opened, withdrawn because the record came back
    /// (in a dry run: the ones that would be).</summary>
    public List<Guid> ClosureProposalsWithdrawn { get; } = [];

    /// <summary>The review items opened for ambiguous matches.</summary>
    public List<Guid> ReviewItems { get; } = [];

    public long DurationMs { get; set; }

    /// <summary>Milliseconds spent in each phase (read and stage, match, write...), for tuning.</summary>
    public Dictionary<string, long> PhasesMs { get; } = [];

    /// <summary>A dry run rolled back: the closure proposals it opened do not exist, so their ids would point nowhere.</summary>
    public void ForgetRolledBackProposals()
    {
        for (var i = 0; i < ClosureProposalsNeeded.Count; i++)
        {
            if (ClosureProposalsNeeded[i].ProposalOpened)
            {
                ClosureProposalsNeeded[i] = ClosureProposalsNeeded[i] with { ProposalId = null };
            }
        }
    }

    public void Reject(RejectedRow row)
    {
        RejectedCount++;
        if (Rejected.Count < MaxListedRejections)
        {
            Rejected.Add(row);
        }
    }
}
