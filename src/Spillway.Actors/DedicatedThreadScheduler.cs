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
/// </remarks>
#pragma warning disable CA1001 // _wake never allocates a wait handle (AvailableWaitHandle is not used): nothing to dispose.
internal sealed class DedicatedThreadScheduler : ActorScheduler
#pragma warning restore CA1001
{
    private const int SpinChecks = 8;

    /// <summary>How many items in a row a worker may take from its own next slot before it serves the shared queue.</summary>
    private const int MaxNextStreak = 32;

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
                busy += Volatile.Read(ref worker.Busy);
            }

            return busy;
        }
    }

    public override int ReadyCount => _ready.Count;

    public override bool IsQuiet => _ready.IsEmpty && t_worker?.Next is null;

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
            // Interlocked: a stealing worker or the rescuer may take the slot at any moment.
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
    public override void Yield(IThreadPoolWorkItem item)
    {
        _ready.Enqueue(item);
        WakeOne();
    }

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
            var period = _slowTurnThreshold / 2;
            _watchdog = _timeProvider.CreateTimer(static s => ((DedicatedThreadScheduler)s!).CheckForSlowTurns(), this, period, period);
        }

        Log.SchedulerStarted(_logger, _name, _threads.Length);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        _stopping = true;
        if (_rescuer is not null)
        {
            await _rescuer.DisposeAsync().ConfigureAwait(false);
        }

        if (_watchdog is not null)
        {
            await _watchdog.DisposeAsync().ConfigureAwait(false);
        }

        // One token per worker: every sleeper wakes, sees _stopping and an empty queue, and exits. Extra tokens for
        // workers that were not asleep are harmless now.
        _wake.Release(_threads.Length);
        try
        {
            await _allExited.Task.WaitAsync(cancellationToken).ConfigureAwait(false);

            // Every worker has left its loop; joining only waits out the last instructions of each thread.
            foreach (var thread in _threads)
            {
                thread.Join();
            }

            Log.SchedulerStopped(_logger, _name);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // A handler still blocks a worker; the threads are background threads and exit when it returns.
            Log.SchedulerStopAbandoned(_logger, _name);
        }
    }

    private void WakeOne()
    {
        // Volatile read after the enqueue's full fence: pairs with the worker's Interlocked.Increment of _sleepers.
        var sleepers = Volatile.Read(ref _sleepers);
        while (sleepers > 0)
        {
            // CAS: claim exactly one sleeper, so two schedulers racing for the last sleeper release one token, not two.
            var seen = Interlocked.CompareExchange(ref _sleepers, sleepers - 1, sleepers);
            if (seen == sleepers)
            {
                _wake.Release();
                return;
            }

            sleepers = seen;
        }
    }

    private bool TryUnregisterSleeper()
    {
        var sleepers = Volatile.Read(ref _sleepers);
        while (sleepers > 0)
        {
            // CAS: take our registration back only if no waker has claimed it; see the type remarks.
            var seen = Interlocked.CompareExchange(ref _sleepers, sleepers - 1, sleepers);
            if (seen == sleepers)
            {
                return true;
            }

            sleepers = seen;
        }

        return false;
    }

    /// <summary>
    /// Moves to the shared queue the next-slot item of every worker that has been inside one turn since the previous
    /// tick (so for at least <see cref="s_rescueAfter"/>): a handler that blocks after telling another actor must not
    /// hold that actor back. Turns are told apart by their sequence number, so the hot path reads no clock.
    /// </summary>
    private void RescueNextSlots()
    {
        foreach (var worker in _workers)
        {
            var sequence = Volatile.Read(ref worker.TurnSequence);
            var stuck = Volatile.Read(ref worker.Busy) != 0 && sequence == worker.RescueSeenSequence;
            worker.RescueSeenSequence = sequence;

            // Interlocked: the worker itself (when its turn ends) or a stealer may take the item first.
            if (stuck && Volatile.Read(ref worker.Next) is not null && Interlocked.Exchange(ref worker.Next, null) is { } item)
            {
                _ready.Enqueue(item);
                WakeOne();
            }
        }
    }

    /// <summary>
    /// Takes another worker's next-slot item, for an idle worker that has just spun: only from a worker still inside
    /// the turn it was in when the spin began. A worker between turns, or one whose turns are short, is about to run
    /// its slot itself on warm caches, and stealing it would only bounce the actor between cores.
    /// </summary>
    private IThreadPoolWorkItem? TrySteal(Worker thief, int[] sequencesBeforeSpin)
    {
        for (var i = 0; i < _workers.Length; i++)
        {
            var worker = _workers[i];
            if (!ReferenceEquals(worker, thief)
                && Volatile.Read(ref worker.Next) is not null
                && Volatile.Read(ref worker.Busy) != 0
                && Volatile.Read(ref worker.TurnSequence) == sequencesBeforeSpin[i]
                && Interlocked.Exchange(ref worker.Next, null) is { } item)
            {
                return item;
            }
        }

        return null;
    }

    private void SnapshotSequences(int[] sequences)
    {
        for (var i = 0; i < _workers.Length; i++)
        {
            sequences[i] = Volatile.Read(ref _workers[i].TurnSequence);
        }
    }

    private void CheckForSlowTurns()
    {
        var now = _timeProvider.GetTimestamp();
        foreach (var worker in _workers)
        {
            var started = Volatile.Read(ref worker.TurnStarted);
            if (started == 0 || Volatile.Read(ref worker.ReportedTurn) == started)
            {
                continue;
            }

            var elapsed = _timeProvider.GetElapsedTime(started, now);
            if (elapsed >= _slowTurnThreshold)
            {
                // Report each slow turn once; the worker's next turn has a different start stamp.
                Volatile.Write(ref worker.ReportedTurn, started);
                Log.SlowTurn(_logger, worker.Index, elapsed.TotalSeconds, worker.CurrentItem?.ToString() ?? "?");
            }
        }
    }

    private sealed class Worker(DedicatedThreadScheduler owner, int index)
    {
        /// <summary>The item to run right after the current turn; exchanged atomically by the owner, stealers and the rescuer.</summary>
        public IThreadPoolWorkItem? Next;

        /// <summary>Counts the worker's turns; written by the worker, read by stealers and the rescuer to tell a long turn.</summary>
        public int TurnSequence;

        /// <summary>1 while the worker runs a turn. A flag per worker, so the busy count costs no shared write per turn.</summary>
        public int Busy;

        /// <summary>The turn sequence the rescuer saw on its previous tick; only the rescuer's timer touches it.</summary>
        public int RescueSeenSequence;

        /// <summary>The other workers' turn sequences when this worker began to spin; only this worker touches it.</summary>
        public int[]? SpinSnapshot;

        public DedicatedThreadScheduler Owner => owner;

        /// <summary>The timestamp the current turn started at, 0 between turns; read by the watchdog thread.</summary>
        public long TurnStarted;

        /// <summary>The start stamp of the last turn the watchdog reported, so each slow turn is logged once.</summary>
        public long ReportedTurn;

        public IThreadPoolWorkItem? CurrentItem;

        public int Index => index;

        public void Run()
        {
            SynchronizationContext.SetSynchronizationContext(owner.SynchronizationContext);
            t_worker = this;
            var queue = owner._ready;
            var measure = owner._slowTurnThreshold > TimeSpan.Zero;
            var streak = 0;
            try
            {
                while (true)
                {
                    // Own next slot first (the actor just told runs on this warm thread), but not forever: after a
                    // streak the shared queue gets a turn, so a ping-pong pair cannot starve everyone else.
                    IThreadPoolWorkItem? item = null;
                    if (streak < MaxNextStreak && Volatile.Read(ref Next) is not null)
                    {
                        item = Interlocked.Exchange(ref Next, null);
                    }

                    if (item is not null)
                    {
                        streak++;
                        RunOne(item, measure);
                        continue;
                    }

                    streak = 0;
                    if (queue.TryDequeue(out item) || (item = Interlocked.Exchange(ref Next, null)) is not null)
                    {
                        RunOne(item, measure);
                        continue;
                    }

                    var snapshot = SpinSnapshot ??= new int[owner._workers.Length];
                    owner.SnapshotSequences(snapshot);
                    if (Spin(queue))
                    {
                        continue;
                    }

                    if ((item = owner.TrySteal(this, snapshot)) is not null)
                    {
                        RunOne(item, measure);
                        continue;
                    }

                    if (owner._stopping)
                    {
                        return;
                    }

                    // Interlocked (full fence) before looking at the queue again: see the type remarks.
                    Interlocked.Increment(ref owner._sleepers);
                    if ((!queue.IsEmpty || owner._stopping) && owner.TryUnregisterSleeper())
                    {
                        continue;
                    }

                    owner._wake.Wait();
                }
            }
            finally
            {
                // Interlocked: workers exit concurrently; the last one completes the stop.
                if (Interlocked.Decrement(ref owner._running) == 0)
                {
                    owner._allExited.TrySetResult();
                }
            }
        }

        private static bool Spin(ConcurrentQueue<IThreadPoolWorkItem> queue)
        {
            for (var i = 0; i < SpinChecks; i++)
            {
                Thread.SpinWait(16);
                if (!queue.IsEmpty)
                {
                    return true;
                }
            }

            return false;
        }

        private void RunOne(IThreadPoolWorkItem item, bool measure)
        {
            // Volatile writes, no interlocked ones: only this worker writes its own fields.
            Volatile.Write(ref Busy, 1);
            Volatile.Write(ref TurnSequence, TurnSequence + 1);
            if (measure)
            {
                CurrentItem = item;
                Volatile.Write(ref TurnStarted, owner._timeProvider.GetTimestamp());
            }

            try
            {
                item.Execute();
            }
            catch (Exception error)
            {
                // Cells catch their own failures; this is the last line that keeps a worker thread alive.
                Log.WorkItemFailed(owner._logger, error);
            }
            finally
            {
                if (measure)
                {
                    Volatile.Write(ref TurnStarted, 0);
                    CurrentItem = null;
                }

                Volatile.Write(ref Busy, 0);
            }
        }
    }
}
