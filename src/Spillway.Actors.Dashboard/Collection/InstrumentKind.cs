namespace Spillway.Actors.Dashboard.Collection;

/// <summary>Which <c>Spillway.Actors</c> instrument a measurement comes from: the listener's per-instrument state, so a callback switches on it instead of comparing names.</summary>
internal enum InstrumentKind
{
    Sent,
    Processed,
    Queued,
    Live,
    LaneDepth,
    Duration,
    Restarts,
    DeadLetters,
    BusyWorkers,
    ReadyMailboxes,
}
