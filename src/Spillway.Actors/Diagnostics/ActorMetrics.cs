using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;

namespace Spillway.Actors;

/// <summary>
/// The instruments of one actor system. Every recording method checks <see cref="Instrument.Enabled"/> first, so with
/// no listener a recording costs one field read. A listener that throws never reaches the runtime: recordings go through
/// one guarded path (<see cref="Record{T}"/>), and so do the publishing of the instruments at the system's start (a
/// throwing <c>InstrumentPublished</c> leaves that instrument out), the observed callbacks and the meter's disposal at
/// its stop; the failures are counted in <see cref="Faults"/>.
/// </summary>
/// <remarks>
/// Thread-safety: instruments are thread-safe. Nothing is recorded per message: sent and processed messages are running
/// totals kept by each actor's lanes and turn in plain fields, observed when a collector asks (<see cref="MailboxTotals"/>),
/// and so is the live actor count; lane depth is sampled per lane taken (by count and by <see cref="SampleEpoch"/>), and
/// handler time one message in <see cref="ActorCell{TMsg}.DurationSampleInterval"/>. The observed instruments have one
/// callback each for the whole system, never one per actor or per lane. Every per-type measurement also carries the
/// system's name (<see cref="SpillwayMetrics.SystemAttribute"/>), so two systems in one process never share a series.
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

    /// <summary>
    /// How often <see cref="SampleEpoch"/> advances: an actor records the first lane it takes in each epoch, whatever
    /// the count-based sample says, so a slow consumer (few takes, deep lanes) is seen at least this often.
    /// </summary>
    public static readonly TimeSpan SampleEpochPeriod = TimeSpan.FromSeconds(1);

    private readonly Meter _meter;
    private readonly bool _ownsMeter;
    private readonly Histogram<int>? _laneDepth;
    private readonly Histogram<double>? _processDuration;
    private readonly Counter<long>? _restarts;
    private readonly Counter<long>? _deadLetters;

    /// <summary>The <c>spillway.system</c> attribute every recording carries next to the actor type.</summary>
    private readonly KeyValuePair<string, object?> _systemTag;

    /// <summary>Advances <see cref="_sampleEpoch"/> every <see cref="SampleEpochPeriod"/> on the system's clock.</summary>
    private readonly ITimer _epochTimer;

    /// <summary>
    /// See <see cref="SampleEpoch"/>. Written only by <see cref="_epochTimer"/>'s callback. A box of its own, given to
    /// the timer as its state: the timer's queue then roots only the box, never this object, so a system dropped without
    /// being disposed does not keep its timer (and through it the whole system) alive.
    /// </summary>
    private readonly StrongBox<int> _sampleEpoch = new();

    public ActorMetrics(IMeterFactory? meterFactory, ActorScheduler scheduler, string systemName, MailboxTotals totals, int laneDepthSampleInterval, TimeProvider timeProvider)
    {
        LaneDepthSampleMask = laneDepthSampleInterval - 1;
        _systemTag = new KeyValuePair<string, object?>(SpillwayMetrics.SystemAttribute, systemName);
        var version = typeof(ActorMetrics).Assembly.GetName().Version?.ToString();
        _ownsMeter = meterFactory is null;
        _meter = meterFactory?.Create(new MeterOptions(SpillwayMetrics.MeterName) { Version = version })
            ?? new Meter(SpillwayMetrics.MeterName, version);

        // Every instrument is created through Publish: creating one calls each listener's InstrumentPublished there and
        // then, and a listener that throws must not fail the system's start.
        // One callback each for the whole system (it sums the actors' running totals per actor type when a collector
        // asks), so neither telling nor a turn ever touches these instruments.
        Publish(m => m.CreateObservableCounter(SpillwayMetrics.SentMessages, () => Observe(totals.MeasureSent), "{message}", "Messages accepted into actor mailboxes."));
        Publish(m => m.CreateObservableCounter(SpillwayMetrics.ProcessedMessages, () => Observe(totals.MeasureProcessed), "{message}", "Messages taken out of actor mailboxes and handled."));
        Publish(m => m.CreateObservableUpDownCounter(SpillwayMetrics.QueuedMessages, () => Observe(totals.MeasureQueued), "{message}", "Messages waiting in actor mailboxes."));
        _laneDepth = Publish(m => m.CreateHistogram(
            SpillwayMetrics.LaneDepth,
            "{message}",
            "Messages a mailbox lane held when the actor took it.",
            tags: null,
            advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = s_depthBuckets }));
        _processDuration = Publish(m => m.CreateHistogram(
            SpillwayMetrics.ProcessDuration,
            "s",
            "Time a handler took per message.",
            tags: null,
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = s_durationBuckets }));
        // Observed from the live actor tree, not counted up and down: a listener that attaches after the actors started
        // (dotnet-counters on a running app) sees every live actor, not only those spawned since.
        Publish(m => m.CreateObservableUpDownCounter(SpillwayMetrics.ActorCount, () => Observe(totals.MeasureLive), "{actor}", "Live actors."));
        _restarts = Publish(m => m.CreateCounter<long>(SpillwayMetrics.Restarts, "{restart}", "Actor restarts by supervision."));
        _deadLetters = Publish(m => m.CreateCounter<long>(SpillwayMetrics.DeadLetters, "{message}", "Messages that could not be delivered."));
        var systemTag = _systemTag;
        Publish(m => m.CreateObservableGauge(SpillwayMetrics.BusyWorkers, () => new Measurement<int>(scheduler.BusyWorkers, systemTag), "{worker}", "Scheduler workers running a turn."));
        Publish(m => m.CreateObservableGauge(SpillwayMetrics.ReadyMailboxes, () => new Measurement<int>(scheduler.ReadyCount, systemTag), "{mailbox}", "Mailboxes waiting for a worker."));

        // One timer per system; the callback only bumps a counter. On a test clock it advances with the clock.
        // Interlocked: a slow callback of a periodic timer may overlap the next one.
        _epochTimer = timeProvider.CreateTimer(static epoch => Interlocked.Increment(ref ((StrongBox<int>)epoch!).Value), _sampleEpoch, SampleEpochPeriod, SampleEpochPeriod);
    }

    /// <summary>Gets the count of metrics listener failures swallowed (when recording, publishing or observing).</summary>
    public FaultCounter Faults { get; } = new("A metrics listener");

    /// <summary>
    /// Gets the mask an actor applies to its count of lanes taken: the take is recorded in lane depth when the masked
    /// count is zero (the sample interval, a power of two, minus one).
    /// </summary>
    public int LaneDepthSampleMask { get; }

    /// <summary>
    /// Gets the lane-depth sampling epoch: a count that advances every <see cref="SampleEpochPeriod"/> (wraps
    /// harmlessly). An actor compares it with the epoch of its last record instead of reading a clock on each take.
    /// </summary>
    // A plain read is enough: a stale value only moves a time-based sample by one take, and the JIT cannot hoist it out
    // of the turn loop because the read is in a call (the mailbox's lane-depth sample) made once per take.
    public int SampleEpoch => _sampleEpoch.Value;

    /// <summary>Gets the box behind <see cref="SampleEpoch"/>, for the system to hold directly (see <see cref="ActorSystem.LaneDepthEpoch"/>).</summary>
    public StrongBox<int> SampleEpochBox => _sampleEpoch;

    /// <summary>Gets whether a handler's duration should be measured (costs two timestamps per message).</summary>
    public bool MeasureDuration => _processDuration is { Enabled: true };

    public static KeyValuePair<string, object?> TypeTag(Type actorType) => new(SpillwayMetrics.ActorTypeAttribute, actorType.Name);

    /// <summary>Gets whether a listener wants lane depths, so a sampled take builds its type tag only then.</summary>
    public bool MeasureLaneDepth => _laneDepth is { Enabled: true };

    /// <summary>A sampled lane take: how many messages the lane held.</summary>
    public void RecordLaneDepth(int depth, in KeyValuePair<string, object?> typeTag) => RecordIfEnabled(_laneDepth, depth, typeTag);

    public void RecordDuration(double seconds, in KeyValuePair<string, object?> typeTag) => RecordIfEnabled(_processDuration, seconds, typeTag);

    public void RecordRestart(in KeyValuePair<string, object?> typeTag) => RecordIfEnabled(_restarts, 1L, typeTag);

    public void RecordDeadLetter(in KeyValuePair<string, object?> typeTag, DeadLetterReason reason)
    {
        if (_deadLetters is { Enabled: true })
        {
            // The reason's name only when someone listens: the guard first, as in RecordIfEnabled.
            Record(_deadLetters, 1L, typeTag, ReasonName(reason));
        }
    }

    /// <summary>
    /// Stops the sampling epoch's timer, and disposes the meter if this system created it; a factory's meter belongs to
    /// the factory. Disposing calls each listener's <c>MeasurementsCompleted</c>, and one that throws must not fail the
    /// system's shutdown.
    /// </summary>
    public void Dispose()
    {
        _epochTimer.Dispose();
        if (!_ownsMeter)
        {
            return;
        }

        try
        {
            _meter.Dispose();
        }
        catch (Exception error)
        {
            Faults.Report(error);
        }
    }

    private static string ReasonName(DeadLetterReason reason) => reason switch
    {
        DeadLetterReason.ActorStopped => "actor_stopped",
        DeadLetterReason.MailboxFull => "mailbox_full",
        DeadLetterReason.SystemShutdown => "system_shutdown",
        _ => "unknown",
    };

    /// <summary>
    /// The guard of every recording: the instrument exists (no listener threw while it was published) and someone
    /// listens. Inlined, so a caller in the turn loop pays one test and no call when nobody listens.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void RecordIfEnabled<T>(Instrument<T>? instrument, T value, in KeyValuePair<string, object?> typeTag)
        where T : struct
    {
        if (instrument is { Enabled: true })
        {
            Record(instrument, value, typeTag);
        }
    }

    /// <summary>
    /// The one guarded path of every recording: a listener's measurement callback runs synchronously inside it, and
    /// one that throws must never reach the runtime or a handler's supervision. Out of line, so the callers (some in
    /// the turn loop) keep only their cheap <see cref="Instrument.Enabled"/> test and a call: no try block, and no
    /// tag list (a large struct) in their frames.
    /// </summary>
    /// <param name="instrument">A histogram or counter.</param>
    /// <param name="value">The measurement.</param>
    /// <param name="typeTag">The actor type attribute (the system's name is added to it).</param>
    /// <param name="deadLetterReason">The dead-letter reason attribute's value, for dead letters only.</param>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Record<T>(Instrument<T> instrument, T value, in KeyValuePair<string, object?> typeTag, string? deadLetterReason = null)
        where T : struct
    {
        try
        {
            var tags = new TagList { typeTag, _systemTag };
            if (deadLetterReason is not null)
            {
                tags.Add(SpillwayMetrics.DeadLetterReasonAttribute, deadLetterReason);
            }

            switch (instrument)
            {
                case Histogram<T> histogram:
                    histogram.Record(value, tags);
                    break;
                case Counter<T> counter:
                    counter.Add(value, tags);
                    break;
            }
        }
        catch (Exception error)
        {
            Faults.Report(error);
        }
    }

    /// <summary>Creates an instrument; <see langword="null"/> (the instrument left out) when a listener threw while it was published.</summary>
    private T? Publish<T>(Func<Meter, T> create)
        where T : Instrument
    {
        try
        {
            return create(_meter);
        }
        catch (Exception error)
        {
            Faults.Report(error);
            return null;
        }
    }

    /// <summary>An observed instrument's callback: a failure of the walk yields no measurement rather than failing the collection.</summary>
    private IEnumerable<Measurement<long>> Observe(Func<IEnumerable<Measurement<long>>> measure)
    {
        try
        {
            return measure();
        }
        catch (Exception error)
        {
            Faults.Report(error);
            return [];
        }
    }
}
