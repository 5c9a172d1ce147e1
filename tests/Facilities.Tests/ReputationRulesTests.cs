using Facilities.Api.Features.Proposals;
using Facilities.Api.Features.Reputation;
using Facilities.Api.Web;

namespace Facilities.Tests;

/// <summary>The reputation arithmetic with the default rules: weights, margins, thresholds, the floor of 1.</summary>
public sealed class ReputationRulesTests
{
    private readonly ReputationRules _rules = new();

    [Theory]
    [InlineData(1, 0)]
    [InlineData(14, 0)]
    [InlineData(15, 1.1761)]
    [InlineData(100, 2)]
    [InlineData(1000, 3)]
    public void A_vote_weighs_nothing_below_15_and_log10_of_reputation_from_it(int reputation, double weight) =>
        Assert.Equal(weight, _rules.Weight(reputation), 4);

    [Theory]
    [InlineData(3, 0, ProposalOutcome.Accepted)]
    [InlineData(2.99, 0, ProposalOutcome.Pending)]
    [InlineData(5, 2, ProposalOutcome.Accepted)]
    [InlineData(0, 3, ProposalOutcome.Rejected)]
    [InlineData(1, 3.99, ProposalOutcome.Pending)]
    [InlineData(1.301, 4.301, ProposalOutcome.Rejected)]
    public void Accepted_at_support_minus_opposition_3_and_rejected_at_opposition_minus_support_3(double support, double opposition,
        ProposalOutcome outcome) => Assert.Equal(outcome, _rules.Decide(support, opposition));

    [Fact]
    public void Three_votes_at_the_vote_privilege_accept_but_no_number_of_fresh_accounts_does()
    {
        Assert.Equal(ProposalOutcome.Pending, _rules.Decide(2 * _rules.Weight(15), 0));
        Assert.Equal(ProposalOutcome.Accepted, _rules.Decide(3 * _rules.Weight(15), 0));
        Assert.Equal(ProposalOutcome.Pending, _rules.Decide(1000 * _rules.Weight(1), 0));
    }

    [Theory]
    [InlineData("update", 100)]
    [InlineData("reopen", 100)]
    [InlineData("create", 500)]
    [InlineData("move", 500)]
    [InlineData("close", 500)]
    public void Own_changes_apply_at_once_from_their_privilege(string kind, int threshold) =>
        Assert.Equal(threshold, _rules.AtOnceThreshold(WireName.Parse<ProposalKind>(kind)!.Value));

    [Fact]
    public void Reputation_never_goes_below_1()
    {
        Assert.Equal(1, _rules.Apply(5, _rules.RevertedAuthorDelta));
        Assert.Equal(1, _rules.Apply(1, _rules.RejectedDelta));
        Assert.Equal(26, _rules.Apply(11, _rules.AcceptedCreateDelta));
    }
}
