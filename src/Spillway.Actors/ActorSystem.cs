using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Spillway.Actors;

/// <summary>
/// A set of actors and the worker threads that run them: spawns top-level actors, counts and raises dead letters, and
/// shuts everything down gracefully.
/// </summary>
/// <remarks>
/// Thread-safety: every member may be called from any thread. Create one system per application (or per test); it owns
/// threads, so dispose it (<see cref="DisposeAsync"/> runs <see cref="ShutdownAsync"/>).
/// </remarks>
public sealed partial class ActorSystem : IAsyncDisposable
{
    private readonly ActorSystemOptions _options;
    private readonly ConcurrentDictionary<string, ActorCell> _topLevel = new(StringComparer.Ordinal);
    private readonly GuardedLoggerFactory _loggerFactory;
    private long _generatedNames;
    private int _actorCount;
    private long _deadLetters;
    private int _shuttingDown;
    private Task? _shutdown;

    private ActorSystem(ActorSystemOptions options)
    {
        _options = options;
        // Guarded: a logging provider that throws must never fail the runtime (see GuardedLoggerFactory).
        _loggerFactory = new GuardedLoggerFactory(options.LoggerFactory ?? NullLoggerFactory.Instance);
        Logger = _loggerFactory.CreateLogger<ActorSystem>();
        RootPath = "spillway://" + options.Name;
        TimeProvider = options.TimeProvider;
        TurnSize = options.TurnSize;
        Scheduler = options.SchedulerOverride?.Invoke() ?? (options.Scheduler == SchedulerKind.ThreadPool
            ? new ThreadPoolScheduler()
            : new DedicatedThreadScheduler(options.Name, options.WorkerCount, Logger, options.TimeProvider, options.SlowTurnThreshold));
        _deadLetterLog = new DeadLetterLog(Logger, TimeProvider);
        MailboxTotals = new MailboxTotals(_topLevel);
        Metrics = new ActorMetrics(options.MeterFactory, Scheduler, options.Name, MailboxTotals, options.LaneDepthSampleInterval);
        MailboxTrimmer = new MailboxTrimmer(options.TimeProvider);
        Scheduler.FailureLogger = Logger;
        Scheduler.Start();
    }

    /// <summary>
    /// Raised for every message that could not be delivered (told to a stopped actor, a full mailbox, or after
    /// shutdown began). Raised on the thread that told the message or that stopped the actor; handlers must be quick
    /// and must not throw (an exception is logged and ignored).
    /// </summary>
    public event EventHandler<DeadLetter>? DeadLetterReceived;

    /// <summary>Gets the system's name.</summary>
    public string Name => _options.Name;

    /// <summary>Gets how many dead letters the system has seen.</summary>
    public long DeadLetterCount => Interlocked.Read(ref _deadLetters);

    /// <summary>Gets how many actors are alive (spawned and not yet stopped), children included.</summary>
    public int ActorCount => Volatile.Read(ref _actorCount);

    /// <summary>Gets whether <see cref="ShutdownAsync"/> has been called.</summary>
    public bool IsShuttingDown => Volatile.Read(ref _shuttingDown) != 0;

    internal string RootPath { get; }

    internal ILogger Logger { get; }

    /// <summary>Gets the count of logging provider failures the system swallowed.</summary>
    internal FaultCounter LoggingFaults => _loggerFactory.Faults;

    internal TimeProvider TimeProvider { get; }

    internal int TurnSize { get; }

    internal ActorScheduler Scheduler { get; }

    internal ActorMetrics Metrics { get; }

    /// <summary>Gets the callbacks of the observed mailbox instruments and the totals of stopped actors.</summary>
    internal MailboxTotals MailboxTotals { get; }

    /// <summary>Gets the trimmer that gives back the mailbox storage of actors idle after a burst; disposed by the shutdown.</summary>
    internal MailboxTrimmer MailboxTrimmer { get; }

    internal IServiceProvider? Services => _options.Services;

    /// <summary>Creates and starts an actor system.</summary>
    /// <param name="options">The settings; <see langword="null"/> for the defaults. Copied, then validated.</param>
    /// <returns>The running system.</returns>
    /// <exception cref="ArgumentException">A setting is invalid; the message names it.</exception>
    public static ActorSystem Create(ActorSystemOptions? options = null)
    {
        var copy = (options ?? new ActorSystemOptions()).Clone();
        copy.Validate();
        return new ActorSystem(copy);
    }

    /// <summary>Spawns a top-level actor built by type, through <see cref="ActorSystemOptions.Services"/> when set.</summary>
    /// <typeparam name="TActor">The concrete actor type.</typeparam>
    /// <typeparam name="TMsg">Its message type.</typeparam>
    /// <param name="name">A name unique among top-level actors, or <see langword="null"/> for a generated one.</param>
    /// <param name="options">Supervision and mailbox settings; <see langword="null"/> for <see cref="ActorSystemOptions.DefaultSpawnOptions"/>.</param>
    /// <returns>The actor's reference.</returns>
    /// <exception cref="ArgumentException">The type cannot be constructed, the name is taken or invalid, or an option is out of range.</exception>
    /// <exception cref="InvalidOperationException">The system is shutting down.</exception>
#pragma warning disable RS0026 // Two Spawn methods with optional parameters: their generic arity differs, so no call is ambiguous.
    public ActorRef<TMsg> Spawn<TActor, TMsg>(string? name = null, SpawnOptions? options = null)
        where TActor : Actor<TMsg> =>
        SpawnByType<TActor, TMsg>(null, name, options);

