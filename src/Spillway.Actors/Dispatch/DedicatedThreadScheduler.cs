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
/// The files: this one holds the queue (<see cref="Schedule"/>, the next slots) and the worker loop (<c>Worker</c>);
/// <c>.Parking.cs</c> what an idle worker does (spin, steal, sleep) and how it is woken; <c>.Resume.cs</c> the askers a
/// turn answered, resumed after it; <c>.Watchdog.cs</c> the
/// rescuer and the slow-turn watchdog; <c>.Starvation.cs</c> the extra workers; <c>.Lifetime.cs</c> start and stop.
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
    /// that the queue waits only tens of microseconds (a streak of one-message turns is about 40 microseconds at this
    /// length), long enough that ping-pong chains are not rotated between workers (and their state between cores) too
    /// often. The lengths tried are in docs/performance-history.md.
    /// </summary>
    private const int MaxNextStreak = 1024;

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
    public override void Schedule(IThreadPoolWorkItem item) => ScheduleFrom(t_worker, item);

    // Inlined: Schedule is the ping-pong path (every tell to an idle actor), which must not pay a call more than before.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private void ScheduleFrom(Worker? worker, IThreadPoolWorkItem item)
    {
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

    private sealed partial class Worker(DedicatedThreadScheduler owner, int index) : SchedulerWorker
    {
        /// <summary>The item to run right after the current turn; exchanged atomically by the owner, stealers and the rescuer.</summary>
        public IThreadPoolWorkItem? Next;

        /// <summary>
        /// The askers the current item answered, newest first (linked by <see cref="AskOperation.NextResume"/>), to resume
        /// on this worker right after the item; pushed by this worker's thread with a compare-and-swap, taken whole by an
        /// exchange: by the worker after each item, or by a stealer or the rescuer when the item runs long.
        /// </summary>
        public AskOperation? Resume;

        /// <summary>
        /// The worker's turn counter: incremented when a turn starts and again when it ends, so it is odd while a turn
        /// runs (<see cref="IsInTurn"/>), and the same odd value seen twice means the same turn is still running. Written
        /// only by the worker (volatile writes, no interlocked ones); read by stealers, the rescuer, the watchdog, the
        /// starvation check and the busy-workers gauge, each in one read.
        /// </summary>
        public int TurnStamp;

        /// <summary>Gets whether a <see cref="TurnStamp"/> value was read while a turn was running.</summary>
        public static bool IsInTurn(int stamp) => (stamp & 1) != 0;

        /// <summary>The <see cref="TurnStamp"/> value the rescuer saw on its previous tick; only the rescuer's timer touches it.</summary>
        public int RescueSeenStamp;

        /// <summary>The other workers' <see cref="TurnStamp"/> when this worker began to spin; only this worker touches it.</summary>
        public int[]? SpinSnapshot;

        /// <summary>The <see cref="TurnStamp"/> value the watchdog is timing; only the watchdog's timer touches the Watched fields.</summary>
        public int WatchedStamp;

        /// <summary>How many ticks after the first have seen the turn the watchdog is timing.</summary>
        public int WatchedTicks;

        public DedicatedThreadScheduler Owner => owner;

        /// <summary>The item of the current turn, for the watchdog's warning; a plain field, read racily by design.</summary>
        public IThreadPoolWorkItem? CurrentItem;

        public int Index => index;

        // The worker's own next slot first: it is the cheap test, and on the ping-pong path (a handler has just told an
        // idle actor) it settles the answer without reading the shared queue's head and tail. A plain read is enough for
        // a hint: only this thread fills the slot, and a stealer emptying it only makes the answer stale.
        public override bool IsQuiet => Next is null && Resume is null && owner._ready.IsEmpty;

        // Plus two: still odd (inside a turn), but a value the rescuer, the watchdog and the starvation check have not
        // seen, so a busy actor that renews its turn is not taken for a stuck one. Only this worker writes its stamp.
        public override void NoteTurnRenewed() => Volatile.Write(ref TurnStamp, TurnStamp + 2);

        public void Run()
        {
            SynchronizationContext.SetSynchronizationContext(owner.SynchronizationContext);
            t_worker = this;
            var queue = owner._ready;
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
                        RunOne(item);
                        continue;
                    }

                    streak = 0;
                    if (queue.TryDequeue(out item) || (item = Interlocked.Exchange(ref Next, null)) is not null)
                    {
                        RunOne(item);
                        continue;
                    }

                    var snapshot = SpinSnapshot ??= new int[owner._workers.Length];
                    owner.SnapshotTurns(snapshot);
                    if (Spin(queue))
                    {
                        continue;
                    }

                    if ((item = owner.TrySteal(this, snapshot)) is not null)
                    {
                        RunOne(item);
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

        private void RunOne(IThreadPoolWorkItem item)
        {
            // Volatile writes, no interlocked ones: only this worker writes its own fields. No clock read either: the
            // watchdog and the rescuer time turns from their own ticks (see CheckForSlowTurns).
            CurrentItem = item;
            Volatile.Write(ref TurnStamp, TurnStamp + 1);
            try
            {
                if (item is ActorCell cell)
                {
                    // Hand the turn its worker, so it asks about this worker without a thread-static lookup; the turn
                    // has no catch frame of its own here, the one below stands in for it.
                    cell.ExecuteUnguarded(this);
                }
                else
                {
                    item.Execute();
                }
            }
            catch (Exception error)
            {
                // The last line that keeps a worker thread alive. A cell's turn catches its handlers' failures itself;
                // what reaches here from a cell is a runtime bug, which stops that actor rather than wedging it.
                if (item is ActorCell failed)
                {
                    failed.OnTurnFailed(error);
                }
                else
                {
                    Log.WorkItemFailed(owner._logger, error);
                }
            }
            finally
            {
                Volatile.Write(ref TurnStamp, TurnStamp + 1);
                CurrentItem = null;
            }

            // A plain read first: only this thread pushes, and an empty stack is the common case (the ping-pong path).
            if (Resume is not null)
            {
                ResumeAskers();
            }
        }

        /// <summary>
        /// Resumes the askers the item just run answered, in the order of the replies, each as an item of its own (the
        /// rescuer and the watchdog see each one's stamp); the code of one may answer another ask, hence the loop.
        /// </summary>
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
        private void ResumeAskers()
        {
            while (TakeResumeStack(this) is { } oldest)
            {
                for (var operation = oldest; operation is not null;)
                {
                    var next = operation.NextResume;
                    operation.NextResume = null;
                    CurrentItem = operation;
                    Volatile.Write(ref TurnStamp, TurnStamp + 1);
                    try
                    {
                        ((IThreadPoolWorkItem)operation).Execute();
                    }
                    catch (Exception error)
                    {
                        // The asker's continuation catches its own failures; this keeps the worker alive regardless.
                        Log.WorkItemFailed(owner._logger, error);
                    }
                    finally
                    {
                        Volatile.Write(ref TurnStamp, TurnStamp + 1);
                        CurrentItem = null;
                    }

                    operation = next;
                }
            }
        }
    }
}
