using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Spillway.Actors.Dashboard.Collection;
using Spillway.Actors.Dashboard.Model;

namespace Spillway.Actors.Dashboard;

/// <summary>
/// The dashboard's data: listens to the <c>Spillway.Actors</c> meter in-process (a <see cref="MeterListener"/>, the
/// same measurements an exporter gets) and, once a second, turns them into per-actor-type history (one point per
/// second for <see cref="SpillwayDashboardOptions.HistorySeconds"/>) and a fresh <see cref="Latest"/> snapshot.
/// Registered by <c>AddSpillwayDashboard</c>; the page's JSON endpoint and any other view (a terminal) read
/// <see cref="Latest"/>.
/// </summary>
/// <remarks>
/// <para>
/// Cost on the actors' threads: the runtime records lane depth for one lane take in 16 and handler time for one message
/// in 64 once a listener is on; each such measurement costs this collector a dictionary read by actor type and two
/// <see cref="Interlocked"/> operations, with no lock and no allocation. Sent, processed, queued and the actor count
/// are observed, read by the tick from the runtime's running totals, so a tell costs nothing more.
/// </para>
/// <para>
/// Thread-safety: the measurement callbacks run on any thread (see <see cref="TypeCounters"/>); the tick runs on the
/// timer's thread, one at a time (a tick that finds the previous still running is skipped); <see cref="Latest"/> may
/// be read from any thread and returns an immutable snapshot.
/// </para>
/// </remarks>
public sealed class SpillwayDashboardCollector : IDisposable
{
    private static readonly TimeSpan s_period = TimeSpan.FromSeconds(1);

    private readonly MeterListener _listener = new();
    private readonly TimeProvider _timeProvider;
    private readonly int _historySeconds;
    private readonly int _windowSeconds;

    /// <summary>Per actor type, written by the measurement callbacks; an entry is added the first time a type reports.</summary>
    private readonly ConcurrentDictionary<string, TypeCounters> _types = new(StringComparer.Ordinal);

    /// <summary>Taken (never waited on) by a tick; guards every field below it.</summary>
    private readonly object _tickLock = new();
    private readonly Dictionary<string, TypeHistory> _histories = new(StringComparer.Ordinal);
    private readonly double[] _busyWorkers;
    private readonly double[] _readyMailboxes;
    private readonly BusiestActors _busiest;
    private IReadOnlyList<ActorSystem> _systems = [];
    private long _ticks;
    private long _lastTick;
    private long _observedBusy;
    private long _observedReady;
    private ITimer? _timer;

    /// <summary>The latest snapshot; replaced whole by each tick, so a reader never sees a half-built one.</summary>
    private SpillwayDashboardSnapshot _latest;

    internal SpillwayDashboardCollector(SpillwayDashboardOptions options, TimeProvider timeProvider)
    {
        _timeProvider = timeProvider;
        _historySeconds = options.HistorySeconds;
        _windowSeconds = options.WindowSeconds;
        _busyWorkers = new double[_historySeconds];
        _readyMailboxes = new double[_historySeconds];
        _busiest = new BusiestActors(options.BusiestActorCount);
        _latest = SpillwayDashboardSnapshot.Empty(timeProvider.GetUtcNow(), _windowSeconds);
        _lastTick = timeProvider.GetTimestamp();

        _listener.InstrumentPublished = static (instrument, listener) =>
        {
            if (instrument.Meter.Name == SpillwayMetrics.MeterName && KindOf(instrument.Name) is { } kind)
            {
                listener.EnableMeasurementEvents(instrument, kind);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, value, tags, state) => OnMeasurement(value, tags, state));
        _listener.SetMeasurementEventCallback<int>((_, value, tags, state) => OnMeasurement(value, tags, state));
        _listener.SetMeasurementEventCallback<double>(OnDouble);
        _listener.Start();
    }

    /// <summary>
    /// Gets the latest snapshot: taken by the last tick (about a second ago), or an empty one before the first. Safe
    /// from any thread; the snapshot never changes once returned.
    /// </summary>
    public SpillwayDashboardSnapshot Latest => Volatile.Read(ref _latest);

    /// <summary>Stops the ticks and the listener; <see cref="Latest"/> keeps the last snapshot.</summary>
    public void Dispose()
    {
        Stop();
        _listener.Dispose();
    }

    /// <summary>Starts ticking once a second; <paramref name="systems"/> are walked for the busiest actors.</summary>
    internal void Start(IReadOnlyList<ActorSystem> systems)
    {
        lock (_tickLock)
        {
            _systems = systems;
            _timer ??= _timeProvider.CreateTimer(static self => ((SpillwayDashboardCollector)self!).TryTick(), this, s_period, s_period);
        }
    }

    internal void Stop()
    {
        ITimer? timer;
        lock (_tickLock)
        {
            (timer, _timer) = (_timer, null);
        }

        timer?.Dispose();
    }

    /// <summary>
    /// Takes one second: collects the observed instruments, advances every ring and publishes a new snapshot. Skips
    /// (returns <see langword="false"/>) when another tick is running: a slow tick must not pile up timer callbacks.
    /// Never throws: a failure leaves the previous snapshot in place.
    /// </summary>
    internal bool TryTick()
    {
        if (!Monitor.TryEnter(_tickLock))
        {
            return false;
        }

        try
        {
            Tick_NeedsLock();
            return true;
        }
        catch (Exception error) when (error is not OutOfMemoryException)
        {
            // A timer callback must not throw (it would end the process); the runtime's observed callbacks already
            // guard themselves, so this is the walk of a system being disposed, or a bug: keep the last snapshot.
            return false;
        }
        finally
        {
            Monitor.Exit(_tickLock);
        }
    }

