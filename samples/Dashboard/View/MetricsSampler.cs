using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Spillway.Actors;

namespace Spillway.Samples.Dashboard.View;

/// <summary>
/// Listens to the <c>Spillway.Actors</c> meter in-process, the same measurements the Prometheus exporter gets, and
/// turns them into per-actor-type rates once per <see cref="Sample"/>.
/// </summary>
/// <remarks>
/// Thread-safety: measurement callbacks of the recorded instruments come from every thread that tells or runs actors
/// and only add to counters with <see cref="Interlocked"/>; <see cref="Sample"/> is called from one thread at a time
/// (the view's loop), and it alone touches the previous-sample state. The observed instruments (sent, processed,
/// queued and the scheduler gauges) report their current values, on the sampling thread, when <see cref="Sample"/>
/// collects them: those are stored, not added up. It must be created before the first actor is spawned, because the
/// live-actor count is an up-down counter whose total only makes sense from the start.
/// </remarks>
internal sealed class MetricsSampler : IDisposable
{
    /// <summary>The number of samples (seconds, in the view) lane depth is averaged and maximised over.</summary>
    public const int LaneDepthWindow = 10;

    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<string, TypeCounters> _types = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _deadLettersByReason = new(StringComparer.Ordinal);
    private long _busyWorkers;
    private long _readyMailboxes;
    private long _lastSample = Stopwatch.GetTimestamp();

