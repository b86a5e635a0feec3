namespace Spillway.Actors.Dashboard.Collection;

/// <summary>
/// The last few seconds of one histogram of one actor type: a ring of copies of its cumulative bucket counts, one per
/// tick, so the window's counts are the newest copy minus the oldest; and the largest value of each second.
/// </summary>
/// <remarks>Thread-safety: tick thread only.</remarks>
internal sealed class DistributionWindow(int seconds)
{
    private readonly long[][] _copies = CreateCopies(seconds + 1);
    private readonly long[] _maxima = new long[seconds];
    private readonly long[] _window = new long[LogHistogram.BucketCount];
    private long _ticks;

    /// <summary>Takes this second's counts: copies the cumulative buckets and keeps the second's maximum.</summary>
    public void Advance(long[] cumulative, long maxThisSecond)
    {
        var copy = _copies[_ticks % _copies.Length];
        for (var i = 0; i < copy.Length; i++)
        {
            // Volatile: the recorders add with Interlocked on other threads; read each count whole and fresh.
            copy[i] = Volatile.Read(ref cumulative[i]);
        }

        _maxima[_ticks % _maxima.Length] = maxThisSecond;
        _ticks++;
    }

    /// <summary>Returns the window's percentiles with <paramref name="scale"/> applied (1e-9 turns ns into s).</summary>
    public Model.DashboardDistribution Read(double scale)
    {
        if (_ticks == 0)
        {
            return Model.DashboardDistribution.Empty;
        }

        var newest = _copies[(_ticks - 1) % _copies.Length];

        // Before the ring is full the window starts at the collector's start: every count is in the newest copy.
        var oldest = _ticks > _maxima.Length ? _copies[(_ticks - 1 - _maxima.Length) % _copies.Length] : null;
        var total = 0L;
        for (var i = 0; i < _window.Length; i++)
        {
            _window[i] = newest[i] - (oldest?[i] ?? 0);
            total += _window[i];
        }

        var max = 0L;
        var filled = (int)Math.Min(_ticks, _maxima.Length);
        for (var i = 0; i < filled; i++)
        {
            max = Math.Max(max, _maxima[i]);
        }

        if (total == 0)
        {
            return Model.DashboardDistribution.Empty;
        }

        return new Model.DashboardDistribution(
            total,
            LogHistogram.Percentile(_window, total, 0.5, max) * scale,
            LogHistogram.Percentile(_window, total, 0.9, max) * scale,
            LogHistogram.Percentile(_window, total, 0.99, max) * scale,
            max * scale);
    }

    private static long[][] CreateCopies(int count)
    {
        var copies = new long[count][];
        for (var i = 0; i < count; i++)
        {
            copies[i] = new long[LogHistogram.BucketCount];
        }

        return copies;
    }
}
