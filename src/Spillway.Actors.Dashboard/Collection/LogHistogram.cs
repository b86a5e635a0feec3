using System.Numerics;

namespace Spillway.Actors.Dashboard.Collection;

/// <summary>
/// Bucket arithmetic of the dashboard's histograms: two buckets per power of two (at most about 41% wide), so a
/// percentile read from the buckets is within a quarter of the true value, and small integers (lane depths 0 to 3)
/// are exact. Pure functions; the counts live in <see cref="TypeCounters"/> and <see cref="DistributionWindow"/>.
/// </summary>
internal static class LogHistogram
{
    /// <summary>Buckets that cover every non-negative <see cref="long"/>: zero, then two per power of two.</summary>
    public const int BucketCount = 128;

    /// <summary>Returns the bucket of <paramref name="value"/>; negative values count as zero. Never out of range.</summary>
    public static int BucketOf(long value)
    {
        if (value <= 0)
        {
            return 0;
        }

        var power = BitOperations.Log2((ulong)value);
        var upperHalf = power == 0 ? 0 : (int)((value >> (power - 1)) & 1);
        return 1 + (2 * power) + upperHalf;
    }

    /// <summary>Returns the smallest value of bucket <paramref name="bucket"/>.</summary>
    public static long LowerBound(int bucket)
    {
        if (bucket <= 0)
        {
            return 0;
        }

        var power = (bucket - 1) / 2;
        var upperHalf = (bucket - 1) % 2;
        return (1L << power) + (power == 0 ? 0 : upperHalf * (1L << (power - 1)));
    }

    /// <summary>Returns the value that stands for bucket <paramref name="bucket"/>: its middle (exact when it holds one value).</summary>
    public static double Representative(int bucket)
    {
        var lower = LowerBound(bucket);
        var next = bucket + 1 < BucketCount ? LowerBound(bucket + 1) : long.MaxValue;

        // Bucket 2 (power 0, upper half) is never used: 1 is alone in bucket 1, and 2 starts bucket 3.
        if (next <= lower)
        {
            next = lower + 1;
        }

        return lower + ((next - 1 - lower) / 2.0);
    }

    /// <summary>
    /// Returns the <paramref name="quantile"/> (0 to 1) of the counts in <paramref name="buckets"/>, no larger than
    /// <paramref name="max"/> (the largest value recorded); 0 when the buckets are empty.
    /// </summary>
    public static double Percentile(ReadOnlySpan<long> buckets, long total, double quantile, long max)
    {
        if (total <= 0)
        {
            return 0;
        }

        var rank = Math.Max(1, (long)Math.Ceiling(quantile * total));
        var seen = 0L;
        for (var i = 0; i < buckets.Length; i++)
        {
            seen += buckets[i];
            if (seen >= rank)
            {
                return Math.Min(Representative(i), max);
            }
        }

        return max;
    }
}
