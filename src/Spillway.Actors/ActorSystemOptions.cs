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
    /// busy actor cannot starve the rest (when no other mailbox waits for that worker, the turn goes on with a new
    /// budget). Default 64; must be at least 1.
    /// </summary>
    public int TurnSize { get; set; } = 64;

    /// <summary>
    /// Gets or sets how long one turn may run before it is logged as slow (a handler that blocks its thread). Default
    /// 5 seconds; <see cref="TimeSpan.Zero"/> or less turns the check off.
    /// </summary>
    /// <remarks>
    /// A watchdog on <see cref="TimeProvider"/> looks at the workers four times per threshold; the workers themselves
    /// read no clock. A slow turn is reported once, between one and 1.25 thresholds after it began, with the time the
    /// watchdog saw it running (a lower bound). Only the dedicated-thread scheduler has the watchdog.
    /// </remarks>
    public TimeSpan SlowTurnThreshold { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Gets or sets how long a shutdown (<see cref="ActorSystem.ShutdownAsync"/>, <see cref="ActorSystem.DisposeAsync"/>)
    /// may drain before it gives up: then the messages left become dead letters, the actors are stopped at once, and
    /// the actors whose handlers still have not returned are abandoned (named in a warning). Measured in real time,
    /// not on <see cref="TimeProvider"/>, so that a test clock cannot make a shutdown endless. Default 30 seconds;
    /// must be positive, or <see cref="Timeout.InfiniteTimeSpan"/> for no bound but the caller's token.
    /// </summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Gets or sets the strategy of top-level actors spawned without one. Default <see cref="SupervisionStrategy.Default"/>.</summary>
    public SupervisionStrategy DefaultSupervision { get; set; } = SupervisionStrategy.Default;

    /// <summary>Gets or sets the mailbox settings of actors spawned without <see cref="SpawnOptions"/>.</summary>
    public SpawnOptions DefaultSpawnOptions { get; set; } = new();

    /// <summary>Gets or sets the clock for timers, ask time-outs, restart windows and backoff. Default <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Gets or sets where the system and its actors log. Default: nowhere.</summary>
    public ILoggerFactory? LoggerFactory { get; set; }

    /// <summary>
    /// Gets or sets the factory the system's <see cref="System.Diagnostics.Metrics.Meter"/> (named
    /// <c>Spillway.Actors</c>) is created from. Default: none, the meter is created directly. Set by
    /// <c>AddSpillwayActors</c> from the container.
    /// </summary>
    public System.Diagnostics.Metrics.IMeterFactory? MeterFactory { get; set; }

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

    /// <summary>
    /// Gets or sets how many lane takes of an actor share one <c>spillway.mailbox.lane.depth</c> record (the first take
    /// is always recorded, then one in this many); a power of two, at least 1. Default
    /// <see cref="ActorMetrics.LaneDepthSampleInterval"/>. Not public: tests set 1 to see every take.
    /// </summary>
    internal int LaneDepthSampleInterval { get; set; } = ActorMetrics.LaneDepthSampleInterval;

    /// <summary>Checks every setting and throws an exception naming the first bad one.</summary>
    /// <exception cref="ArgumentException">A setting is out of range or missing.</exception>
    public void Validate()
    {
        foreach (var problem in FindProblems())
        {
            throw problem.Value is null && problem.Property != nameof(Name)
                ? new ArgumentNullException(problem.Property, problem.Message)
                : problem.Property == nameof(Name)
                    ? new ArgumentException(problem.Message, problem.Property)
                    : new ArgumentOutOfRangeException(problem.Property, problem.Value, problem.Message);
        }
    }

    /// <summary>
    /// Checks every setting and returns one message per bad one (<c>"ActorSystemOptions.WorkerCount: ..."</c>), or an
    /// empty list when all are valid; never throws. Options validation at host start reports all of them at once.
    /// </summary>
    /// <returns>The problems found, in property order; empty when <see cref="Validate"/> would not throw.</returns>
    public IReadOnlyList<string> GetValidationErrors() => [.. FindProblems().Select(p => $"ActorSystemOptions.{p.Property}: {p.Message}")];

    private IEnumerable<(string Property, string Message, object? Value)> FindProblems()
    {
        if (string.IsNullOrWhiteSpace(Name))
        {
            yield return (nameof(Name), "The actor system needs a name.", Name);
        }

        if (WorkerCount < 1)
        {
            yield return (nameof(WorkerCount), $"WorkerCount must be at least 1 (was {WorkerCount}).", WorkerCount);
        }

        if (TurnSize < 1)
        {
            yield return (nameof(TurnSize), $"TurnSize must be at least 1 (was {TurnSize}).", TurnSize);
        }

        if (ShutdownTimeout <= TimeSpan.Zero && ShutdownTimeout != Timeout.InfiniteTimeSpan)
        {
            yield return (nameof(ShutdownTimeout), $"ShutdownTimeout must be positive or Timeout.InfiniteTimeSpan (was {ShutdownTimeout}).", ShutdownTimeout);
        }

        if (LaneDepthSampleInterval < 1 || !System.Numerics.BitOperations.IsPow2(LaneDepthSampleInterval))
        {
            yield return (nameof(LaneDepthSampleInterval), $"LaneDepthSampleInterval must be a power of two, at least 1 (was {LaneDepthSampleInterval}).", LaneDepthSampleInterval);
        }

        if (!Enum.IsDefined(Scheduler))
        {
            yield return (nameof(Scheduler), $"Unknown scheduler kind {Scheduler}.", Scheduler);
        }

        if (DefaultSupervision is null)
        {
            yield return (nameof(DefaultSupervision), "DefaultSupervision must be set.", null);
        }

        if (TimeProvider is null)
        {
            yield return (nameof(TimeProvider), "TimeProvider must be set.", null);
        }

        if (DefaultSpawnOptions is null)
        {
            yield return (nameof(DefaultSpawnOptions), "DefaultSpawnOptions must be set.", null);
        }
        else if (DefaultSpawnOptions.FindProblem() is { } spawnProblem)
        {
            yield return ($"{nameof(DefaultSpawnOptions)}.{spawnProblem.Property}", spawnProblem.Message, spawnProblem.Value);
        }
    }

    /// <summary>Makes a shallow copy, so later changes to this object do not reach a system created from the copy.</summary>
    /// <returns>The copy.</returns>
    public ActorSystemOptions Clone() => (ActorSystemOptions)MemberwiseClone();
}
