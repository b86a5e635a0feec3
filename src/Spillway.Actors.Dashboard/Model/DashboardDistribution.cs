namespace Spillway.Actors.Dashboard.Model;

/// <summary>
/// Percentiles of a sampled distribution (lane depth in messages, or handler time in seconds) over the dashboard's
/// window (<see cref="SpillwayDashboardOptions.WindowSeconds"/>). Read from buckets two per power of two wide, so a
/// percentile is within about a fifth of the true value and never above <see cref="Max"/>, which is exact.
/// </summary>
public sealed class DashboardDistribution
{
    internal DashboardDistribution(long samples, double p50, double p90, double p99, double max)
    {
        Samples = samples;
        P50 = p50;
        P90 = p90;
        P99 = p99;
        Max = max;
    }

    /// <summary>Gets the number of samples in the window (the runtime samples: see docs/metrics.md); 0 when none.</summary>
    public long Samples { get; }

    /// <summary>Gets the median; 0 when there is no sample.</summary>
    public double P50 { get; }

    /// <summary>Gets the 90th percentile; 0 when there is no sample.</summary>
    public double P90 { get; }

    /// <summary>Gets the 99th percentile; 0 when there is no sample.</summary>
    public double P99 { get; }

    /// <summary>Gets the largest sample in the window; 0 when there is none.</summary>
    public double Max { get; }

    internal static DashboardDistribution Empty { get; } = new(0, 0, 0, 0, 0);
}