    public MetricsSampler()
    {
        _listener.InstrumentPublished = static (instrument, listener) =>
        {
            if (instrument.Meter.Name == SpillwayMetrics.MeterName)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>(OnMeasurement);
        _listener.SetMeasurementEventCallback<int>((instrument, value, tags, state) => OnMeasurement(instrument, value, tags, state));
        _listener.SetMeasurementEventCallback<double>(OnDuration);
        _listener.Start();
    }

    /// <summary>Reads the gauges and returns the numbers since the previous call.</summary>
    public DashboardSnapshot Sample()
    {
        // The observed values are per actor type and system; a collection reports each afresh, so start from zero.
        foreach (var counters in _types.Values)
        {
            counters.ResetObserved();
        }

        _listener.RecordObservableInstruments();
        var now = Stopwatch.GetTimestamp();
        var seconds = Math.Max(Stopwatch.GetElapsedTime(_lastSample, now).TotalSeconds, 0.001);
        _lastSample = now;

        var rows = new List<ActorTypeRow>(_types.Count);
        foreach (var (type, counters) in _types.OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            rows.Add(counters.Sample(type, seconds));
        }

        var reasons = _deadLettersByReason.OrderBy(r => r.Key, StringComparer.Ordinal).ToList();
        return new DashboardSnapshot(rows, Interlocked.Read(ref _busyWorkers), Interlocked.Read(ref _readyMailboxes), reasons);
    }

    public void Dispose() => _listener.Dispose();

    private static string? Find(ReadOnlySpan<KeyValuePair<string, object?>> tags, string key)
    {
        foreach (var tag in tags)
        {
            if (tag.Key == key)
            {
                return tag.Value as string;
            }
        }

        return null;
    }

    private void OnMeasurement(Instrument instrument, long value, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
    {
        switch (instrument.Name)
        {
            case SpillwayMetrics.BusyWorkers:
                Interlocked.Exchange(ref _busyWorkers, value);
                return;
            case SpillwayMetrics.ReadyMailboxes:
                Interlocked.Exchange(ref _readyMailboxes, value);
                return;
        }

        if (Find(tags, SpillwayMetrics.ActorTypeAttribute) is not { } type)
        {
            return;
        }

        var counters = _types.GetOrAdd(type, static _ => new TypeCounters());
        switch (instrument.Name)
        {
            // Observed: the current totals (sent and processed include stopped actors) and live actors, summed over systems.
            case SpillwayMetrics.SentMessages:
                Interlocked.Add(ref counters.Sent, value);
                break;
            case SpillwayMetrics.ProcessedMessages:
                Interlocked.Add(ref counters.Processed, value);
                break;
            case SpillwayMetrics.QueuedMessages:
                Interlocked.Add(ref counters.Queued, value);
                break;
            case SpillwayMetrics.ActorCount:
                Interlocked.Add(ref counters.Live, value);
                break;
            case SpillwayMetrics.Restarts:
                Interlocked.Add(ref counters.Restarts, value);
                break;
            case SpillwayMetrics.DeadLetters:
                Interlocked.Add(ref counters.DeadLetters, value);
                var reason = Find(tags, SpillwayMetrics.DeadLetterReasonAttribute) ?? "unknown";
                _deadLettersByReason.AddOrUpdate(reason, value, (_, total) => total + value);
                break;
            case SpillwayMetrics.LaneDepth:
                counters.RecordDepth(value);
                break;
        }
    }

    private void OnDuration(Instrument instrument, double seconds, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
    {
        if (instrument.Name == SpillwayMetrics.ProcessDuration && Find(tags, SpillwayMetrics.ActorTypeAttribute) is { } type)
        {
            var counters = _types.GetOrAdd(type, static _ => new TypeCounters());
            Interlocked.Increment(ref counters.Handled);
            Interlocked.Add(ref counters.HandlerNanoseconds, (long)(seconds * 1e9));
        }
    }

    /// <summary>Running totals of one actor type; fields are public so callbacks can add to them with Interlocked.</summary>
    private sealed class TypeCounters
    {
        // Observed (the current totals): zeroed by ResetObserved before each collection.
        public long Sent;
        public long Processed;
        public long Queued;
        public long Live;

        // Recorded: added to by every measurement. Lane depth is sampled (an actor's first lane taken, then one in 16,
        // and the first of each second), so LanesTaken counts samples, and the depth average and maximum are those of
        // the sampled lanes.
        public long Restarts;
        public long DeadLetters;
        public long LanesTaken;
        public long DepthSum;
        public long DepthMax;
        public long Handled;
        public long HandlerNanoseconds;

        // Only the sampling thread reads and writes these. A mailbox that holds a backlog takes its lanes seldom (it
        // works through what it took first), so lane depth is summed over the last few samples, not just the last one.
        private readonly (long Lanes, long DepthSum, long DepthMax)[] _depthWindow = new (long, long, long)[LaneDepthWindow];
        private int _depthWindowNext;
        private long _lastSent;
        private long _lastProcessed;
        private long _lastLanesTaken;
        private long _lastDepthSum;
        private long _lastHandled;
        private long _lastHandlerNanoseconds;

        /// <summary>
        /// Called on the sampling thread before it collects the observed instruments again. Plain writes: the observed
        /// values arrive on this same thread, inside <see cref="MeterListener.RecordObservableInstruments"/>.
        /// </summary>
        public void ResetObserved() => (Sent, Processed, Queued, Live) = (0, 0, 0, 0);

        public void RecordDepth(long depth)
        {
            Interlocked.Increment(ref LanesTaken);
            Interlocked.Add(ref DepthSum, depth);
            var max = Interlocked.Read(ref DepthMax);

            // CAS loop: several workers take lanes at once; the largest depth must win.
            while (depth > max)
            {
                var seen = Interlocked.CompareExchange(ref DepthMax, depth, max);
                if (seen == max)
                {
                    break;
                }

                max = seen;
            }
        }

        public ActorTypeRow Sample(string type, double seconds)
        {
            var sent = Interlocked.Read(ref Sent);
            var processed = Interlocked.Read(ref Processed);
            var lanes = Interlocked.Read(ref LanesTaken);
            var depthSum = Interlocked.Read(ref DepthSum);
            var handled = Interlocked.Read(ref Handled);
            var handlerNanoseconds = Interlocked.Read(ref HandlerNanoseconds);

            // Exchange: the maximum is per interval, so reset it as it is read.
            var depthMax = Interlocked.Exchange(ref DepthMax, 0);
            _depthWindow[_depthWindowNext] = (lanes - _lastLanesTaken, depthSum - _lastDepthSum, depthMax);
            _depthWindowNext = (_depthWindowNext + 1) % _depthWindow.Length;
            var windowLanes = _depthWindow.Sum(d => d.Lanes);
            var handledInInterval = handled - _lastHandled;
            var row = new ActorTypeRow(
                type,
                processed,
                (processed - _lastProcessed) / seconds,
                (sent - _lastSent) / seconds,
                Interlocked.Read(ref Queued),
                windowLanes == 0 ? 0 : (double)_depthWindow.Sum(d => d.DepthSum) / windowLanes,
                _depthWindow.Max(d => d.DepthMax),
                handledInInterval == 0 ? 0 : (handlerNanoseconds - _lastHandlerNanoseconds) / 1e6 / handledInInterval,
                Interlocked.Read(ref Live),
                Interlocked.Read(ref Restarts),
                Interlocked.Read(ref DeadLetters));
            (_lastSent, _lastProcessed, _lastLanesTaken, _lastDepthSum, _lastHandled, _lastHandlerNanoseconds) =
                (sent, processed, lanes, depthSum, handled, handlerNanoseconds);
            return row;
        }
    }
}
