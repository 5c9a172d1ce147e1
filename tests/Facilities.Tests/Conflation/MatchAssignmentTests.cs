using Facilities.Api.Features.Conflation;

namespace Facilities.Tests.Conflation;

public sealed class MatchAssignmentTests
{
    private static readonly Guid Near = Guid.Parse("00000000-0000-0000-0000-00000000000a");
    private static readonly Guid Next = Guid.Parse("00000000-0000-0000-0000-00000000000b");
    private static readonly Guid Other = Guid.Parse("00000000-0000-0000-0000-00000000000c");

    [Fact]
    public void A_row_that_loses_its_best_facility_to_a_better_row_takes_its_next_candidate_instead_of_creating_a_duplicate()
    {
        // Row 1 stands 2 m from Near; row 2 is 6 m from Near and 18 m from Next (named, so the distance is no concern).
        var decisions = MatchAssignment.Decide(
        [
            new MatchCandidate(2, Near, 6, 0.9, null),
            new MatchCandidate(2, Next, 18, 0.9, null),
            new MatchCandidate(1, Near, 2, 0.9, null),
        ], 50);

        Assert.Equal([1L, 2L], decisions.Select(d => d.Row));
        Assert.Equal((MatchOutcome.Merge, (Guid?)Near), (decisions[0].Outcome, decisions[0].FacilityId));
        Assert.Equal((MatchOutcome.Merge, (Guid?)Next), (decisions[1].Outcome, decisions[1].FacilityId));
    }

    [Fact]
    public void A_row_whose_every_candidate_went_to_better_rows_creates()
    {
        var decisions = MatchAssignment.Decide(
        [
            new MatchCandidate(1, Near, 1, null, null),
            new MatchCandidate(2, Near, 8, null, null),
        ], 50);

        Assert.Equal(MatchOutcome.Merge, decisions.Single(d => d.Row == 1).Outcome);
        Assert.Equal(MatchOutcome.Create, decisions.Single(d => d.Row == 2).Outcome);
    }

    [Fact]
    public void Agreeing_attributes_do_not_pull_a_row_to_a_facility_much_farther_than_the_nearest()
    {
        // Before, agreement weighed as much as 9 m: the far facility whose flags all agree won over the near one.
        var decisions = MatchAssignment.Decide(
        [
            new MatchCandidate(1, Near, 3, null, 0),
            new MatchCandidate(1, Next, 9, null, 1),
        ], 50);

        Assert.Equal(Near, decisions.Single().FacilityId);
    }

    [Fact]
    public void Two_free_candidates_of_nearly_the_same_score_are_for_a_person_to_decide()
    {
        var decisions = MatchAssignment.Decide(
        [
            new MatchCandidate(1, Near, 4, null, null),
            new MatchCandidate(1, Next, 6, null, null),
        ], 50);

        var decision = decisions.Single();
        Assert.Equal(MatchOutcome.Ambiguous, decision.Outcome);
        Assert.Equal([Near, Next], decision.Candidates.Select(c => c.FacilityId));
    }

    [Fact]
    public void Candidates_taken_by_other_rows_are_no_rivals_so_two_close_facilities_and_their_two_copies_are_two_merges()
    {
        var decisions = MatchAssignment.Decide(
        [
            new MatchCandidate(1, Near, 1, null, null),
            new MatchCandidate(1, Next, 6, null, null),
            new MatchCandidate(2, Next, 1, null, null),
            new MatchCandidate(2, Near, 6, null, null),
        ], 50);

        Assert.All(decisions, d => Assert.Equal(MatchOutcome.Merge, d.Outcome));
        Assert.Equal([Near, Next], decisions.Select(d => d.FacilityId!.Value));
    }

