using Spillway.Actors.Dashboard.Collection;

namespace Spillway.Actors.Dashboard.Tests.Collection;

public sealed class LogHistogramTests
{
    [TestCase(0L)]
    [TestCase(1L)]
    [TestCase(2L)]
    [TestCase(3L)]
    [TestCase(5L)]
    [TestCase(1000L)]
    [TestCase(long.MaxValue)]
    public void BucketOf_AnyValue_FallsBetweenItsBucketsBounds(long value)
    {
        var bucket = LogHistogram.BucketOf(value);

        Assert.That(bucket, Is.InRange(0, LogHistogram.BucketCount - 1));
        Assert.That(LogHistogram.LowerBound(bucket), Is.LessThanOrEqualTo(value));
        if (bucket + 1 < LogHistogram.BucketCount && LogHistogram.LowerBound(bucket + 1) > LogHistogram.LowerBound(bucket))
        {
            Assert.That(LogHistogram.LowerBound(bucket + 1), Is.GreaterThan(value));
        }
    }

    [Test]
    public void BucketOf_NegativeValue_CountsAsZero() =>
        Assert.That(LogHistogram.BucketOf(-5), Is.Zero);

    [Test]
    public void Representative_SmallDepths_AreExact()
    {
        Assert.Multiple(() =>
        {
            for (var depth = 0; depth <= 3; depth++)
            {
                Assert.That(LogHistogram.Representative(LogHistogram.BucketOf(depth)), Is.EqualTo(depth));
            }
        });
    }

    [Test]
    public void Percentile_UniformValues_IsWithinAQuarterAndNeverAboveTheMax()
    {
        var buckets = new long[LogHistogram.BucketCount];
        for (var value = 1; value <= 1000; value++)
        {
            buckets[LogHistogram.BucketOf(value)]++;
        }

        var median = LogHistogram.Percentile(buckets, 1000, 0.5, max: 1000);
        var p99 = LogHistogram.Percentile(buckets, 1000, 0.99, max: 1000);

        Assert.That(median, Is.EqualTo(500).Within(25).Percent);
        Assert.That(p99, Is.InRange(990 * 0.75, 1000));
    }

    [Test]
    public void Percentile_NoCounts_IsZero() =>
        Assert.That(LogHistogram.Percentile(new long[LogHistogram.BucketCount], 0, 0.5, 0), Is.Zero);
}
