using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace Facilities.Api.Features.Conflation;

/// <summary>A facility within a staged row's match distance, as PostGIS measured it. <see cref="NameSimilarity"/> is
/// null when either has no name; <see cref="Agreement"/> (0–1, the share of comparable attributes that agree) is null
/// when no attribute compares.</summary>
public readonly record struct MatchCandidate(long Row, Guid FacilityId, double DistanceM, double? NameSimilarity, double? Agreement);

/// <summary>A candidate with its score, as a review item lists it.</summary>
public readonly record struct ScoredCandidate(Guid FacilityId, double Score, double DistanceM, double? NameSimilarity);

/// <summary>What the assignment decided for a row that had candidates: merge into <see cref="FacilityId"/>, a person
/// decides between <see cref="Candidates"/> (ambiguous; the row holds its best one meanwhile), or create.</summary>
public sealed record MatchDecision(long Row, MatchOutcome Outcome, Guid? FacilityId, IReadOnlyList<ScoredCandidate> Candidates);

/// <summary>
/// Assigns an import's rows to facilities as a whole. Every (row, facility) pair is scored; the pairs are taken best
/// first, and a pair whose row or facility is already taken is passed over, so a row that loses its best facility to
/// a better-scoring row falls back to its next candidate rather than creating a duplicate, and a facility goes to the
/// row that describes it best. This is the greedy assignment: components of rows and candidates that share no
/// facility do not affect each other, so one sort over the whole file assigns every neighbourhood at once. Greedy
/// rather than Hungarian: neighbourhoods are a handful of rows, where the two rarely differ, and a maximum-total
/// assignment would happily give a row a worse facility to let a weaker row in.
/// Greedy can still pair two rows each with the other's facility where facilities stand a few metres apart, so
/// assigned rows then exchange facilities wherever that raises their summed score.
/// Then each assigned row must be clearly its facility's: a free candidate (not taken by another row) scoring within
/// the lead of the assigned one, or another row it could exchange facilities with for under
/// <see cref="ExchangeMarginM"/>, makes the row ambiguous, for a person to decide. In a file without names (names
/// compare for fewer than <see cref="NamedShare"/> of its rows), beyond its typical error, the lead is
/// <see cref="NamelessLead"/> and a lone candidate needs its attributes to agree.
/// </summary>
public static class MatchAssignment
{
    /// <summary>Candidates scoring below this are not the same place (a 45 m neighbour with another name).</summary>
    public const double MinimumScore = 0.25;

    /// <summary>A winner must lead every other free candidate by this much; closer than that, a person decides.</summary>
    public const double ClearLead = 0.1;

    /// <summary>The lead a nameless row needs over the other candidates beyond the file's typical error, where a
    /// position alone cannot tell a copy with a large error from a facility next door. There, a lone candidate is
    /// a merge only when every attribute that compares agrees; otherwise a person decides.</summary>
    public const double NamelessLead = 0.2;

    /// <summary>A file is without names when names compare (both the row and a candidate have one) for fewer than
    /// this share of its rows with candidates.</summary>
    public const double NamedShare = 0.05;

    /// <summary>Two rows whose facilities could be exchanged for less than this, in metres of summed distance, cannot be
    /// told apart by position: their facilities stand at one spot (a pair of toilets mapped as two points a metre
    /// apart, or at the same coordinates), so either pairing is a guess and a person decides both.</summary>
    public const double ExchangeMarginM = 1;

    /// <summary>The smallest typical error assumed, in metres, whatever the file's own matches say: phone GPS in a
    /// street is off by this much without anything being wrong.</summary>
    public const double MinimumTypicalErrorM = 10;

    // Weights: closeness (1 at 0 m, 0 at the match distance), name similarity (0.5 when either has no name), and
    // attribute agreement (0.5 when none compare). Agreement weighs 0.03, as much as 0.03 / 0.62 of the match
    // distance (2.4 m of 50 m): enough to separate two equally close candidates, never enough to prefer a far one
    // over a near one because a flag differs.
    private const double ClosenessWeight = 0.62;
    private const double NameWeight = 0.35;
    private const double AgreementWeight = 0.03;

    public static double Score(MatchCandidate candidate, double matchDistanceM) =>
        ClosenessWeight * (1 - candidate.DistanceM / matchDistanceM)
        + NameWeight * (candidate.NameSimilarity ?? 0.5)
        + AgreementWeight * (candidate.Agreement ?? 0.5);

    /// <summary>
    /// The typical position error of this file: three times the median distance of its assigned rows, at least
    /// <see cref="MinimumTypicalErrorM"/>. Most of a file's records are copies of facilities the layer has, so their
    /// distances are the file's error; a Rayleigh-distributed error (a 2-D normal) lies beyond three times its median
    /// in 0.2 % of records, so what lies beyond is rarely error alone.
    /// </summary>
    public static double TypicalErrorM(IReadOnlyList<double> assignedDistancesM, double matchDistanceM)
    {
        if (assignedDistancesM.Count == 0)
        {
            return Math.Min(MinimumTypicalErrorM, matchDistanceM);
        }
        var sorted = assignedDistancesM.Order().ToArray();
        var median = sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
        return Math.Min(Math.Max(3 * median, MinimumTypicalErrorM), matchDistanceM);
    }

