using Facilities.Api.Features.Imports.Mapping;

namespace Facilities.Api.Features.Imports;

/// <summary>A record whose source disappeared from the partner's file while the partner does not own <c>status</c>:
/// the community should be asked whether the facility is gone (a closure proposal, opened by the contributions
/// feature from this list).</summary>
public sealed record ClosureNeeded(Guid FacilityId, string ExternalId);

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

    public List<ClosureNeeded> ClosureProposalsNeeded { get; } = [];

    /// <summary>The review items opened for ambiguous matches.</summary>
    public List<Guid> ReviewItems { get; } = [];

    public long DurationMs { get; set; }

    /// <summary>Milliseconds spent in each phase (read and stage, match, write...), for tuning.</summary>
    public Dictionary<string, long> PhasesMs { get; } = [];

    public void Reject(RejectedRow row)
    {
        RejectedCount++;
        if (Rejected.Count < MaxListedRejections)
        {
            Rejected.Add(row);
        }
    }
}
