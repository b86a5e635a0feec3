namespace Spillway.Actors;

/// <summary>
/// The names of the meter and the instruments Spillway.Actors publishes, for dashboards, alerts and
/// <c>MeterListener</c>s. Units follow UCUM; durations are in seconds.
/// </summary>
public static class SpillwayMetrics
{
    /// <summary>The meter every instrument belongs to.</summary>
    public const string MeterName = "Spillway.Actors";

    /// <summary>
    /// Observable counter of messages accepted into mailboxes ({message}), by actor type and system: each actor's lanes'
    /// counts of appended messages (counted as they are queued, so a consumer that falls behind does not hide its
    /// senders' rate) plus those of stopped actors; one callback per system.
    /// </summary>
    public const string SentMessages = "spillway.mailbox.sent.messages";

    /// <summary>
    /// Observable counter of messages taken out of mailboxes and handed to handlers ({message}), by actor type: each
    /// actor's running total plus those of stopped actors, by system too; one callback per system.
    /// </summary>
    public const string ProcessedMessages = "spillway.mailbox.processed.messages";

    /// <summary>Observable up-down counter of messages waiting in mailboxes right now ({message}), by actor type and system; one callback per system.</summary>
    public const string QueuedMessages = "spillway.mailbox.queued.messages";

    /// <summary>
    /// Histogram of how many messages a lane held when the mailbox took it ({message}), by actor type and system;
    /// sampled: each actor's first lane taken, then one in 16, and at least the first take in each second.
    /// </summary>
    public const string LaneDepth = "spillway.mailbox.lane.depth";

    /// <summary>Histogram of the time a handler took per message (s), by actor type and system; one message in 64 is timed.</summary>
    public const string ProcessDuration = "spillway.actor.process.duration";

    /// <summary>
    /// Observable up-down counter of live actors ({actor}), by actor type and system: read from the system's live actors
    /// when a collector asks, so a listener that attaches late still sees them all; one callback per system.
    /// </summary>
    public const string ActorCount = "spillway.actor.count";

    /// <summary>Counter of supervisor restarts ({restart}), by actor type and system.</summary>
    public const string Restarts = "spillway.actor.restarts";

    /// <summary>Counter of dead letters ({message}), by actor type, reason and system.</summary>
    public const string DeadLetters = "spillway.deadletter.messages";

    /// <summary>Gauge of scheduler workers running a turn right now ({worker}).</summary>
    public const string BusyWorkers = "spillway.scheduler.busy.workers";

    /// <summary>Gauge of mailboxes ready and waiting for a worker ({mailbox}).</summary>
    public const string ReadyMailboxes = "spillway.scheduler.ready.mailboxes";

    /// <summary>The attribute naming the actor's type (its class name: bounded by the number of actor classes).</summary>
    public const string ActorTypeAttribute = "spillway.actor.type";

    /// <summary>The attribute naming why a message became a dead letter (see <see cref="DeadLetterReason"/>).</summary>
    public const string DeadLetterReasonAttribute = "spillway.deadletter.reason";

    /// <summary>The attribute naming the actor system (<see cref="ActorSystemOptions.Name"/>), on every instrument.</summary>
    public const string SystemAttribute = "spillway.system";
}