    /// <summary>Decides every row that has a candidate; a row without one (not in <paramref name="candidates"/>)
    /// creates a facility.</summary>
    public static List<MatchDecision> Decide(IReadOnlyList<MatchCandidate> candidates, double matchDistanceM)
    {
        // Sized up front and filled in one pass: a 1,000,000-row file has about as many candidates, and GroupBy's
        // groupings or the doubling of a dictionary grown from empty are garbage of the size of everything here,
        // which peaked the import's memory at the assignment.
        var pairs = new List<(MatchCandidate Candidate, double Score)>(candidates.Count);
        var byRow = new Dictionary<long, List<(MatchCandidate Candidate, double Score)>>();
        var scored = 0;
        foreach (var candidate in candidates)
        {
            var pair = (Candidate: candidate, Score: Score(candidate, matchDistanceM));
            pairs.Add(pair);
            scored += pair.Score >= MinimumScore ? 1 : 0;
        }
        byRow.EnsureCapacity(pairs.Count);
        foreach (var pair in pairs)
        {
            ref var rowPairs = ref CollectionsMarshal.GetValueRefOrAddDefault(byRow, pair.Candidate.Row, out _);
            (rowPairs ??= new List<(MatchCandidate Candidate, double Score)>(2)).Add(pair);
        }

        // Best first; ties by distance, then by row and facility so that the same file always assigns the same way.
        var order = new List<(MatchCandidate Candidate, double Score)>(scored);
        foreach (var pair in pairs)
        {
            if (pair.Score >= MinimumScore)
            {
                order.Add(pair);
            }
        }
        pairs = null;
        order.Sort((a, b) =>
        {
            var c = b.Score.CompareTo(a.Score);
            if (c == 0) c = a.Candidate.DistanceM.CompareTo(b.Candidate.DistanceM);
            if (c == 0) c = a.Candidate.Row.CompareTo(b.Candidate.Row);
            return c != 0 ? c : a.Candidate.FacilityId.CompareTo(b.Candidate.FacilityId);
        });
        var assigned = new Dictionary<long, (MatchCandidate Candidate, double Score)>(byRow.Count);
        var takenBy = new Dictionary<Guid, long>(byRow.Count);
        foreach (var pair in order)
        {
            if (!assigned.ContainsKey(pair.Candidate.Row) && takenBy.TryAdd(pair.Candidate.FacilityId, pair.Candidate.Row))
            {
                assigned[pair.Candidate.Row] = pair;
            }
        }
        var scoreOf = new Dictionary<(long, Guid), double>(order.Count);
        foreach (var pair in order)
        {
            scoreOf[(pair.Candidate.Row, pair.Candidate.FacilityId)] = pair.Score;
        }
        Exchange(assigned, takenBy, byRow, scoreOf);
        var exchangeMargin = ExchangeMarginM * ClosenessWeight / matchDistanceM;
        var typicalError = TypicalErrorM([.. assigned.Values.Select(a => a.Candidate.DistanceM)], matchDistanceM);
        var nameless = byRow.Values.Count(p => p.Any(c => c.Candidate.NameSimilarity is not null)) < NamedShare * byRow.Count;

        var decisions = new List<MatchDecision>(byRow.Count);
        var unassigned = new List<long>();
        foreach (var (row, rowPairs) in byRow)
        {
            if (!assigned.TryGetValue(row, out var best))
            {
                unassigned.Add(row);
                continue;
            }
            var strict = nameless && best.Candidate.DistanceM > typicalError;
            var lead = strict ? NamelessLead : ClearLead;
            // What a person could still choose: the assigned facility, the candidates no other row took, and the
            // facilities of rows this one could exchange with at no visible cost (those rows are ambiguous too).
            var exchangeable = rowPairs
                .Where(p => p.Candidate.FacilityId != best.Candidate.FacilityId && p.Score >= MinimumScore
                            && takenBy.TryGetValue(p.Candidate.FacilityId, out var other) && other != row
                            && ExchangeLoss(row, other, assigned, scoreOf) is { } loss && loss < exchangeMargin)
                .Select(p => p.Candidate.FacilityId)
                .ToHashSet();
            var open = rowPairs
                .Where(p => p.Score >= MinimumScore && (!takenBy.TryGetValue(p.Candidate.FacilityId, out var holder) || holder == row
                                                        || exchangeable.Contains(p.Candidate.FacilityId)))
                .OrderByDescending(p => p.Score).ThenBy(p => p.Candidate.DistanceM)
                .Select(p => new ScoredCandidate(p.Candidate.FacilityId, p.Score, p.Candidate.DistanceM, p.Candidate.NameSimilarity))
                .ToList();
            var rivals = open.Count(c => c.FacilityId != best.Candidate.FacilityId
                                         && (exchangeable.Contains(c.FacilityId) || c.Score >= best.Score - lead));
            var clear = rivals == 0 && (!strict || best.Candidate.Agreement == 1);
            decisions.Add(clear
                ? new MatchDecision(row, MatchOutcome.Merge, best.Candidate.FacilityId, open)
                : new MatchDecision(row, MatchOutcome.Ambiguous, best.Candidate.FacilityId, open));
        }
        // A row left without a facility creates one, unless a facility it could be waits for a person: the row that
        // holds it is ambiguous, and if the person says that row is a different facility, this one may be the copy
        // (a far copy beside a nearer facility next door). Created now, it would stay a duplicate; it waits too, with
        // the facilities it waits for as its candidates.
        var heldInReview = decisions.Where(d => d.Outcome == MatchOutcome.Ambiguous).Select(d => d.FacilityId!.Value).ToHashSet();
        foreach (var row in unassigned)
        {
            var waitingFor = byRow[row]
                .Where(p => p.Score >= MinimumScore && heldInReview.Contains(p.Candidate.FacilityId))
                .OrderByDescending(p => p.Score).ThenBy(p => p.Candidate.DistanceM)
                .Select(p => new ScoredCandidate(p.Candidate.FacilityId, p.Score, p.Candidate.DistanceM, p.Candidate.NameSimilarity))
                .ToList();
            decisions.Add(waitingFor.Count == 0
                ? new MatchDecision(row, MatchOutcome.Create, null, [])
                : new MatchDecision(row, MatchOutcome.Ambiguous, waitingFor[0].FacilityId, waitingFor));
        }
        decisions.Sort((a, b) => a.Row.CompareTo(b.Row));
        return decisions;
    }

