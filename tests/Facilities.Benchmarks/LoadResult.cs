namespace Facilities.Benchmarks;

/// <summary>What one load run measured: completed requests (or transactions) per second and latency percentiles.</summary>
public sealed record LoadResult(double PerSecond, double P50Ms, double P99Ms, long Completed, long Failed)
{
    /// <summary>Nearest-rank percentile of latencies sorted ascending.</summary>
    public static double Percentile(IReadOnlyList<double> sorted, double percent) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(percent / 100 * sorted.Count) - 1, 0, sorted.Count - 1)];
}
