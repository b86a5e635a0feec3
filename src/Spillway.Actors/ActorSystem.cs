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
    /// <summary>How many abandoned actors a shutdown that ran out of time names in its warning.</summary>
    private const int MaxActorsNamed = 20;

    /// <summary>How long a drained shutdown waits for the idle workers to exit (they do at once; this only bounds the wait).</summary>
    private static readonly TimeSpan s_workerExitBound = TimeSpan.FromSeconds(10);

    private readonly ActorSystemOptions _options;
    /// <summary>The top-level actors, each its own key, matched by name (see <see cref="ActorRegistryComparer"/>).</summary>
    private readonly ConcurrentDictionary<ActorCell, ActorCell> _topLevel = new(ActorRegistryComparer.Instance);
    private readonly GuardedLoggerFactory _loggerFactory;
    private long _generatedNames;
    private int _actorCount;
    private long _deadLetters;
    private int _shuttingDown;

    /// <summary>Cuts the shutdown's drain short: cancelled by any caller's token, or after <see cref="ActorSystemOptions.ShutdownTimeout"/>.</summary>
    private readonly CancellationTokenSource _shutdownCut = new();

    /// <summary>Completed when the shutdown has finished; every caller of <see cref="ShutdownAsync"/> waits for it.</summary>
    private readonly TaskCompletionSource _shutdownDone = new(TaskCreationOptions.RunContinuationsAsynchronously);

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
        MailboxTotals = new MailboxTotals(_topLevel, options.Name);
        Metrics = new ActorMetrics(options.MeterFactory, Scheduler, options.Name, MailboxTotals, options.LaneDepthSampleInterval, options.TimeProvider);
        LaneDepthEpoch = Metrics.SampleEpochBox;
        MailboxTrimmer = new MailboxTrimmer(options.TimeProvider);
        AskTimeouts = new AskTimeouts(options.TimeProvider, eager: Scheduler.WantsDeterministicAskTimeouts);
        Scheduler.FailureLogger = Logger;
        Scheduler.Start();
    }

    /// <summary>
    /// Raised for every message that could not be delivered (told to a stopped actor, a full mailbox, or, after
    /// shutdown began, from outside the system's actors or during the final stop). Raised on the thread that told the message or that stopped the actor; handlers must be quick
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

    /// <summary>Gets the count of logging provider failures the system swallowed. For tests only.</summary>
    internal FaultCounter LoggingFaults => _loggerFactory.Faults;

    internal TimeProvider TimeProvider { get; }

    internal int TurnSize { get; }

    internal ActorScheduler Scheduler { get; }

    /// <summary>Gets the time-outs of the asks made to this system's actors: one timer for all of them.</summary>
    internal AskTimeouts AskTimeouts { get; }

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
    /// <exception cref="InvalidOperationException">The system is shutting down, and the call does not come from one of its actors during the drain (see <see cref="ShutdownAsync"/>).</exception>
    /// <remarks>An exception thrown by the actor's constructor reaches the caller unchanged, and nothing of the actor is left behind.</remarks>
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
    /// <exception cref="InvalidOperationException">The system is shutting down, and the call does not come from one of its actors during the drain (see <see cref="ShutdownAsync"/>).</exception>
    /// <remarks>An exception thrown by <paramref name="factory"/> reaches the caller unchanged, and nothing of the actor is left behind.</remarks>
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
    /// <returns>
    /// A task that completes when the actor has stopped; at once if it already had. Called from the actor's own code
    /// (or a descendant's), where waiting for the stop could never end, the stop is still requested but the task is
    /// faulted at once with <see cref="InvalidOperationException"/>: use <see cref="ActorContext{TMsg}.Stop"/> there.
    /// </returns>
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

        // Slow path only in effect: a thread-static read or two. The stop of an actor waits for its handler (and its
        // children's) to return, so that handler must not wait for it.
        if (ActorCode.CurrentActorOn(Scheduler) is { } current && current.IsSelfOrDescendantOf(actor.Cell))
        {
            return Task.FromException(new InvalidOperationException(
                $"Actor {current.Path} cannot wait for the stop of {actor.Path}: that stop waits for this very handler to return. " +
                "The stop has been requested; to stop an actor from its own code, call Context.Stop() and return."));
        }

        return actor.Cell.Completion;
    }

    /// <summary>
    /// Shuts the system down gracefully, in two phases. First the drain: tells from outside the system's actors (other
    /// threads, timers, a host) become dead letters (<see cref="DeadLetterReason.SystemShutdown"/>), while tells and
    /// spawns made by the system's own actors as they handle messages (also after an <c>await</c> in a handler, and in
    /// their hooks) are still accepted; the drain lasts until the system is quiet: no mailbox holds a message and no
    /// handler runs. Then the final stop: every actor stops, children before parents, running
    /// <see cref="Actor{TMsg}.OnStoppedAsync"/> (a tell made then, as any tell to a stopped actor, is a dead letter), and
    /// the worker threads exit. Calling it again returns the same shutdown.
    /// </summary>
    /// <param name="cancellationToken">
    /// Ends the shutdown early (so does <see cref="ActorSystemOptions.ShutdownTimeout"/>, and the token of any other
    /// caller): messages not yet processed become dead letters (counted, and logged with their count), actors are
    /// stopped at once, and the method returns without waiting for a handler that blocks its thread (the actors still
    /// running are named in a warning). A cycle of actors that never goes quiet ends this way.
    /// </param>
    /// <returns>
    /// A task that completes when the system has shut down. Called from code of one of the system's actors, whose
    /// handler the shutdown would wait for, the shutdown begins but the task is faulted at once with
    /// <see cref="InvalidOperationException"/>.
    /// </returns>
    public Task ShutdownAsync(CancellationToken cancellationToken = default)
    {
        var fromActor = ActorCode.IsRunningOn(Scheduler);

        // Interlocked: concurrent shutdowns share the first one.
        if (Interlocked.Exchange(ref _shuttingDown, 1) == 0)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                // Already out of time: go straight to the immediate stops.
                _shutdownCut.Cancel();
            }
            else if (_options.ShutdownTimeout != Timeout.InfiniteTimeSpan)
            {
                // Real time on purpose: a bound on a shutdown must hold under a test clock that never advances.
                _shutdownCut.CancelAfter(_options.ShutdownTimeout);
            }

            _ = RunShutdownAsync();
        }

        if (fromActor)
        {
            return Task.FromException(new InvalidOperationException(
                $"An actor of system {Name} cannot wait for the system's shutdown: the shutdown waits for that actor's handler to return. " +
                "The shutdown has begun; to stop the actor itself, call Context.Stop() and return."));
        }

        return cancellationToken.CanBeCanceled && !_shutdownDone.Task.IsCompleted
            ? WaitForShutdownAsync(cancellationToken)
            : _shutdownDone.Task;
    }

    /// <summary>
    /// Shuts the system down (see <see cref="ShutdownAsync"/>) and waits for it, at most about
    /// <see cref="ActorSystemOptions.ShutdownTimeout"/> (plus a few seconds of grace for the immediate stops and the
    /// workers' exit).
    /// </summary>
    /// <returns>A task that completes when the system has shut down.</returns>
    /// <exception cref="InvalidOperationException">Called from code of one of the system's actors (see <see cref="ShutdownAsync"/>).</exception>
    public async ValueTask DisposeAsync() => await ShutdownAsync().ConfigureAwait(false);

    internal ILogger CreateLogger(Type category) => _loggerFactory.CreateLogger(category);

    /// <summary>Waits for the shared shutdown; <paramref name="cancellationToken"/> firing cuts it short (for every caller).</summary>
    private Task WaitForShutdownAsync(CancellationToken cancellationToken) =>
        WaitCuttingShortAsync(_shutdownDone.Task, _shutdownCut, cancellationToken);

    /// <remarks>
    /// Static, holding only the completion signal and the cut: a caller's token (which may live far longer than the
    /// system) must not keep the system reachable through this wait or its registration.
    /// </remarks>
    private static async Task WaitCuttingShortAsync(Task shutdown, CancellationTokenSource cut, CancellationToken cancellationToken)
    {
        using (cancellationToken.UnsafeRegister(static state => CutShortQuietly((CancellationTokenSource)state!), cut))
        {
            await shutdown.ConfigureAwait(false);
        }
    }

    private static void CutShortQuietly(CancellationTokenSource cut)
    {
        try
        {
            cut.Cancel();
        }
        catch (AggregateException)
        {
            // A continuation the cancellation ran threw; it is that continuation's failure, and the cut happened anyway.
        }
    }

    /// <summary>Runs the shutdown once and releases every waiter, whatever happens.</summary>
    private async Task RunShutdownAsync()
    {
        try
        {
            await ShutdownCoreAsync(_shutdownCut.Token).ConfigureAwait(false);
        }
        catch (Exception error)
        {
            Log.WorkItemFailed(Logger, error);
        }
        finally
        {
            _shutdownDone.TrySetResult();
        }
    }

    private async Task ShutdownCoreAsync(CancellationToken cancellationToken)
    {
        // Every actor is about to stop: trimming their mailboxes is pointless from here on, and the timer must not outlive us.
        MailboxTrimmer.Dispose();

        // The drain (see ActorSystem.Drain.cs): every mailbox refuses tells from outside the system's actors from now on
        // and keeps what it holds; the system's actors go on until it is quiet.
        foreach (var root in _topLevel.Values)
        {
            root.SealTree();
        }

        var drained = await DrainAsync(cancellationToken).ConfigureAwait(false);

        // The final stop: no more tells or spawns from actors either (see EndDrain), then every actor stops gracefully,
        // children first, each running its OnStoppedAsync.
        EndDrain();
        if (drained)
        {
            var roots = _topLevel.Values.ToArray();
            var stops = new Task[roots.Length];
            for (var i = 0; i < roots.Length; i++)
            {
                roots[i].RequestStop(graceful: true);
                stops[i] = roots[i].Completion;
            }

            drained = await CompletesFirstAsync(Task.WhenAll(stops), cancellationToken).ConfigureAwait(false);
        }

        if (!drained)
        {
            await StopWhatIsLeftAsync().ConfigureAwait(false);
        }

        _deadLetterLog.Flush(DeadLetterCount);

        // After a drained shutdown the workers exit at once; after a cut-short one, give them a moment (a fresh token:
        // the caller's has already fired) and stop waiting only if a handler really blocks one. Wall-clock on purpose:
        // a test clock that never advances must not turn this safety net into a hang.
        using var grace = new CancellationTokenSource(drained ? s_workerExitBound : TimeSpan.FromSeconds(1));
        await Scheduler.StopAsync(grace.Token).ConfigureAwait(false);
        Metrics.Dispose();

        // Pooled ask operations outlive the system: none may stay keyed in its time-out heap once its asks are done.
        AskTimeouts.ReleaseIdle();
    }

    /// <summary>Waits for <paramref name="task"/> (which never faults) or the token; <see langword="true"/> when the task came first.</summary>
    /// <remarks>Not <see cref="Task.WaitAsync(CancellationToken)"/>: the systematic tests' engine does not control it.</remarks>
    private static async Task<bool> CompletesFirstAsync(Task task, CancellationToken cancellationToken)
    {
        var cancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (cancellationToken.UnsafeRegister(static state => ((TaskCompletionSource)state!).TrySetResult(), cancelled))
        {
            return await Task.WhenAny(task, cancelled.Task).ConfigureAwait(false) == task;
        }
    }

    /// <summary>A shutdown ran out of time: stops every actor at once, turning what is left into dead letters, and reports it.</summary>
    private async Task StopWhatIsLeftAsync()
    {
        var before = DeadLetterCount;
        var roots = _topLevel.Values.ToArray();
        var stops = new Task[roots.Length];
        for (var i = 0; i < roots.Length; i++)
        {
            roots[i].RequestStop(graceful: false);
            stops[i] = roots[i].Completion;
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
        var running = FindRunningActors();
        if (running.Count > 0)
        {
            Log.ShutdownAbandonedActors(Logger, Name, running.Count, string.Join(", ", running.Take(MaxActorsNamed)));
        }
    }

    /// <summary>Gets the paths of the actors that have not stopped (their handlers never returned).</summary>
    private List<string> FindRunningActors()
    {
        var running = new List<string>();
        var pending = new Stack<ActorCell>(_topLevel.Values);
        while (pending.TryPop(out var cell))
        {
            if (!cell.IsStopped)
            {
                running.Add(cell.Path);
            }

            cell.PushChildren(pending);
        }

        return running;
    }
}