    /// <summary>
    /// Improves the greedy assignment by exchanges: two assigned rows swap facilities when each is a candidate of the
    /// other and the swap raises their summed score. Greedy takes the single best pair first, which in a cluster of
    /// facilities a few metres apart can leave both rows on the other's facility; an exchange changes no row's fate
    /// (merged rows stay merged, the same facilities stay taken), only which is which. Repeated until none helps.
    /// </summary>
    private static void Exchange(Dictionary<long, (MatchCandidate Candidate, double Score)> assigned, Dictionary<Guid, long> takenBy,
        Dictionary<long, List<(MatchCandidate Candidate, double Score)>> byRow, Dictionary<(long, Guid), double> scoreOf)
    {
        // Each exchange raises the total score, so this ends; the bound only guards against rounding ping-pong.
        for (var pass = 0; pass < 20; pass++)
        {
            var changed = false;
            foreach (var row in assigned.Keys.Order().ToList())
            {
                var mine = assigned[row];
                foreach (var (candidate, score) in byRow[row])
                {
                    if (candidate.FacilityId == mine.Candidate.FacilityId
                        || !takenBy.TryGetValue(candidate.FacilityId, out var other) || other == row
                        || !scoreOf.ContainsKey((row, candidate.FacilityId))
                        || !scoreOf.TryGetValue((other, mine.Candidate.FacilityId), out var otherOnMine))
                    {
                        continue;
                    }
                    var theirs = assigned[other];
                    if (score + otherOnMine <= mine.Score + theirs.Score + 1e-12)
                    {
                        continue;
                    }
                    var otherCandidate = byRow[other].First(p => p.Candidate.FacilityId == mine.Candidate.FacilityId).Candidate;
                    assigned[row] = (candidate, score);
                    assigned[other] = (otherCandidate, otherOnMine);
                    takenBy[candidate.FacilityId] = row;
                    takenBy[mine.Candidate.FacilityId] = other;
                    mine = assigned[row];
                    changed = true;
                }
            }
            if (!changed)
            {
                return;
            }
        }
    }

    /// <summary>What exchanging the facilities of two assigned rows would cost in summed score (null when they cannot
    /// exchange: one facility is not a candidate of the other row).</summary>
    private static double? ExchangeLoss(long row, long other, Dictionary<long, (MatchCandidate Candidate, double Score)> assigned,
        Dictionary<(long, Guid), double> scoreOf)
    {
        var (mine, theirs) = (assigned[row], assigned[other]);
        return scoreOf.TryGetValue((row, theirs.Candidate.FacilityId), out var rowOnTheirs)
               && scoreOf.TryGetValue((other, mine.Candidate.FacilityId), out var otherOnMine)
            ? mine.Score + theirs.Score - rowOnTheirs - otherOnMine
            : null;
    }

    /// <summary>The candidates as a review item keeps them: facility id, score, distance and name similarity, rounded.</summary>
    public static string CandidatesJson(IReadOnlyList<ScoredCandidate> candidates)
    {
        var json = new StringBuilder("[");
        foreach (var c in candidates)
        {
            if (json.Length > 1)
            {
                json.Append(',');
            }
            json.Append(CultureInfo.InvariantCulture,
                $"{{\"facility_id\":\"{c.FacilityId}\",\"score\":{Math.Round(c.Score, 3)},\"distance_m\":{Math.Round(c.DistanceM, 1)},\"name_similarity\":");
            json.Append(c.NameSimilarity is { } n ? Math.Round(n, 3).ToString(CultureInfo.InvariantCulture) : "null");
            json.Append('}');
        }
        return json.Append(']').ToString();
    }
}
