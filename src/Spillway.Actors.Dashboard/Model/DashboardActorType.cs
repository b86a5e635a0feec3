namespace Spillway.Actors.Dashboard.Model;

/// <summary>One actor type's figures, summed over the process's actor systems: series one point per second, oldest first.</summary>
public sealed class DashboardActorType
{
    internal DashboardActorType(
        string name,
        IReadOnlyList<double> processedPerSecond,
        IReadOnlyList<double> sentPerSecond,
        long processed,
        long queued,
        long liveActors,
        DashboardDistribution laneDepth,
        DashboardDistribution handlerSeconds,
        long restarts,
        long deadLetters,
        IReadOnlyList<DashboardEvent> events)
    {
        Name = name;
        ProcessedPerSecond = processedPerSecond;
        SentPerSecond = sentPerSecond;
        Processed = processed;
        Queued = queued;
        LiveActors = liveActors;
        LaneDepth = laneDepth;
        HandlerSeconds = handlerSeconds;
        Restarts = restarts;
        DeadLetters = deadLetters;
        Events = events;
    }

    /// <summary>Gets the actor type: the <c>spillway.actor.type</c> attribute (the class name).</summary>
    public string Name { get; }

    /// <summary>Gets the messages handled per second, one point per second of the history, the latest last.</summary>
    public IReadOnlyList<double> ProcessedPerSecond { get; }

    /// <summary>Gets the messages told (accepted into mailboxes) per second, aligned with <see cref="ProcessedPerSecond"/>.</summary>
    public IReadOnlyList<double> SentPerSecond { get; }

    /// <summary>Gets the messages handled so far (the meter's running total).</summary>
    public long Processed { get; }

    /// <summary>Gets the messages waiting in this type's mailboxes now.</summary>
    public long Queued { get; }

    /// <summary>Gets the live actors of this type now.</summary>
    public long LiveActors { get; }

    /// <summary>Gets the depth of the mailbox lanes taken (sampled) in the window, in messages.</summary>
    public DashboardDistribution LaneDepth { get; }

    /// <summary>Gets the handler time per message (sampled) in the window, in seconds.</summary>
    public DashboardDistribution HandlerSeconds { get; }

    /// <summary>Gets the restarts since the dashboard started.</summary>
    public long Restarts { get; }

    /// <summary>Gets the dead letters since the dashboard started.</summary>
    public long DeadLetters { get; }

    /// <summary>Gets the seconds of the history with restarts or dead letters, oldest first.</summary>
    public IReadOnlyList<DashboardEvent> Events { get; }
}
