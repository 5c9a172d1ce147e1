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
/// decides between <see cref="Candidates"/> (ambiguous; the row holds its best one meanwhile), or create. Only an
/// ambiguous row lists candidates.</summary>
public sealed record MatchDecision(long Row, MatchOutcome Outcome, Guid? FacilityId, IReadOnlyList<ScoredCandidate> Candidates);

/// <summary>
/// Assigns an import's rows to facilities as a whole. Every (row, facility) pair is scored; the pairs are taken best
/// first, and a pair whose row or facility is already taken is passed over, so a row that loses its best facility to
/// a better-scoring row falls back to its next candidate rather than creating a duplicate, and a facility goes to the
/// row that describes it best. This is the greedy assignment, done per neighbourhood: rows and candidates that share
/// no facility do not affect each other, so each connected group is sorted and assigned on its own. Greedy
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

    /// <summary>Decides every row that has a candidate, in row order; a row without one (not in
    /// <paramref name="candidates"/>) creates a facility.</summary>
    public static List<MatchDecision> Decide(IReadOnlyList<MatchCandidate> candidates, double matchDistanceM)
    {
        var graph = new CandidateGraph(candidates, matchDistanceM);
        // Every neighbourhood is assigned before any is decided: the decisions need the file's typical error, which is
        // the distances of all of them.
        for (var n = 0; n < graph.NeighbourhoodCount; n++)
        {
            graph.Assign(n);
        }
        var typicalError = TypicalErrorM(graph.AssignedDistances(), matchDistanceM);
        var decisions = new List<MatchDecision>(graph.RowCount);
        for (var n = 0; n < graph.NeighbourhoodCount; n++)
        {
            graph.Decide(n, typicalError, decisions);
        }
        decisions.Sort((a, b) => a.Row.CompareTo(b.Row));
        return decisions;
    }

    /// <summary>
    /// An import's rows and their candidate facilities as a graph, held as arrays of indices rather than objects per
    /// row: a 1,000,000-row file has hundreds of thousands of candidates, and a list, a dictionary entry and a
    /// decision's candidate list per row were what peaked the import's memory. A neighbourhood is a connected group
    /// of rows and the facilities they could be (a pair scoring at least <see cref="MinimumScore"/> connects them);
    /// what one row gets can only change what rows of its own neighbourhood get, so each is assigned and decided on
    /// its own, with scratch lists the size of a neighbourhood.
    /// </summary>
    private sealed class CandidateGraph
    {
        private readonly IReadOnlyList<MatchCandidate> candidates;
        private readonly double[] score;
        private readonly int[] rowOf;
        private readonly int[] facilityOf;
        private readonly long[] rowKey;
        // A row's candidates, in the order they came: rowCandidates[rowStart[r] .. rowStart[r + 1]).
        private readonly int[] rowStart;
        private readonly int[] rowCandidates;
        // A neighbourhood's rows, in row order: neighbourhoodRows[neighbourhoodStart[n] .. neighbourhoodStart[n + 1]).
        private readonly int[] neighbourhoodStart;
        private readonly int[] neighbourhoodRows;
        // The candidate a row is assigned (-1: none), the row holding a facility (-1: none), and the facilities held by
        // a row a person decides on.
        private readonly int[] assigned;
        private readonly int[] holder;
        private readonly bool[] heldInReview;
        private readonly bool nameless;
        private readonly double exchangeMargin;
        private readonly List<int> pairs = [];
        private readonly List<int> exchangeable = [];
        private readonly List<int> open = [];
        private readonly Comparison<int> bestFirst;
        private readonly Comparison<int> forAPerson;

        public CandidateGraph(IReadOnlyList<MatchCandidate> candidates, double matchDistanceM)
        {
            this.candidates = candidates;
            var count = candidates.Count;
            score = new double[count];
            rowOf = new int[count];
            facilityOf = new int[count];
            var rows = new Dictionary<long, int>();
            var facilities = new Dictionary<Guid, int>();
            for (var i = 0; i < count; i++)
            {
                var candidate = candidates[i];
                score[i] = Score(candidate, matchDistanceM);
                ref var row = ref CollectionsMarshal.GetValueRefOrAddDefault(rows, candidate.Row, out var known);
                rowOf[i] = known ? row : row = rows.Count - 1;
                ref var facility = ref CollectionsMarshal.GetValueRefOrAddDefault(facilities, candidate.FacilityId, out known);
                facilityOf[i] = known ? facility : facility = facilities.Count - 1;
            }
            RowCount = rows.Count;
            var facilityCount = facilities.Count;
            rows = null;
            facilities = null;

            rowKey = new long[RowCount];
            rowStart = new int[RowCount + 1];
            var named = new bool[RowCount];
            for (var i = 0; i < count; i++)
            {
                rowKey[rowOf[i]] = candidates[i].Row;
                rowStart[rowOf[i] + 1]++;
                named[rowOf[i]] |= candidates[i].NameSimilarity is not null;
            }
            for (var r = 0; r < RowCount; r++)
            {
                rowStart[r + 1] += rowStart[r];
            }
            rowCandidates = new int[count];
            var filled = rowStart[..^1];
            for (var i = 0; i < count; i++)
            {
                rowCandidates[filled[rowOf[i]]++] = i;
            }
            nameless = named.Count(n => n) < NamedShare * RowCount;

            // Neighbourhoods: rows joined through every facility they could both be (union–find).
            var parent = new int[RowCount];
            for (var r = 0; r < RowCount; r++)
            {
                parent[r] = r;
            }
            var firstRow = new int[facilityCount];
            Array.Fill(firstRow, -1);
            for (var i = 0; i < count; i++)
            {
                if (score[i] < MinimumScore)
                {
                    continue;
                }
                ref var first = ref firstRow[facilityOf[i]];
                if (first < 0)
                {
                    first = rowOf[i];
                }
                else
                {
                    var (a, b) = (Root(parent, rowOf[i]), Root(parent, first));
                    parent[Math.Max(a, b)] = Math.Min(a, b);
                }
            }
            var inRowOrder = new int[RowCount];
            for (var r = 0; r < RowCount; r++)
            {
                inRowOrder[r] = r;
            }
            Array.Sort((long[])rowKey.Clone(), inRowOrder);
            var neighbourhoodOf = new int[RowCount];
            Array.Fill(neighbourhoodOf, -1);
            var sizes = new List<int>();
            foreach (var r in inRowOrder)
            {
                ref var n = ref neighbourhoodOf[Root(parent, r)];
                if (n < 0)
                {
                    n = sizes.Count;
                    sizes.Add(0);
                }
                sizes[n]++;
            }
            NeighbourhoodCount = sizes.Count;
            neighbourhoodStart = new int[NeighbourhoodCount + 1];
            for (var n = 0; n < NeighbourhoodCount; n++)
            {
                neighbourhoodStart[n + 1] = neighbourhoodStart[n] + sizes[n];
            }
            neighbourhoodRows = new int[RowCount];
            var next = neighbourhoodStart[..^1];
            foreach (var r in inRowOrder)
            {
                neighbourhoodRows[next[neighbourhoodOf[Root(parent, r)]]++] = r;
            }

            assigned = new int[RowCount];
            Array.Fill(assigned, -1);
            holder = new int[facilityCount];
            Array.Fill(holder, -1);
            heldInReview = new bool[facilityCount];
            exchangeMargin = ExchangeMarginM * ClosenessWeight / matchDistanceM;
            // Best first; ties by distance, then by row and facility so that the same file always assigns the same way.
            bestFirst = (a, b) =>
            {
                var c = score[b].CompareTo(score[a]);
                if (c == 0) c = candidates[a].DistanceM.CompareTo(candidates[b].DistanceM);
                if (c == 0) c = candidates[a].Row.CompareTo(candidates[b].Row);
                return c != 0 ? c : candidates[a].FacilityId.CompareTo(candidates[b].FacilityId);
            };
            // As a person sees them: best first, ties by distance, then in the order they came.
            forAPerson = (a, b) =>
            {
                var c = score[b].CompareTo(score[a]);
                if (c == 0) c = candidates[a].DistanceM.CompareTo(candidates[b].DistanceM);
                return c != 0 ? c : a.CompareTo(b);
            };
        }

        public int RowCount { get; }

        public int NeighbourhoodCount { get; }

        private static int Root(int[] parent, int r)
        {
            while (parent[r] != r)
            {
                r = parent[r] = parent[parent[r]];
            }
            return r;
        }

        private ReadOnlySpan<int> CandidatesOf(int row) => rowCandidates.AsSpan(rowStart[row], rowStart[row + 1] - rowStart[row]);

        private ReadOnlySpan<int> RowsOf(int neighbourhood) =>
            neighbourhoodRows.AsSpan(neighbourhoodStart[neighbourhood], neighbourhoodStart[neighbourhood + 1] - neighbourhoodStart[neighbourhood]);

        /// <summary>The row's candidate pair with the facility, if it scores at least the minimum (-1: none).</summary>
        private int PairOf(int row, int facility)
        {
            foreach (var c in CandidatesOf(row))
            {
                if (facilityOf[c] == facility && score[c] >= MinimumScore)
                {
                    return c;
                }
            }
            return -1;
        }

        /// <summary>The greedy assignment of one neighbourhood, then its exchanges.</summary>
        public void Assign(int neighbourhood)
        {
            pairs.Clear();
            foreach (var row in RowsOf(neighbourhood))
            {
                foreach (var c in CandidatesOf(row))
                {
                    if (score[c] >= MinimumScore)
                    {
                        pairs.Add(c);
                    }
                }
            }
            pairs.Sort(bestFirst);
            foreach (var c in pairs)
            {
                if (assigned[rowOf[c]] < 0 && holder[facilityOf[c]] < 0)
                {
                    holder[facilityOf[c]] = rowOf[c];
                    assigned[rowOf[c]] = c;
                }
            }
            Exchange(neighbourhood);
        }

        /// <summary>
        /// Improves the greedy assignment by exchanges: two assigned rows swap facilities when each is a candidate of
        /// the other and the swap raises their summed score. Greedy takes the single best pair first, which in a
        /// cluster of facilities a few metres apart can leave both rows on the other's facility; an exchange changes no
        /// row's fate (merged rows stay merged, the same facilities stay taken), only which is which. Repeated until
        /// none helps.
        /// </summary>
        private void Exchange(int neighbourhood)
        {
            // Each exchange raises the total score, so this ends; the bound only guards against rounding ping-pong.
            for (var pass = 0; pass < 20; pass++)
            {
                var changed = false;
                foreach (var row in RowsOf(neighbourhood))
                {
                    var mine = assigned[row];
                    if (mine < 0)
                    {
                        continue;
                    }
                    foreach (var c in CandidatesOf(row))
                    {
                        var facility = facilityOf[c];
                        var other = holder[facility];
                        if (facility == facilityOf[mine] || other < 0 || other == row || score[c] < MinimumScore)
                        {
                            continue;
                        }
                        var otherOnMine = PairOf(other, facilityOf[mine]);
                        if (otherOnMine < 0 || score[c] + score[otherOnMine] <= score[mine] + score[assigned[other]] + 1e-12)
                        {
                            continue;
                        }
                        holder[facilityOf[mine]] = other;
                        holder[facility] = row;
                        assigned[other] = otherOnMine;
                        assigned[row] = mine = c;
                        changed = true;
                    }
                }
                if (!changed)
                {
                    return;
                }
            }
        }

        public List<double> AssignedDistances()
        {
            var distances = new List<double>(RowCount);
            foreach (var c in assigned)
            {
                if (c >= 0)
                {
                    distances.Add(candidates[c].DistanceM);
                }
            }
            return distances;
        }

        /// <summary>What exchanging the facilities of two assigned rows would cost in summed score (null when they
        /// cannot exchange: one facility is not a candidate of the other row).</summary>
        private double? ExchangeLoss(int row, int other)
        {
            var (mine, theirs) = (assigned[row], assigned[other]);
            var (rowOnTheirs, otherOnMine) = (PairOf(row, facilityOf[theirs]), PairOf(other, facilityOf[mine]));
            return rowOnTheirs >= 0 && otherOnMine >= 0 ? score[mine] + score[theirs] - score[rowOnTheirs] - score[otherOnMine] : null;
        }

        /// <summary>
        /// Each assigned row must be clearly its facility's: a free candidate (not taken by another row) scoring within
        /// the lead of the assigned one, or another row it could exchange facilities with at no visible cost, makes it
        /// ambiguous. Then the rows left without a facility.
        /// </summary>
        public void Decide(int neighbourhood, double typicalErrorM, List<MatchDecision> decisions)
        {
            foreach (var row in RowsOf(neighbourhood))
            {
                var best = assigned[row];
                if (best < 0)
                {
                    continue;
                }
                var bestFacility = facilityOf[best];
                var strict = nameless && candidates[best].DistanceM > typicalErrorM;
                var lead = strict ? NamelessLead : ClearLead;
                // What a person could still choose: the assigned facility, the candidates no other row took, and the
                // facilities of rows this one could exchange with at no visible cost (those rows are ambiguous too).
                exchangeable.Clear();
                foreach (var c in CandidatesOf(row))
                {
                    var other = holder[facilityOf[c]];
                    if (facilityOf[c] != bestFacility && score[c] >= MinimumScore && other >= 0 && other != row
                        && ExchangeLoss(row, other) is { } loss && loss < exchangeMargin)
                    {
                        exchangeable.Add(facilityOf[c]);
                    }
                }
                open.Clear();
                var rivals = 0;
                foreach (var c in CandidatesOf(row))
                {
                    var facility = facilityOf[c];
                    if (score[c] < MinimumScore || (holder[facility] >= 0 && holder[facility] != row && !exchangeable.Contains(facility)))
                    {
                        continue;
                    }
                    open.Add(c);
                    rivals += facility != bestFacility && (exchangeable.Contains(facility) || score[c] >= score[best] - lead) ? 1 : 0;
                }
                if (rivals == 0 && (!strict || candidates[best].Agreement == 1))
                {
                    decisions.Add(new MatchDecision(rowKey[row], MatchOutcome.Merge, candidates[best].FacilityId, []));
                }
                else
                {
                    heldInReview[bestFacility] = true;
                    decisions.Add(new MatchDecision(rowKey[row], MatchOutcome.Ambiguous, candidates[best].FacilityId, ForAPerson(open)));
                }
            }
            // A row left without a facility creates one, unless a facility it could be waits for a person: the row that
            // holds it is ambiguous, and if the person says that row is a different facility, this one may be the copy
            // (a far copy beside a nearer facility next door). Created now, it would stay a duplicate; it waits too,
            // with the facilities it waits for as its candidates.
            foreach (var row in RowsOf(neighbourhood))
            {
                if (assigned[row] >= 0)
                {
                    continue;
                }
                open.Clear();
                foreach (var c in CandidatesOf(row))
                {
                    if (score[c] >= MinimumScore && heldInReview[facilityOf[c]])
                    {
                        open.Add(c);
                    }
                }
                var waitingFor = ForAPerson(open);
                decisions.Add(waitingFor.Length == 0
                    ? new MatchDecision(rowKey[row], MatchOutcome.Create, null, [])
                    : new MatchDecision(rowKey[row], MatchOutcome.Ambiguous, waitingFor[0].FacilityId, waitingFor));
            }
        }

        private ScoredCandidate[] ForAPerson(List<int> pairsOfARow)
        {
            pairsOfARow.Sort(forAPerson);
            var scored = new ScoredCandidate[pairsOfARow.Count];
            for (var i = 0; i < scored.Length; i++)
            {
                var candidate = candidates[pairsOfARow[i]];
                scored[i] = new ScoredCandidate(candidate.FacilityId, score[pairsOfARow[i]], candidate.DistanceM, candidate.NameSimilarity);
            }
            return scored;
        }
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
