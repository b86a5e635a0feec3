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

    private int _busy;
    private volatile bool _stopping;
    private ITimer? _watchdog;

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

    public override int BusyWorkers => Volatile.Read(ref _busy);

    public override int ReadyCount => _ready.Count;

    public override bool IsQuiet => _ready.IsEmpty;

    /// <summary>Gets the worker threads, for tests that check none is left running.</summary>
    internal IReadOnlyList<Thread> Threads => _threads;

    public override void Schedule(IThreadPoolWorkItem item)
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
        /// <summary>The timestamp the current turn started at, 0 between turns; read by the watchdog thread.</summary>
        public long TurnStarted;

        /// <summary>The start stamp of the last turn the watchdog reported, so each slow turn is logged once.</summary>
        public long ReportedTurn;

        public IThreadPoolWorkItem? CurrentItem;

        public int Index => index;

        public void Run()
        {
            SynchronizationContext.SetSynchronizationContext(owner.SynchronizationContext);
            var queue = owner._ready;
            var measure = owner._slowTurnThreshold > TimeSpan.Zero;
            try
            {
                while (true)
                {
                    if (queue.TryDequeue(out var item))
                    {
                        RunOne(item, measure);
                        continue;
                    }

                    if (Spin(queue))
                    {
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
            Interlocked.Increment(ref owner._busy);
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

                Interlocked.Decrement(ref owner._busy);
            }
        }
    }
}
