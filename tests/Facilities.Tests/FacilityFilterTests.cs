using Facilities.Api.Features.Facilities;

namespace Facilities.Tests;

public sealed class FacilityFilterTests
{
    private static readonly DateTimeOffset Noon = new(2026, 11, 28, 12, 0, 0, TimeSpan.Zero);

    private static readonly FacilityFilter None = new(null, false, null, null, null, null, null, Noon);

    /// <summary>Every filter SQL applies, each set one way and another, and unset.</summary>
    private static IEnumerable<FacilityFilter> Variants() =>
    [
        None,
        None with { Categories = ["toilet"] },
        None with { Categories = ["toilet", "aed"] },
        None with { Wheelchair = ["yes"] },
        None with { Wheelchair = ["limited"] },
        None with { Free = true },
        None with { Free = false },
        None with { ChangingTable = true },
        None with { ChangingTable = false },
        None with { Gender = ["unisex"] },
        None with { Gender = ["female", "male"] },
        None with { Access = ["public"] },
        None with { Access = ["customers"] },
        None with { Categories = ["toilet"], Wheelchair = ["yes"], Free = true },
    ];

    [Fact]
    public void Filters_that_differ_in_what_sql_tests_never_share_a_statement()
    {
        // NearbyCandidates sends the searches of one key as one statement with one set of filter parameters: two
        // different filters with one key would answer one of them with the other's facilities.
        var variants = Variants().ToList();
        Assert.Equal(variants.Count, variants.Select(f => f.SqlKey()).Distinct().Count());
    }

    [Fact]
    public void Filters_that_differ_only_in_what_csharp_tests_share_a_statement()
    {
        foreach (var filter in Variants())
        {
            var later = filter with { OpenNowOnly = true, At = Noon.AddHours(9) };
            Assert.Equal(filter.SqlKey(), later.SqlKey());
            Assert.Equal(filter.SqlCondition(), later.SqlCondition());
        }
    }

    [Fact]
    public void Sql_condition_tests_only_the_filters_that_are_set()
    {
        Assert.Equal("f.status <> 'removed'", None.SqlCondition());
        Assert.Equal("f.status <> 'removed' and f.wheelchair = any($2) and f.access = any($6)",
            (None with { Wheelchair = ["yes"], Access = ["public"] }).SqlCondition());
        Assert.Equal("f.status <> 'removed' and f.fee = not $3", (None with { Free = false }).SqlCondition());
    }
}
