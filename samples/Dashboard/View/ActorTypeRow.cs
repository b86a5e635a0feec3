namespace Spillway.Samples.Dashboard.View;

/// <summary>One line of the terminal view: an actor type's numbers over the last sampling interval.</summary>
/// <param name="ActorType">The <c>spillway.actor.type</c> attribute: the actor's class name.</param>
/// <param name="Processed">Messages handled since the start.</param>
/// <param name="ProcessedPerSecond">Messages handled per second: the mailbox throughput.</param>
/// <param name="SentPerSecond">Messages accepted into the mailboxes per second.</param>
/// <param name="Queued">Messages waiting in the mailboxes now.</param>
/// <param name="LaneDepthAverage">The mean depth of the lanes taken in the last <see cref="MetricsSampler.LaneDepthWindow"/> samples (0 when none was taken).</param>
/// <param name="LaneDepthMax">The deepest lane taken in the last <see cref="MetricsSampler.LaneDepthWindow"/> samples.</param>
/// <param name="HandlerMillisecondsAverage">The mean handler time in the interval, in milliseconds.</param>
/// <param name="LiveActors">Actors of this type alive now.</param>
/// <param name="Restarts">Restarts since the start.</param>
/// <param name="DeadLetters">Dead letters since the start.</param>
internal sealed record ActorTypeRow(
    string ActorType,
    long Processed,
    double ProcessedPerSecond,
    double SentPerSecond,
    long Queued,
    double LaneDepthAverage,
    long LaneDepthMax,
    double HandlerMillisecondsAverage,
    long LiveActors,
    long Restarts,
    long DeadLetters);
