namespace Spillway.Samples.Dashboard.View;

/// <summary>What the terminal view shows for one sampling interval.</summary>
/// <param name="Rows">One row per actor type, by name.</param>
/// <param name="BusyWorkers">Scheduler workers running a turn when sampled.</param>
/// <param name="ReadyMailboxes">Mailboxes waiting for a worker when sampled.</param>
/// <param name="DeadLettersByReason">Dead letters since the start, by reason.</param>
internal sealed record DashboardSnapshot(
    IReadOnlyList<ActorTypeRow> Rows,
    long BusyWorkers,
    long ReadyMailboxes,
    IReadOnlyList<KeyValuePair<string, long>> DeadLettersByReason);