    [Fact]
    public void In_a_file_without_names_a_lone_candidate_far_beyond_the_files_typical_error_is_for_a_person_to_decide()
    {
        // Most rows of the file sit 1–3 m from their facility; one is 35 m from the only candidate it has.
        var candidates = Enumerable.Range(1, 20)
            .Select(i => new MatchCandidate(i, Guid.CreateVersion7(), 1 + i % 3, null, null))
            .Append(new MatchCandidate(99, Other, 35, null, null))
            .ToList();

        var decisions = MatchAssignment.Decide(candidates, 50);

        Assert.Equal(MatchOutcome.Ambiguous, decisions.Single(d => d.Row == 99).Outcome);
        Assert.All(decisions.Where(d => d.Row != 99), d => Assert.Equal(MatchOutcome.Merge, d.Outcome));
        // Attributes that all agree settle it; one that disagrees does not.
        var agreeing = MatchAssignment.Decide([.. candidates.SkipLast(1), new MatchCandidate(99, Other, 35, null, 1)], 50);
        Assert.Equal(MatchOutcome.Merge, agreeing.Single(d => d.Row == 99).Outcome);
        var differing = MatchAssignment.Decide([.. candidates.SkipLast(1), new MatchCandidate(99, Other, 35, null, 0)], 50);
        Assert.Equal(MatchOutcome.Ambiguous, differing.Single(d => d.Row == 99).Outcome);
        // In a file with names, position and name score it as usual.
        var named = MatchAssignment.Decide([.. candidates.Select(c => c with { NameSimilarity = 1 })], 50);
        Assert.Equal(MatchOutcome.Merge, named.Single(d => d.Row == 99).Outcome);
    }

    [Fact]
    public void A_row_whose_only_facility_is_held_by_a_row_waiting_for_review_waits_too_instead_of_creating_a_duplicate()
    {
        // A nameless file whose rows mostly sit 1–3 m from their facility. Row 98 stands 25 m from Other, row 99 40 m:
        // 98 takes Other, and far beyond the typical error with a differing flag it waits for a person. Row 99 may be
        // Other's copy (98 a toilet next door): created now, it would be a duplicate whenever the person says so.
        var candidates = Enumerable.Range(1, 20)
            .Select(i => new MatchCandidate(i, Guid.CreateVersion7(), 1 + i % 3, null, null))
            .Append(new MatchCandidate(98, Other, 25, null, 0))
            .Append(new MatchCandidate(99, Other, 40, null, 1))
            .ToList();

        var decisions = MatchAssignment.Decide(candidates, 50);

        Assert.Equal((MatchOutcome.Ambiguous, (Guid?)Other), (decisions.Single(d => d.Row == 98).Outcome, decisions.Single(d => d.Row == 98).FacilityId));
        var waiting = decisions.Single(d => d.Row == 99);
        Assert.Equal(MatchOutcome.Ambiguous, waiting.Outcome);
        Assert.Equal([Other], waiting.Candidates.Select(c => c.FacilityId));
        Assert.Equal(40, waiting.Candidates.Single().DistanceM);
        // Behind a row that merges, the farther row is a facility of its own, as before.
        var merged = MatchAssignment.Decide([.. candidates.SkipLast(2), new MatchCandidate(98, Other, 2, null, 1), new MatchCandidate(99, Other, 40, null, 1)], 50);
        Assert.Equal(MatchOutcome.Merge, merged.Single(d => d.Row == 98).Outcome);
        Assert.Equal(MatchOutcome.Create, merged.Single(d => d.Row == 99).Outcome);
    }

    [Fact]
    public void Rows_exchange_facilities_when_the_greedy_pairing_left_one_of_them_far_from_its_own()
    {
        // The single best pair is row 1 on Next (4 m), which leaves row 2 on Near at 30 m; the other way round both
        // rows are 5–6 m from their facility.
        var decisions = MatchAssignment.Decide(
        [
            new MatchCandidate(1, Near, 5, null, null),
            new MatchCandidate(1, Next, 4, null, null),
            new MatchCandidate(2, Near, 30, null, null),
            new MatchCandidate(2, Next, 6, null, null),
        ], 50);

        Assert.All(decisions, d => Assert.Equal(MatchOutcome.Merge, d.Outcome));
        Assert.Equal([Near, Next], decisions.Select(d => d.FacilityId!.Value));
    }

    [Fact]
    public void Two_rows_at_two_facilities_on_one_spot_are_for_a_person_to_decide_with_both_facilities_to_choose_from()
    {
        // Near and Next stand 0.3 m apart: either pairing of the two rows costs the same to within a metre.
        var decisions = MatchAssignment.Decide(
        [
            new MatchCandidate(1, Near, 2.0, null, null),
            new MatchCandidate(1, Next, 2.2, null, null),
            new MatchCandidate(2, Near, 3.1, null, null),
            new MatchCandidate(2, Next, 3.0, null, null),
        ], 50);

        Assert.All(decisions, d => Assert.Equal(MatchOutcome.Ambiguous, d.Outcome));
        Assert.All(decisions, d => Assert.Equal([Near, Next], d.Candidates.Select(c => c.FacilityId).Order()));
    }
}
