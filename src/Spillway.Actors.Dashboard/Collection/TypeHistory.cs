using Spillway.Actors.Dashboard.Model;

namespace Spillway.Actors.Dashboard.Collection;

/// <summary>
/// One actor type's history at one-second resolution: processed and sent per second, and the restarts and dead
/// letters (by reason) of each second, in rings of the history's length; lane depth and handler time over a short
/// window. Memory is fixed at creation: it does not grow with time or traffic.
/// </summary>
/// <remarks>Thread-safety: tick thread only (the collector's tick holds its lock around every call).</remarks>
internal sealed class TypeHistory
{
    private readonly TypeCounters _counters;
    private readonly double[] _processed;
    private readonly double[] _sent;

    /// <summary>Per second: restarts, then dead letters by <see cref="DeadLetterKind"/>.</summary>
    private readonly long[][] _events;

    private readonly long[] _lastEvents = new long[1 + DeadLetterKind.Names.Length];
    private readonly DistributionWindow _depth;
    private readonly DistributionWindow _duration;
    private long _lastSent;
    private long _lastProcessed;
    private long _queued;
    private long _live;

    /// <summary>Seconds recorded so far (the ring's write position is this modulo its length).</summary>
    private long _ticks;

    /// <param name="counters">The type's running figures.</param>
    /// <param name="historySeconds">The length of the rings.</param>
    /// <param name="windowSeconds">The window of the lane depth and handler time percentiles.</param>
    /// <param name="baseline">Whether the current observed totals are the starting point (the collector's first tick),
    /// rather than counted as this second's traffic (a type first seen later, whose totals started at zero).</param>
    public TypeHistory(TypeCounters counters, int historySeconds, int windowSeconds, bool baseline)
    {
        _counters = counters;
        _processed = new double[historySeconds];
        _sent = new double[historySeconds];
        _events = new long[historySeconds][];
        for (var i = 0; i < historySeconds; i++)
        {
            _events[i] = new long[_lastEvents.Length];
        }

        _depth = new DistributionWindow(windowSeconds);
        _duration = new DistributionWindow(windowSeconds);
        if (baseline)
        {
            _lastSent = counters.ObservedSent;
            _lastProcessed = counters.ObservedProcessed;
        }
    }

    /// <summary>Records one second (<paramref name="elapsedSeconds"/> long, by the clock) from the running figures.</summary>
    public void Advance(double elapsedSeconds)
    {
        var slot = (int)(_ticks % _processed.Length);
        var seconds = Math.Max(elapsedSeconds, 0.001);

        // A total that went down (an actor system of the process was disposed, taking its totals with it) starts a
        // new baseline rather than showing a negative rate.
        _processed[slot] = Math.Max(0, _counters.ObservedProcessed - _lastProcessed) / seconds;
        _sent[slot] = Math.Max(0, _counters.ObservedSent - _lastSent) / seconds;
        (_lastProcessed, _lastSent) = (_counters.ObservedProcessed, _counters.ObservedSent);
        (_queued, _live) = (_counters.ObservedQueued, _counters.ObservedLive);

        var events = _events[slot];
        for (var i = 0; i < events.Length; i++)
        {
            // Volatile: the recorders add with Interlocked on other threads.
            var total = i == 0 ? Volatile.Read(ref _counters.Restarts) : Volatile.Read(ref _counters.DeadLetters[i - 1]);
            events[i] = total - _lastEvents[i];
            _lastEvents[i] = total;
        }

        // Exchange: the maximum is per second, so it is reset as it is taken; a recorder racing with the reset raises
        // the fresh zero (see TypeCounters.RaiseMax), so its value counts for the next second.
        _depth.Advance(_counters.DepthBuckets, Interlocked.Exchange(ref _counters.DepthMax, 0));
        _duration.Advance(_counters.DurationBuckets, Interlocked.Exchange(ref _counters.DurationMaxNanoseconds, 0));
        _ticks++;
    }

    /// <summary>Returns the type's figures, the series oldest first.</summary>
    public DashboardActorType Read()
    {
        var filled = (int)Math.Min(_ticks, _processed.Length);
        var processed = new double[filled];
        var sent = new double[filled];
        var events = new List<DashboardEvent>();
        for (var age = filled - 1; age >= 0; age--)
        {
            var slot = (int)((_ticks - 1 - age) % _processed.Length);
            processed[filled - 1 - age] = _processed[slot];
            sent[filled - 1 - age] = _sent[slot];
            var second = _events[slot];
            for (var i = 0; i < second.Length; i++)
            {
                if (second[i] > 0)
                {
                    events.Add(new DashboardEvent(age, i == 0 ? DashboardEvent.RestartKind : DeadLetterKind.Names[i - 1], second[i]));
                }
            }
        }

        var deadLetters = 0L;
        for (var i = 1; i < _lastEvents.Length; i++)
        {
            deadLetters += _lastEvents[i];
        }

        return new DashboardActorType(
            _counters.Name,
            processed,
            sent,
            _lastProcessed,
            _queued,
            _live,
            _depth.Read(1),
            _duration.Read(1e-9),
            _lastEvents[0],
            deadLetters,
            events);
    }
}
