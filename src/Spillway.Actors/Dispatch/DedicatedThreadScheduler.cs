using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Spillway.Actors;

/// <summary>
/// Runs mailboxes on a fixed pool of dedicated background threads sharing one lock-free ready queue.
/// </summary>
/// <remarks>
/// <para>Thread-safety: <see cref="Schedule"/> from any thread; <see cref="Start"/> and <see cref="StopAsync"/> once each.</para>
/// <para>
/// Sleeping and waking: an idle worker registers itself in <see cref="_sleepers"/> (Interlocked, a full fence), then
/// looks at the queue again before it blocks; <see cref="Schedule"/> enqueues (also a full fence) and then claims one
/// registered sleeper by compare-and-swap and releases one token of <see cref="_wake"/>. Whichever side runs second
/// sees the other, so work is never left in the queue while every worker sleeps. A worker that finds work after
/// registering takes its registration back if it still can; if a waker already claimed it, the worker consumes the
/// token that waker releases, which keeps tokens and claims equal.
/// </para>
/// <para>
/// Starvation: when every worker is stuck in one turn while work waits (a handler blocking on async work whose
/// continuation only a worker can run), a check injects temporary extra workers; see
/// <c>DedicatedThreadScheduler.Starvation.cs</c>.
/// </para>
/// </remarks>
#pragma warning disable CA1001 // _wake never allocates a wait handle (AvailableWaitHandle is not used): nothing to dispose.
internal sealed partial class DedicatedThreadScheduler : ActorScheduler
#pragma warning restore CA1001
{
    private const int SpinChecks = 8;

    /// <summary>How many times per <see cref="ActorSystemOptions.SlowTurnThreshold"/> the watchdog looks at the workers: its resolution.</summary>
    private const int SlowTurnChecksPerThreshold = 4;

    /// <summary>
    /// How many items in a row a worker may take from its own next slot before it serves the shared queue: short enough
    /// that the queue waits only microseconds, long enough that ping-pong chains are not rotated between workers (and
    /// their state between cores) too often. The lengths tried are in docs/performance-history.md.
    /// </summary>
    private const int MaxNextStreak = 256;

    /// <summary>The period of <see cref="RescueNextSlots"/>: a turn that spans a whole period has its worker's next slot handed to the shared queue.</summary>
    private static readonly TimeSpan s_rescueAfter = TimeSpan.FromMilliseconds(20);

    [ThreadStatic]
    private static Worker? t_worker;

    private readonly ConcurrentQueue<IThreadPoolWorkItem> _ready = new();
    private readonly SemaphoreSlim _wake = new(0);
    private readonly Thread[] _threads;
    private readonly Worker[] _workers;
    private readonly TaskCompletionSource _allExited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ILogger _logger;
    private readonly TimeProvider _timeProvider;
    private readonly TimeSpan _slowTurnThreshold;
    private readonly string _name;

    /// <summary>Workers blocked (or about to block) on <see cref="_wake"/>; see the type remarks.</summary>
    private int _sleepers;

    /// <summary>Workers still running; the last one to exit completes <see cref="_allExited"/>.</summary>
    private int _running;

    private volatile bool _stopping;
    private ITimer? _watchdog;
    private Timer? _rescuer;

    public DedicatedThreadScheduler(string name, int workerCount, ILogger logger, TimeProvider timeProvider, TimeSpan slowTurnThreshold)
    {
        _name = name;
        _logger = logger;
        _timeProvider = timeProvider;
        _slowTurnThreshold = slowTurnThreshold;
        _threads = new Thread[workerCount];
        _workers = new Worker[workerCount];
        _extras = new Worker?[ExtraWorkerCap(workerCount)];
        for (var i = 0; i < workerCount; i++)
        {
            var worker = new Worker(this, i);
            _workers[i] = worker;
            _threads[i] = new Thread(worker.Run)
            {
                IsBackground = true,
                Name = $"{name} actor worker {i}",
            };
        }
    }

    public override int BusyWorkers
    {
        get
        {
            var busy = 0;
            foreach (var worker in _workers)
            {
                busy += (Worker.IsInTurn(Volatile.Read(ref worker.TurnStamp)) ? 1 : 0);
            }

            return busy + ExtraBusyWorkers();
        }
    }

    public override int ReadyCount => _ready.Count;

    // Turns on this pool's workers ask their worker directly (SchedulerWorker); this is for anyone else.
    public override bool IsQuiet => t_worker is { } worker && ReferenceEquals(worker.Owner, this) ? worker.IsQuiet : _ready.IsEmpty;

    /// <summary>Gets the worker threads, for tests that check none is left running.</summary>
    internal IReadOnlyList<Thread> Threads => _threads;

    /// <remarks>
    /// Work scheduled by a worker of this pool (an actor telling another, a handler's continuation) goes to that
    /// worker's next slot and runs right after the current turn, on the same thread, with warm caches and without
    /// waking anyone: the ping-pong path. The item it displaces, if any, goes to the shared queue. Idle workers steal
    /// from next slots, and <see cref="RescueNextSlots"/> hands a slot to the shared queue when its worker's turn runs
    /// long, so a handler that blocks after telling another actor cannot hold that actor back.
    /// </remarks>
    public override void Schedule(IThreadPoolWorkItem item)
    {
        var worker = t_worker;
        if (worker is not null && ReferenceEquals(worker.Owner, this))
        {
            if (Volatile.Read(ref worker.Next) is null)
            {
                // Only this thread, the slot's owner, ever puts an item into the slot; stealers and the rescuer only take
                // items out (exchanging them for null). So a slot seen empty stays empty until this store, and a
                // volatile store (release: it publishes what made the item ready) does the work of an exchange.
                Volatile.Write(ref worker.Next, item);
                return;
            }

            // Interlocked: a stealing worker or the rescuer may take the slot's item at any moment.
            var displaced = Interlocked.Exchange(ref worker.Next, item);
            if (displaced is null)
            {
                return;
            }

            item = displaced;
        }

        _ready.Enqueue(item);
        WakeOne();
    }

    /// <summary>Queues to the shared queue, never a next slot: a turn that used its budget yields to everyone else.</summary>
    public override void ScheduleBehindOthers(IThreadPoolWorkItem item)
    {
        _ready.Enqueue(item);
        WakeOne();
    }

    public override IThreadPoolWorkItem? RunningItem => t_worker is { } worker && ReferenceEquals(worker.Owner, this) ? worker.CurrentItem : null;

    public override void Start()
    {
        _running = _threads.Length;
        foreach (var thread in _threads)
        {
            thread.Start();
        }

        // Real time on purpose: this is a liveness safety net, not behaviour a test clock should control.
        _rescuer = new Timer(static s => ((DedicatedThreadScheduler)s!).RescueNextSlots(), this, s_rescueAfter, s_rescueAfter);
        if (_slowTurnThreshold > TimeSpan.Zero)
        {
            var period = _slowTurnThreshold / SlowTurnChecksPerThreshold;
            _watchdog = _timeProvider.CreateTimer(static s => ((DedicatedThreadScheduler)s!).CheckForSlowTurns(), this, period, period);
        }

        StartStarvationCheck();

        Log.SchedulerStarted(_logger, _name, _threads.Length);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        // Under the starvation lock: once this is set, no extra worker starts (see CheckForStarvation).
        lock (_starvationLock)
        {
            _stopping = true;
        }

        await StopStarvationCheckAsync().ConfigureAwait(false);
        if (_rescuer is not null)
        {
            await _rescuer.DisposeAsync().ConfigureAwait(false);
        }

        if (_watchdog is not null)
        {
            await _watchdog.DisposeAsync().ConfigureAwait(false);
        }

        // One token per worker, extra workers included: every sleeper wakes, sees _stopping and an empty queue, and
        // exits. Extra tokens for workers that were not asleep are harmless now.
        _wake.Release(_threads.Length + _extras.Length);
        try
        {
            await _allExited.Task.WaitAsync(cancellationToken).ConfigureAwait(false);

            // Every worker has left its loop; joining only waits out the last instructions of each thread (bounded all the
            // same: every wait of a shutdown has a bound).
            foreach (var thread in _threads)
            {
                _ = thread.Join(TimeSpan.FromSeconds(1));
            }

            JoinExtraWorkers();
            Log.SchedulerStopped(_logger, _name);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // A handler still blocks a worker; the threads are background threads and exit when it returns.
            Log.SchedulerStopAbandoned(_logger, _name);
        }
    }
}
