using Facilities.Api.Web;

namespace Facilities.Tests;

public sealed class ReadBudgetsTests
{
    private sealed class ManualClock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;
        public override DateTimeOffset GetUtcNow() => Now;
    }

    [Fact]
    public void Reads_per_address_are_refused_past_the_budget_until_the_window_turns()
    {
        var clock = new ManualClock(new DateTimeOffset(2026, 12, 2, 10, 0, 0, TimeSpan.Zero));
        var budgets = new ReadBudgets(2, TimeSpan.FromMinutes(1), clock);
        Assert.Null(budgets.TrySpend("192.0.2.1"));
        Assert.Null(budgets.TrySpend("192.0.2.1"));
        Assert.Equal(60, budgets.TrySpend("192.0.2.1"));
        Assert.Null(budgets.TrySpend("192.0.2.2"));
        clock.Now = clock.Now.AddSeconds(61);
        Assert.Null(budgets.TrySpend("192.0.2.1"));
    }

    [Fact]
    public void A_flood_of_addresses_tracks_at_most_the_bound_and_the_rest_share_one_budget()
    {
        var clock = new ManualClock(new DateTimeOffset(2026, 12, 2, 10, 0, 0, TimeSpan.Zero));
        var budgets = new ReadBudgets(3, TimeSpan.FromMinutes(1), clock);
        for (var i = 0; i < ReadBudgets.MaxTracked + 10; i++)
        {
            budgets.TrySpend($"2001:db8::{i:x}:{i >> 16:x}/{i}");
        }
        Assert.Equal(ReadBudgets.MaxTracked + 1, budgets.Tracked);
        Assert.NotNull(budgets.TrySpend("198.51.100.7"));
    }

    [Fact]
    public void IPv6_addresses_share_the_budget_of_their_64_bit_prefix()
    {
        Assert.Equal(ContributionRateLimits.AddressKey(System.Net.IPAddress.Parse("2001:db8:1:2:aaaa::1")),
            ContributionRateLimits.AddressKey(System.Net.IPAddress.Parse("2001:db8:1:2:bbbb::9")));
        Assert.Equal("192.0.2.1", ContributionRateLimits.AddressKey(System.Net.IPAddress.Parse("::ffff:192.0.2.1")));
    }
}

public sealed class StandbyLagTests
{
    [Fact]
    public void A_standby_is_read_only_while_its_lag_is_known_and_within_the_bound()
    {
        Assert.True(Facilities.Api.Data.StandbyLag.WithinBound(0, 5));
        Assert.True(Facilities.Api.Data.StandbyLag.WithinBound(5, 5));
        Assert.False(Facilities.Api.Data.StandbyLag.WithinBound(5.5, 5));
        Assert.False(Facilities.Api.Data.StandbyLag.WithinBound(null, 5));
    }
}
