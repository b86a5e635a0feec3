namespace Spillway.Actors.Dashboard.Model;

/// <summary>One of the busiest actors right now: counts only, never a message.</summary>
public sealed class DashboardActor
{
    internal DashboardActor(string path, string actorType, double processedPerSecond, long queued, long processed)
    {
        Path = path;
        ActorType = actorType;
        ProcessedPerSecond = processedPerSecond;
        Queued = queued;
        Processed = processed;
    }

    /// <summary>Gets the actor's path (<c>spillway://system/parent/name</c>).</summary>
    public string Path { get; }

    /// <summary>Gets the actor's class name.</summary>
    public string ActorType { get; }

    /// <summary>Gets the messages it handled per second since the previous snapshot (0 in the first second it was seen).</summary>
    public double ProcessedPerSecond { get; }

    /// <summary>Gets the messages waiting in its mailbox.</summary>
    public long Queued { get; }

    /// <summary>Gets the messages it handled since it was spawned.</summary>
    public long Processed { get; }
}
