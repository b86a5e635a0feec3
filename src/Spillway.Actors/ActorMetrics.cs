using System.Diagnostics.Metrics;

namespace Spillway.Actors;

/// <summary>
/// The instruments of one actor system. Every recording method checks <see cref="Instrument.Enabled"/> first, so with
/// no listener a recording costs one field read; and every recording is guarded so that a listener that throws never
/// breaks message processing.
/// </summary>
/// <remarks>
/// Thread-safety: instruments are thread-safe. Per-message recordings happen only when a listener enables them;
/// processed counts are recorded once per turn, lane depth once per lane taken. The two gauges have one callback each
/// for the whole system, never one per actor or per lane.
/// </remarks>
internal sealed class ActorMetrics : IDisposable
{
    private static readonly double[] s_durationBuckets =
        [0.000_001, 0.000_005, 0.000_01, 0.000_05, 0.000_1, 0.000_5, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10];

    private static readonly int[] s_depthBuckets =
        [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096, 16384, 65536];

    private readonly Meter _meter;
    private readonly bool _ownsMeter;
    private readonly Counter<long> _sent;
    private readonly Counter<long> _processed;
    private readonly Histogram<int> _laneDepth;
    private readonly Histogram<double> _processDuration;
    private readonly UpDownCounter<long> _actorCount;
    private readonly Counter<long> _restarts;
    private readonly Counter<long> _deadLetters;

    public ActorMetrics(IMeterFactory? meterFactory, ActorScheduler scheduler, string systemName, Func<IEnumerable<Measurement<long>>> observeQueued)
    {
        var version = typeof(ActorMetrics).Assembly.GetName().Version?.ToString();
        _ownsMeter = meterFactory is null;
        _meter = meterFactory?.Create(new MeterOptions(SpillwayMetrics.MeterName) { Version = version })
            ?? new Meter(SpillwayMetrics.MeterName, version);
        _sent = _meter.CreateCounter<long>(SpillwayMetrics.SentMessages, "{message}", "Messages accepted into actor mailboxes.");
        _processed = _meter.CreateCounter<long>(SpillwayMetrics.ProcessedMessages, "{message}", "Messages taken out of actor mailboxes and handled.");
        // One callback for the whole system (it sums mailboxes per actor type when a collector asks), so telling never
        // touches this instrument.
        _meter.CreateObservableUpDownCounter(SpillwayMetrics.QueuedMessages, observeQueued, "{message}", "Messages waiting in actor mailboxes.");
        _laneDepth = _meter.CreateHistogram(
            SpillwayMetrics.LaneDepth,
            "{message}",
            "Messages a mailbox lane held when the actor took it.",
            tags: null,
            advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = s_depthBuckets });
        _processDuration = _meter.CreateHistogram(
            SpillwayMetrics.ProcessDuration,
            "s",
            "Time a handler took per message.",
            tags: null,
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = s_durationBuckets });
        _actorCount = _meter.CreateUpDownCounter<long>(SpillwayMetrics.ActorCount, "{actor}", "Live actors.");
        _restarts = _meter.CreateCounter<long>(SpillwayMetrics.Restarts, "{restart}", "Actor restarts by supervision.");
        _deadLetters = _meter.CreateCounter<long>(SpillwayMetrics.DeadLetters, "{message}", "Messages that could not be delivered.");
        var systemTag = new KeyValuePair<string, object?>(SpillwayMetrics.SystemAttribute, systemName);
        _meter.CreateObservableGauge(SpillwayMetrics.BusyWorkers, () => new Measurement<int>(scheduler.BusyWorkers, systemTag), "{worker}", "Scheduler workers running a turn.");
        _meter.CreateObservableGauge(SpillwayMetrics.ReadyMailboxes, () => new Measurement<int>(scheduler.ReadyCount, systemTag), "{mailbox}", "Mailboxes waiting for a worker.");
    }

    /// <summary>Gets whether a handler's duration should be measured (costs two timestamps per message).</summary>
    public bool MeasureDuration => _processDuration.Enabled;

    public static KeyValuePair<string, object?> TypeTag(Type actorType) => new(SpillwayMetrics.ActorTypeAttribute, actorType.Name);

    /// <summary>
    /// Messages accepted into a mailbox, recorded in bulk: when the mailbox takes a lane (its whole count), or when a
    /// stop drops what was still in the lanes. Never per tell, so a listener costs a tell nothing.
    /// </summary>
    public void RecordSent(int count, in KeyValuePair<string, object?> typeTag) => AddGuarded(_sent, count, typeTag);

    /// <summary>Messages handed to handlers, recorded once per turn.</summary>
    public void RecordProcessed(int count, in KeyValuePair<string, object?> typeTag) => AddGuarded(_processed, count, typeTag);

    /// <summary>A lane was taken: its depth, and its messages as sent.</summary>
    public void RecordLaneTaken(int count, in KeyValuePair<string, object?> typeTag)
    {
        RecordSent(count, typeTag);
        RecordLaneDepth(count, typeTag);
    }

    public void RecordLaneDepth(int depth, in KeyValuePair<string, object?> typeTag)
    {
        if (!_laneDepth.Enabled)
        {
            return;
        }

        try
        {
            _laneDepth.Record(depth, typeTag);
        }
        catch (Exception)
        {
            // A listener threw: metrics must never break message processing.
        }
    }

    public void RecordDuration(double seconds, in KeyValuePair<string, object?> typeTag)
    {
        try
        {
            _processDuration.Record(seconds, typeTag);
        }
        catch (Exception)
        {
            // A listener threw: metrics must never break message processing.
        }
    }

    public void RecordActorStarted(in KeyValuePair<string, object?> typeTag) => AddGuardedUpDown(_actorCount, 1, typeTag);

    public void RecordActorStopped(in KeyValuePair<string, object?> typeTag) => AddGuardedUpDown(_actorCount, -1, typeTag);

    public void RecordRestart(in KeyValuePair<string, object?> typeTag) => AddGuarded(_restarts, 1, typeTag);

    public void RecordDeadLetter(in KeyValuePair<string, object?> typeTag, DeadLetterReason reason)
    {
        if (!_deadLetters.Enabled)
        {
            return;
        }

        try
        {
            _deadLetters.Add(1, typeTag, new KeyValuePair<string, object?>(SpillwayMetrics.DeadLetterReasonAttribute, ReasonName(reason)));
        }
        catch (Exception)
        {
            // A listener threw: metrics must never break the runtime.
        }
    }

    /// <summary>Disposes the meter if this system created it; a factory's meter belongs to the factory.</summary>
    public void Dispose()
    {
        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }

    private static string ReasonName(DeadLetterReason reason) => reason switch
    {
        DeadLetterReason.ActorStopped => "actor_stopped",
        DeadLetterReason.MailboxFull => "mailbox_full",
        DeadLetterReason.SystemShutdown => "system_shutdown",
        _ => "unknown",
    };

    private static void AddGuarded(Counter<long> counter, long value, in KeyValuePair<string, object?> tag)
    {
        if (!counter.Enabled)
        {
            return;
        }

        try
        {
            counter.Add(value, tag);
        }
        catch (Exception)
        {
            // A listener threw: metrics must never break the runtime.
        }
    }

    private static void AddGuardedUpDown(UpDownCounter<long> counter, long value, in KeyValuePair<string, object?> tag)
    {
        if (!counter.Enabled)
        {
            return;
        }

        try
        {
            counter.Add(value, tag);
        }
        catch (Exception)
        {
            // A listener threw: metrics must never break the runtime.
        }
    }
}
