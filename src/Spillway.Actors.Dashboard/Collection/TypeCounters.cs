namespace Spillway.Actors.Dashboard.Collection;

/// <summary>
/// One actor type's running figures as the meter reports them, summed over the process's actor systems.
/// </summary>
/// <remarks>
/// Thread-safety: two kinds of writer. The recorded instruments (lane depth, handler time, restarts, dead letters)
/// report on whichever thread told or ran the actor: those callbacks only add to the cumulative fields and buckets
/// with <see cref="Interlocked"/> (several threads record at once) and raise the maxima with a compare-and-swap loop,
/// so they take no lock and allocate nothing. The observed instruments (sent, processed, queued, live actors) report
/// on the collector's tick thread inside <c>RecordObservableInstruments</c>, which resets and adds to the
/// <c>Observed</c> fields with plain writes; only that thread reads them.
/// </remarks>
internal sealed class TypeCounters(string name)
{
    public string Name { get; } = name;

    // Recorded: cumulative since the collector started; Interlocked from any thread.
    public readonly long[] DepthBuckets = new long[LogHistogram.BucketCount];
    public readonly long[] DurationBuckets = new long[LogHistogram.BucketCount];
    public readonly long[] DeadLetters = new long[DeadLetterKind.Names.Length];
    public long Restarts;

    /// <summary>The deepest lane sampled since the tick last took it (the tick swaps it for zero).</summary>
    public long DepthMax;

    /// <summary>The longest handler time sampled (ns) since the tick last took it (the tick swaps it for zero).</summary>
    public long DurationMaxNanoseconds;

    // Observed: the current values of this collection; tick thread only.
    public long ObservedSent;
    public long ObservedProcessed;
    public long ObservedQueued;
    public long ObservedLive;

    public void RecordDepth(long depth)
    {
        // Interlocked: workers of several actors of this type record at once; a plain ++ would lose counts.
        Interlocked.Increment(ref DepthBuckets[LogHistogram.BucketOf(depth)]);
        RaiseMax(ref DepthMax, depth);
    }

    public void RecordDuration(double seconds)
    {
        // Clamped so a huge or invalid value cannot overflow the cast; NaN fails both tests and becomes 0.
        var nanoseconds = seconds > 0 ? (long)Math.Min(seconds * 1e9, 1e18) : 0;
        Interlocked.Increment(ref DurationBuckets[LogHistogram.BucketOf(nanoseconds)]);
        RaiseMax(ref DurationMaxNanoseconds, nanoseconds);
    }

    public void ResetObserved() => (ObservedSent, ObservedProcessed, ObservedQueued, ObservedLive) = (0, 0, 0, 0);

    /// <summary>Raises <paramref name="max"/> to <paramref name="value"/> if larger.</summary>
    private static void RaiseMax(ref long max, long value)
    {
        var seen = Volatile.Read(ref max);

        // Compare-and-swap loop: two recorders (or a recorder and the tick's reset to zero) may race; the larger value
        // must win, and a value recorded after the reset must not be lost. Exits as soon as the stored max is larger.
        while (value > seen)
        {
            var previous = Interlocked.CompareExchange(ref max, value, seen);
            if (previous == seen)
            {
                return;
            }

            seen = previous;
        }
    }
}
