using Microsoft.Extensions.Logging;

namespace Spillway.Actors;

/// <summary>Settings of an <see cref="ActorSystem"/>, read once when it is created.</summary>
public sealed class ActorSystemOptions
{
    /// <summary>Gets or sets the system's name, used in actor paths and logs. Default <c>"spillway"</c>.</summary>
    public string Name { get; set; } = "spillway";

    /// <summary>Gets or sets where actors run. Default <see cref="SchedulerKind.DedicatedThreads"/>.</summary>
    public SchedulerKind Scheduler { get; set; } = SchedulerKind.DedicatedThreads;

    /// <summary>
    /// Gets or sets the number of dedicated worker threads. Default: one per processor. Must be at least 1. Ignored with
    /// <see cref="SchedulerKind.ThreadPool"/>.
    /// </summary>
    public int WorkerCount { get; set; } = Environment.ProcessorCount;

    /// <summary>
    /// Gets or sets how many messages a mailbox processes in one turn before it yields its worker to other actors, so one
    /// busy actor cannot starve the rest. Default 64; must be at least 1.
    /// </summary>
    public int TurnSize { get; set; } = 64;

    /// <summary>
    /// Gets or sets how long one turn may run before it is logged as slow (a handler that blocks its thread). Default
    /// 5 seconds; <see cref="TimeSpan.Zero"/> or less turns the check off.
    /// </summary>
    public TimeSpan SlowTurnThreshold { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Gets or sets the strategy of top-level actors spawned without one. Default <see cref="SupervisionStrategy.Default"/>.</summary>
    public SupervisionStrategy DefaultSupervision { get; set; } = SupervisionStrategy.Default;

    /// <summary>Gets or sets the mailbox settings of actors spawned without <see cref="SpawnOptions"/>.</summary>
    public SpawnOptions DefaultSpawnOptions { get; set; } = new();

    /// <summary>Gets or sets the clock for timers, ask time-outs, restart windows and backoff. Default <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Gets or sets where the system and its actors log. Default: nowhere.</summary>
    public ILoggerFactory? LoggerFactory { get; set; }

    /// <summary>
    /// Gets or sets the services actors spawned by type are built from (constructor injection), each instance in a
    /// scope of its own. Default: none; such actors then need a public parameterless constructor.
    /// </summary>
    public IServiceProvider? Services { get; set; }

    /// <summary>
    /// Replaces the scheduler (systematic concurrency tests run actors on a scheduler the test engine controls).
    /// Not public: a user picks a <see cref="SchedulerKind"/>.
    /// </summary>
    internal Func<ActorScheduler>? SchedulerOverride { get; set; }

    /// <summary>Checks every setting and throws an exception naming the first bad one.</summary>
    /// <exception cref="ArgumentException">A setting is out of range or missing.</exception>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Name))
        {
            throw new ArgumentException("The actor system needs a name.", nameof(Name));
        }

        if (WorkerCount < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(WorkerCount), WorkerCount, "WorkerCount must be at least 1.");
        }

        if (TurnSize < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(TurnSize), TurnSize, "TurnSize must be at least 1.");
        }

        if (!Enum.IsDefined(Scheduler))
        {
            throw new ArgumentOutOfRangeException(nameof(Scheduler), Scheduler, "Unknown scheduler kind.");
        }

        if (DefaultSupervision is null)
        {
            throw new ArgumentNullException(nameof(DefaultSupervision), "DefaultSupervision must be set.");
        }

        if (DefaultSpawnOptions is null)
        {
            throw new ArgumentNullException(nameof(DefaultSpawnOptions), "DefaultSpawnOptions must be set.");
        }

        if (TimeProvider is null)
        {
            throw new ArgumentNullException(nameof(TimeProvider), "TimeProvider must be set.");
        }

        DefaultSpawnOptions.Validate();
    }

    /// <summary>A copy, so later changes to the caller's object do not reach a running system.</summary>
    internal ActorSystemOptions Clone() => (ActorSystemOptions)MemberwiseClone();
}
