using System.Diagnostics.Metrics;

namespace Spillway.Actors;

/// <summary>
/// The instruments of one actor system. Every recording method checks <see cref="Instrument.Enabled"/> first, so with
/// no listener a recording costs one field read; and every recording is guarded so that a listener that throws never
/// breaks message processing.
/// </summary>
/// <remarks>
/// Thread-safety: instruments are thread-safe. Nothing is recorded per message: sent and processed messages are running
/// totals that each actor keeps in plain fields, observed when a collector asks (<see cref="MailboxTotals"/>); lane
/// depth is sampled per lane taken, and handler time one message in <see cref="ActorCell{TMsg}.DurationSampleInterval"/>.
/// The observed instruments have one callback each for the whole system, never one per actor or per lane.
/// </remarks>
internal sealed class ActorMetrics : IDisposable
{
    private static readonly double[] s_durationBuckets =
        [0.000_001, 0.000_005, 0.000_01, 0.000_05, 0.000_1, 0.000_5, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10];

    private static readonly int[] s_depthBuckets =
        [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096, 16384, 65536];

    /// <summary>
    /// By default one lane take in this many is recorded in <c>spillway.mailbox.lane.depth</c> (after the first take,
    /// which always is). A record into a collecting SDK costs tens of nanoseconds, and an actor whose worker keeps up
    /// takes a lane for every message or two, so recording every take would cost more than the messages themselves.
    /// Sixteen keeps that cost out of the tell path while a busy actor still yields plenty of samples for the
    /// distribution. A power of two, so the choice is a mask and no division.
    /// </summary>
    public const int LaneDepthSampleInterval = 16;

    private readonly Meter _meter;
    private readonly bool _ownsMeter;
    private readonly Histogram<int> _laneDepth;
    private readonly Histogram<double> _processDuration;
    private readonly UpDownCounter<long> _actorCount;
    private readonly Counter<long> _restarts;
    private readonly Counter<long> _deadLetters;

    public ActorMetrics(IMeterFactory? meterFactory, ActorScheduler scheduler, string systemName, MailboxTotals totals, int laneDepthSampleInterval)
    {
        LaneDepthSampleMask = laneDepthSampleInterval - 1;
        var version = typeof(ActorMetrics).Assembly.GetName().Version?.ToString();
        _ownsMeter = meterFactory is null;
        _meter = meterFactory?.Create(new MeterOptions(SpillwayMetrics.MeterName) { Version = version })
            ?? new Meter(SpillwayMetrics.MeterName, version);
        // One callback each for the whole system (it sums the actors' running totals per actor type when a collector
        // asks), so neither telling nor a turn ever touches these instruments.
        _meter.CreateObservableCounter(SpillwayMetrics.SentMessages, totals.MeasureSent, "{message}", "Messages accepted into actor mailboxes.");
        _meter.CreateObservableCounter(SpillwayMetrics.ProcessedMessages, totals.MeasureProcessed, "{message}", "Messages taken out of actor mailboxes and handled.");
        _meter.CreateObservableUpDownCounter(SpillwayMetrics.QueuedMessages, totals.MeasureQueued, "{message}", "Messages waiting in actor mailboxes.");
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

    /// <summary>
    /// Gets the mask an actor applies to its count of lanes taken: the take is recorded in lane depth when the masked
    /// count is zero (the sample interval, a power of two, minus one).
    /// </summary>
    public int LaneDepthSampleMask { get; }

    /// <summary>Gets whether a handler's duration should be measured (costs two timestamps per message).</summary>
    public bool MeasureDuration => _processDuration.Enabled;

    public static KeyValuePair<string, object?> TypeTag(Type actorType) => new(SpillwayMetrics.ActorTypeAttribute, actorType.Name);

    /// <summary>A sampled lane take: how many messages the lane held.</summary>
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