    /// <summary>Spawns a top-level actor built by a factory, which is called again on every restart.</summary>
    /// <typeparam name="TMsg">The message type.</typeparam>
    /// <param name="factory">Creates a new instance each time it is called.</param>
    /// <param name="name">A name unique among top-level actors, or <see langword="null"/> for a generated one.</param>
    /// <param name="options">Supervision and mailbox settings; <see langword="null"/> for <see cref="ActorSystemOptions.DefaultSpawnOptions"/>.</param>
    /// <returns>The actor's reference.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="factory"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The name is taken or invalid, or an option is out of range.</exception>
    /// <exception cref="InvalidOperationException">The system is shutting down.</exception>
    public ActorRef<TMsg> Spawn<TMsg>(Func<Actor<TMsg>> factory, string? name = null, SpawnOptions? options = null)
#pragma warning restore RS0026
    {
        ArgumentNullException.ThrowIfNull(factory);
        return SpawnByFactory(null, factory, name, options);
    }

    /// <summary>
    /// Stops an actor after the message it is handling: its children stop first, messages still queued become dead
    /// letters, then its <see cref="Actor{TMsg}.OnStoppedAsync"/> runs and its watchers are told.
    /// </summary>
    /// <typeparam name="TMsg">The actor's message type.</typeparam>
    /// <param name="actor">The actor.</param>
    /// <returns>A task that completes when the actor has stopped; at once if it already had.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="actor"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The actor belongs to another system.</exception>
    public Task StopAsync<TMsg>(ActorRef<TMsg> actor)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (!ReferenceEquals(actor.Cell.System, this))
        {
            throw new ArgumentException($"{actor.Path} belongs to another actor system.", nameof(actor));
        }

        actor.Cell.RequestStop(graceful: false);
        return actor.Cell.Completion;
    }

    /// <summary>
    /// Shuts the system down gracefully: from now on tells become dead letters, every message told before the call is
    /// processed, every actor stops (children before parents, running <see cref="Actor{TMsg}.OnStoppedAsync"/>), and
    /// the worker threads exit. Calling it again returns the same shutdown.
    /// </summary>
    /// <param name="cancellationToken">
    /// Ends the draining early: messages not yet processed become dead letters, actors are stopped at once, and the
    /// method returns without waiting for a handler that blocks its thread.
    /// </param>
    /// <returns>A task that completes when the system has shut down.</returns>
    public Task ShutdownAsync(CancellationToken cancellationToken = default)
    {
        // Interlocked: concurrent shutdowns share the first one's task.
        if (Interlocked.Exchange(ref _shuttingDown, 1) == 0)
        {
            Volatile.Write(ref _shutdown, ShutdownCoreAsync(cancellationToken));
        }

        return WaitForShutdown();
    }

    /// <summary>Shuts the system down (see <see cref="ShutdownAsync"/>) and waits for it.</summary>
    /// <returns>A task that completes when the system has shut down.</returns>
    public async ValueTask DisposeAsync() => await ShutdownAsync().ConfigureAwait(false);

    internal ILogger CreateLogger(Type category) => _loggerFactory.CreateLogger(category);

    private async Task WaitForShutdown()
    {
        Task? shutdown;
        var spinner = default(SpinWait);
        while ((shutdown = Volatile.Read(ref _shutdown)) is null)
        {
            // The winner of the Exchange stores the task right after; wait out that instant.
            spinner.SpinOnce();
        }

        await shutdown.ConfigureAwait(false);
    }

    private async Task ShutdownCoreAsync(CancellationToken cancellationToken)
    {
        // Every actor is about to stop: trimming their mailboxes is pointless from here on, and the timer must not outlive us.
        MailboxTrimmer.Dispose();
        var roots = _topLevel.Values.ToArray();
        foreach (var root in roots)
        {
            root.SealTree();
        }

        var stops = new Task[roots.Length];
        for (var i = 0; i < roots.Length; i++)
        {
            roots[i].RequestStop(graceful: true);
            stops[i] = roots[i].Completion;
        }

        var drained = true;
        try
        {
            await Task.WhenAll(stops).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            drained = false;
            var before = DeadLetterCount;
            foreach (var root in _topLevel.Values)
            {
                root.RequestStop(graceful: false);
            }

            // Immediate stops turn what is left into dead letters; give them a moment, not forever: a handler may block
            // or be suspended. Wall-clock on purpose: a test clock that never advances must not turn this into a hang.
            await Task.WhenAny(Task.WhenAll(stops), Task.Delay(TimeSpan.FromSeconds(1), CancellationToken.None)).ConfigureAwait(false);

            // Actors still not stopped have a handler that does not return. Close their mailboxes from here, so what
            // waits behind that handler is reported as dead letters now, not never (the actor reports the rest of its
            // current batch itself, if the handler ever returns).
            foreach (var root in _topLevel.Values)
            {
                root.ForceCloseTree();
            }

            Log.ShutdownIncomplete(Logger, Name, DeadLetterCount - before);
        }

        _deadLetterLog.Flush(DeadLetterCount);

        // After a drained shutdown the workers exit at once; after a cut-short one, give them a moment (a fresh token:
        // the caller's has already fired) and stop waiting only if a handler really blocks one. Wall-clock on purpose:
        // a test clock that never advances must not turn this safety net into a hang.
        using var grace = drained ? null : new CancellationTokenSource(TimeSpan.FromSeconds(1));
        await Scheduler.StopAsync(grace?.Token ?? CancellationToken.None).ConfigureAwait(false);
        Metrics.Dispose();
    }
}