    private static InstrumentKind? KindOf(string name) => name switch
    {
        SpillwayMetrics.SentMessages => InstrumentKind.Sent,
        SpillwayMetrics.ProcessedMessages => InstrumentKind.Processed,
        SpillwayMetrics.QueuedMessages => InstrumentKind.Queued,
        SpillwayMetrics.ActorCount => InstrumentKind.Live,
        SpillwayMetrics.LaneDepth => InstrumentKind.LaneDepth,
        SpillwayMetrics.ProcessDuration => InstrumentKind.Duration,
        SpillwayMetrics.Restarts => InstrumentKind.Restarts,
        SpillwayMetrics.DeadLetters => InstrumentKind.DeadLetters,
        SpillwayMetrics.BusyWorkers => InstrumentKind.BusyWorkers,
        SpillwayMetrics.ReadyMailboxes => InstrumentKind.ReadyMailboxes,
        _ => null,
    };

    private static string? Find(ReadOnlySpan<KeyValuePair<string, object?>> tags, string key)
    {
        foreach (var tag in tags)
        {
            if (string.Equals(tag.Key, key, StringComparison.Ordinal))
            {
                return tag.Value as string;
            }
        }

        return null;
    }

    private void Tick_NeedsLock()
    {
        var now = _timeProvider.GetTimestamp();
        var elapsed = _timeProvider.GetElapsedTime(_lastTick, now).TotalSeconds;
        _lastTick = now;

        // The observed instruments report their current values, on this thread, inside RecordObservableInstruments:
        // start every sum from zero (a type whose actors all stopped reports zero queued and live).
        foreach (var counters in _types.Values)
        {
            counters.ResetObserved();
        }

        (_observedBusy, _observedReady) = (0, 0);
        _listener.RecordObservableInstruments();

        foreach (var counters in _types.Values)
        {
            if (!_histories.TryGetValue(counters.Name, out var history))
            {
                history = new TypeHistory(counters, _historySeconds, _windowSeconds, baseline: _ticks == 0);
                _histories.Add(counters.Name, history);
            }

            history.Advance(elapsed);
        }

        var slot = (int)(_ticks % _historySeconds);
        _busyWorkers[slot] = _observedBusy;
        _readyMailboxes[slot] = _observedReady;
        _ticks++;

        var types = new List<DashboardActorType>(_histories.Count);
        foreach (var history in _histories.Values)
        {
            types.Add(history.Read());
        }

        types.Sort(static (a, b) => string.CompareOrdinal(a.Name, b.Name));
        var busiest = _busiest.Rank(_systems, elapsed);
        var snapshot = new SpillwayDashboardSnapshot(_timeProvider.GetUtcNow(), _windowSeconds, types, Series(_busyWorkers), Series(_readyMailboxes), busiest);
        Volatile.Write(ref _latest, snapshot);
    }

    /// <summary>A ring's points, oldest first.</summary>
    private double[] Series(double[] ring)
    {
        var filled = (int)Math.Min(_ticks, ring.Length);
        var series = new double[filled];
        for (var i = 0; i < filled; i++)
        {
            series[i] = ring[(_ticks - filled + i) % ring.Length];
        }

        return series;
    }

    /// <summary>Long and int instruments: the observed ones on the tick thread, restarts, dead letters and lane depth on any thread.</summary>
    private void OnMeasurement(long value, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
    {
        if (state is not InstrumentKind kind)
        {
            return;
        }

        switch (kind)
        {
            // The scheduler gauges carry no actor type; summed over systems. Tick thread, under the tick lock.
            case InstrumentKind.BusyWorkers:
                _observedBusy += value;
                return;
            case InstrumentKind.ReadyMailboxes:
                _observedReady += value;
                return;
        }

        if (CountersOf(tags) is not { } counters)
        {
            return;
        }

        switch (kind)
        {
            case InstrumentKind.Sent:
                counters.ObservedSent += value;
                break;
            case InstrumentKind.Processed:
                counters.ObservedProcessed += value;
                break;
            case InstrumentKind.Queued:
                counters.ObservedQueued += value;
                break;
            case InstrumentKind.Live:
                counters.ObservedLive += value;
                break;
            case InstrumentKind.LaneDepth:
                counters.RecordDepth(value);
                break;
            case InstrumentKind.Restarts:
                // Interlocked: restarts are recorded on the failing actor's worker, several at once.
                Interlocked.Add(ref counters.Restarts, value);
                break;
            case InstrumentKind.DeadLetters:
                // Interlocked: dead letters are recorded on the telling thread, any number at once.
                Interlocked.Add(ref counters.DeadLetters[DeadLetterKind.IndexOf(Find(tags, SpillwayMetrics.DeadLetterReasonAttribute))], value);
                break;
        }
    }

    private void OnDouble(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
    {
        if (state is InstrumentKind.Duration && CountersOf(tags) is { } counters)
        {
            counters.RecordDuration(value);
        }
    }

    /// <summary>The counters of the measurement's actor type; created on a type's first measurement (the only allocation).</summary>
    private TypeCounters? CountersOf(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (Find(tags, SpillwayMetrics.ActorTypeAttribute) is not { } type)
        {
            return null;
        }

        return _types.TryGetValue(type, out var counters) ? counters : _types.GetOrAdd(type, static name => new TypeCounters(name));
    }
}
