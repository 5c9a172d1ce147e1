using System.Globalization;
using Facilities.Testing;
using Xunit.Abstractions;

namespace Facilities.Api.Tests.Partners;

/// <summary>Conflation against known truth on real data (see <see cref="ConflationQuality"/>); the benchmark
/// (./bench.sh import quality) runs the same on all 22,513 rows.</summary>
public sealed class ConflationQualityTests(ApiFixture fixture, ITestOutputHelper output) : IClassFixture<ApiFixture>
{
    [Fact]
    public async Task A_noisy_community_copy_of_the_national_toilet_map_merges_with_precision_099_and_recall_097()
    {
        using var government = await PartnerClient.CreateAsync(fixture, "Australian Government");
        var official = await government.CreateDatasetAsync(new
        {
            name = "NPTM",
            license = "CC-BY-4.0",
            attribution = "© Commonwealth of Australia",
            preset = "au_nptm",
        });
        using var crowd = await PartnerClient.CreateAsync(fixture, "Crowd");
        var community = await crowd.CreateDatasetAsync(new
        {
            name = "Community copy",
            kind = "osm",
            license = "ODbL-1.0",
            attribution = "test",
            preset = "au_nptm",
        });
        var officialCsv = ConflationQuality.Official(4000);
        var (communityCsv, copies, added) = ConflationQuality.Community(officialCsv);

        Assert.Equal("succeeded", (string?)(await government.ImportTextAsync(official, "nptm.csv", officialCsv))["state"]);
        var import = await crowd.ImportTextAsync(community, "copy.csv", communityCsv);
        Assert.Equal("succeeded", (string?)import["state"]);
        output.WriteLine($"community import, ms per phase: {import["report"]!["phases_ms"]!.ToJsonString()}");

        await using var dataSource = fixture.Database.CreateDataSource();
        var figures = await ConflationQuality.MeasureAsync(dataSource, official, community, copies, added);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"copies {figures.Copies}, new {figures.New}, merged {figures.Merged}, correct {figures.Correct}, wrong {figures.WrongMerges}, " +
            $"in review {figures.InReview}, precision {figures.Precision:F4}, recall {figures.Recall:F4}"));
        Assert.True(figures.Precision >= 0.99, $"precision {figures.Precision:F4}");
        Assert.True(figures.Recall >= 0.97, $"recall {figures.Recall:F4}");
    }
}
