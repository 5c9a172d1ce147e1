namespace Facilities.Bench;

/// <summary>What one load run measured: completed requests (or transactions) per second and latency percentiles.</summary>
public sealed record LoadResult(double PerSecond, double P50Ms, double P99Ms, long Completed, long Failed)
{
    /// <summary>Nearest-rank percentile of latencies sorted ascending.</summary>
    public static double Percentile(IReadOnlyList<double> sorted, double percent) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(percent / 100 * sorted.Count) - 1, 0, sorted.Count - 1)];

    /// <summary>The median of some values (the mean of the middle two for an even count).</summary>
    public static double Median(IReadOnlyList<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count == 0 ? double.NaN
            : sorted.Count % 2 == 1 ? sorted[sorted.Count / 2]
            : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }

    /// <summary>
    /// Several runs of one load point as one: the median rate and percentiles, and every run's requests and errors.
    /// </summary>
    public static LoadResult Median(IReadOnlyList<LoadResult> runs) => new(
        Median(runs.Select(r => r.PerSecond).ToList()),
        Median(runs.Select(r => r.P50Ms).ToList()),
        Median(runs.Select(r => r.P99Ms).ToList()),
        runs.Sum(r => r.Completed),
        runs.Sum(r => r.Failed));
}
