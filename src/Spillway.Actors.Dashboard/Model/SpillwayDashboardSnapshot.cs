namespace Spillway.Actors.Dashboard.Model;

/// <summary>
/// What the dashboard shows at one moment, as its JSON endpoint returns it: immutable, rebuilt once a second by
/// <see cref="SpillwayDashboardCollector"/>. Counts and timings only, never a message.
/// </summary>
public sealed class SpillwayDashboardSnapshot
{
    internal SpillwayDashboardSnapshot(
        DateTimeOffset time,
        int windowSeconds,
        IReadOnlyList<DashboardActorType> actorTypes,
        IReadOnlyList<double> busyWorkers,
        IReadOnlyList<double> readyMailboxes,
        IReadOnlyList<DashboardActor> busiestActors)
    {
        Time = time;
        WindowSeconds = windowSeconds;
        ActorTypes = actorTypes;
        BusyWorkers = busyWorkers;
        ReadyMailboxes = readyMailboxes;
        BusiestActors = busiestActors;
    }

    /// <summary>Gets when the snapshot was taken (the collector's clock).</summary>
    public DateTimeOffset Time { get; }

    /// <summary>Gets the window, in seconds, of the lane depth and handler time percentiles.</summary>
    public int WindowSeconds { get; }

    /// <summary>Gets the actor types seen since the dashboard started, by name.</summary>
    public IReadOnlyList<DashboardActorType> ActorTypes { get; }

    /// <summary>Gets the scheduler workers running a turn, one point per second, the latest last (summed over systems).</summary>
    public IReadOnlyList<double> BusyWorkers { get; }

    /// <summary>Gets the mailboxes waiting for a worker, one point per second, the latest last (summed over systems).</summary>
    public IReadOnlyList<double> ReadyMailboxes { get; }

    /// <summary>Gets the busiest actors right now: by messages handled in the last second, then by queued messages.</summary>
    public IReadOnlyList<DashboardActor> BusiestActors { get; }

    internal static SpillwayDashboardSnapshot Empty(DateTimeOffset time, int windowSeconds) => new(time, windowSeconds, [], [], [], []);
}
