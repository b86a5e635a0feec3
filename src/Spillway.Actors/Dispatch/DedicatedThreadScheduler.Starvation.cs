namespace Spillway.Actors;

/// <summary>
/// Starvation injection: temporary extra workers for when every worker is stuck in one turn while work waits.
/// </summary>
/// <remarks>
/// <para>
/// Why: every worker installs the actor <see cref="SynchronizationContext"/>, so a handler that blocks on async work
/// (<c>SomeAsync().GetAwaiter().GetResult()</c> where <c>SomeAsync</c> awaits) waits for a continuation that only a
/// worker can run. Once as many handlers do that as there are workers, nothing runs any more, unrelated actors
/// included. The .NET thread pool survives the same pattern by injecting threads; this does the same, on a smaller scale.
/// </para>
/// <para>
/// Detection: <see cref="CheckForStarvation"/> ticks every <see cref="StarvationThreshold"/> on the system's
/// <see cref="TimeProvider"/>. Like the slow-turn watchdog it reads no clock on the workers: a worker is stuck when it
/// shows the same odd <see cref="Worker.TurnStamp"/> value as on the previous tick (inside the same turn for at least a
/// period). Starvation is every worker stuck (the extra ones included) while the shared queue holds work, or a stuck
/// worker's next slot does (the rescuer would move it there). It is seen one to two thresholds after it began.
/// </para>
/// <para>
/// Injection: at most one extra worker per tick, up to <see cref="ExtraWorkerCap"/>, each a real thread that serves the
/// shared queue like a worker but has no next slot (it does not set <c>t_worker</c>, so what it schedules goes to the
/// shared queue) and is not in <c>_workers</c> (so stealing, the rescuer and the spin snapshot, which deal in next slots,
/// never see it). It counts in <see cref="BusyWorkers"/> and the slow-turn watchdog watches it.
/// </para>
/// <para>
/// Retirement: an extra worker leaves, after the turn it is running or when it runs out of work, once one of the turns
/// that were stuck when it started has ended (the starvation that brought it is over; a few volatile reads, no clock).
/// Until then, when it runs out of work, it sleeps like a worker, waking every <see cref="s_extraIdleWait"/> to look
/// again. A stop wakes and joins it like any worker.
/// </para>
/// <para>
/// Thread-safety: <see cref="_extras"/> slots are written only under <see cref="_starvationLock"/> (by the check) and
/// read with <see cref="Volatile"/> anywhere; a slot's worker publishes its exit through <see cref="Worker.Retired"/>.
/// </para>
/// </remarks>
internal sealed partial class DedicatedThreadScheduler
{
    /// <summary>
    /// How long every worker must have been inside one turn, while work waits, before an extra worker is started: the
    /// period of <see cref="CheckForStarvation"/>, about the .NET thread pool's starvation delay.
    /// </summary>
    internal static readonly TimeSpan StarvationThreshold = TimeSpan.FromMilliseconds(500);

    /// <summary>Extra workers allowed per regular worker; the cap is also bounded by <see cref="MaxExtraWorkersLimit"/>.</summary>
    private const int ExtraWorkersPerWorker = 4;

    /// <summary>The most extra workers any pool starts, however many regular workers it has.</summary>
    private const int MaxExtraWorkersLimit = 64;

    /// <summary>
    /// How long an idle extra worker sleeps before it looks again whether the starvation that brought it is over (real
    /// time, like any wait of a worker thread; the decision to start one is on the system's clock).
    /// </summary>
    private static readonly TimeSpan s_extraIdleWait = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// Serialises <see cref="CheckForStarvation"/> (ticks of a system timer may overlap) and orders it against the stop:
    /// <see cref="StopAsync"/> sets <see cref="_stopping"/> under it, so no extra worker starts after the stop began.
    /// </summary>
    private readonly object _starvationLock = new();

    /// <summary>
    /// The extra workers' slots: <see langword="null"/> or a worker, live or <see cref="Worker.Retired"/>. Written only by
    /// the check under <see cref="_starvationLock"/> (a retired worker's slot is reused); read with <see cref="Volatile"/>.
    /// Fixed length, so memory stays bounded by the cap, not by how often starvation happened.
    /// </summary>
    private readonly Worker?[] _extras;

    private ITimer? _starvationCheck;

    /// <summary>Gets how many extra workers run now (started by the starvation check, not yet retired). For tests.</summary>
    internal int ExtraWorkers
    {
        get
        {
            var live = 0;
            for (var i = 0; i < _extras.Length; i++)
            {
                live += Volatile.Read(ref _extras[i]) is { Retired: false } ? 1 : 0;
            }

            return live;
        }
    }

    /// <summary>Gets the most extra workers this pool starts. For tests.</summary>
    internal int MaxExtraWorkers => _extras.Length;

    /// <summary>Gets the threads of the extra workers in their slots, live or retired, for tests that wait for them to exit.</summary>
    internal IReadOnlyList<Thread> ExtraThreads
    {
        get
        {
            var threads = new List<Thread>();
            for (var i = 0; i < _extras.Length; i++)
            {
                if (Volatile.Read(ref _extras[i])?.Thread is { } thread)
                {
                    threads.Add(thread);
                }
            }

            return threads;
        }
    }

    private static int ExtraWorkerCap(int workerCount) => (int)Math.Min((long)workerCount * ExtraWorkersPerWorker, MaxExtraWorkersLimit);

    private int ExtraBusyWorkers()
    {
        var busy = 0;
        for (var i = 0; i < _extras.Length; i++)
        {
            // A slot read once: the check may reuse it meanwhile. A retired worker is between turns for good (even).
            if (Volatile.Read(ref _extras[i]) is { } extra)
            {
                busy += (Worker.IsInTurn(Volatile.Read(ref extra.TurnStamp)) ? 1 : 0);
            }
        }

        return busy;
    }

    /// <summary>Starts <see cref="CheckForStarvation"/> on the system's clock, so tests drive it with a fake one.</summary>
    private void StartStarvationCheck() =>
        _starvationCheck = _timeProvider.CreateTimer(static s => ((DedicatedThreadScheduler)s!).CheckForStarvation(), this, StarvationThreshold, StarvationThreshold);

    private ValueTask StopStarvationCheckAsync() => _starvationCheck?.DisposeAsync() ?? default;

    /// <summary>Joins the extra workers' threads; called once every worker has left its loop, so each join is short.</summary>
    private void JoinExtraWorkers()
    {
        // No slot changes now: the check starts nothing once _stopping is set (under the lock).
        foreach (var thread in ExtraThreads)
        {
            thread.Join();
        }
    }

    /// <summary>
    /// One tick of the starvation check (see the type remarks): starts one extra worker when every worker has been inside
    /// the same turn since the previous tick and work waits, and logs which actors hold the workers.
    /// </summary>
    private void CheckForStarvation()
    {
        string actors;
        int workerIndex;
        int live;
        lock (_starvationLock)
        {
            if (_stopping)
            {
                return;
            }

            // Every worker's stuck flag updates its seen value, so no short-circuit: each tick compares with the last.
            var allStuck = true;
            var queued = false;
            foreach (var worker in _workers)
            {
                var stuck = SeenStuck(worker);
                allStuck &= stuck;

                // A stuck worker's next slot waits as much as the shared queue does (the rescuer moves it there).
                queued |= stuck && Volatile.Read(ref worker.Next) is not null;
            }

            var free = -1;
            live = 0;
            for (var i = 0; i < _extras.Length; i++)
            {
                // Plain read: only this lock writes slots.
                if (_extras[i] is not { Retired: false } extra)
                {
                    free = free < 0 ? i : free;
                    continue;
                }

                live++;

                // A live extra worker that is idle (or not started yet) will take the waiting work itself.
                allStuck &= SeenStuck(extra);
            }

            queued |= !_ready.IsEmpty;
            if (!allStuck || !queued || free < 0)
            {
                // Not starved, or at the cap: the slow-turn watchdog still reports each stuck turn.
                return;
            }

            var stuckTurns = new (Worker Worker, int Stamp)[_workers.Length + live];
            var names = new string[stuckTurns.Length];
            var count = 0;
            foreach (var worker in _workers)
            {
                names[count] = NameRunningActor(worker);
                stuckTurns[count++] = (worker, worker.StarvationSeenStamp);
            }

            foreach (var extra in _extras)
            {
                if (extra is { Retired: false })
                {
                    names[count] = NameRunningActor(extra);
                    stuckTurns[count++] = (extra, extra.StarvationSeenStamp);
                }
            }

            workerIndex = _workers.Length + free;
            if (!TryStartExtraWorker(free, new Worker(this, workerIndex) { StuckAtStart = stuckTurns }))
            {
                return;
            }

            live++;
            actors = string.Join(", ", names);
        }

        // Outside the lock: a logging provider is user code. It must not throw out of a timer callback either (on the
        // system clock that would end the process); the extra worker runs whether or not the warning was written.
        try
        {
            Log.WorkersStarved(_logger, _name, StarvationThreshold.TotalSeconds, actors, workerIndex, live, _extras.Length);
        }
        catch (Exception)
        {
            // Nowhere left to report it: the logger itself failed.
        }
    }

    /// <summary>Whether <paramref name="worker"/> is inside the turn it was in on the previous tick; records what it saw for the next.</summary>
    private static bool SeenStuck(Worker worker)
    {
        // One read gives both facts: odd means inside a turn, and the same odd value as last tick means the same turn.
        var stamp = Volatile.Read(ref worker.TurnStamp);
        var stuck = Worker.IsInTurn(stamp) && stamp == worker.StarvationSeenStamp;
        worker.StarvationSeenStamp = stamp;
        return stuck;
    }

    /// <summary>The actor whose turn holds <paramref name="worker"/> (its path), read racily like the watchdog does.</summary>
    private static string NameRunningActor(Worker worker)
    {
        var name = worker.CurrentItem switch
        {
            ActorCell cell => cell.Path,
            null => "?",

            // A posted continuation (an await resumed on the actor context) does not know its actor.
            _ => "an await continuation",
        };

        // Name it only if the item read belongs to the stuck turn (the turn may have ended meanwhile).
        return Volatile.Read(ref worker.TurnStamp) == worker.StarvationSeenStamp ? name : "?";
    }

    /// <summary>Starts <paramref name="extra"/> in slot <paramref name="slot"/>; under the lock, not stopping.</summary>
    private bool TryStartExtraWorker(int slot, Worker extra)
    {
        var thread = new Thread(extra.RunExtra)
        {
            IsBackground = true,
            Name = $"{_name} actor worker {extra.Index} (extra)",
        };
        extra.Thread = thread;

        // Interlocked: exiting workers decrement concurrently. Counted before the thread runs, under the lock and before
        // the stop (which sets _stopping under the same lock), so StopAsync waits for this worker too.
        Interlocked.Increment(ref _running);

        // Volatile: publishes the fully built worker to the gauge and the watchdog, which read slots without the lock.
        Volatile.Write(ref _extras[slot], extra);
        try
        {
            // Unsafe: the thread does not inherit the timer's execution context (whatever ambient state ticked it).
            thread.UnsafeStart();
            return true;
        }
        catch (OutOfMemoryException)
        {
            // No thread to be had: undo, and try again on a later tick. The timer callback must not throw.
            Volatile.Write(ref _extras[slot], null);
            Interlocked.Decrement(ref _running);
            return false;
        }
    }

    private sealed partial class Worker
    {
        /// <summary>The <see cref="TurnStamp"/> value the starvation check saw on its previous tick; only the check touches it, under its lock.</summary>
        public int StarvationSeenStamp;

        /// <summary>For an extra worker: the turns stuck when it was started; it may retire once one of them has ended. Set before it starts.</summary>
        public (Worker Worker, int Stamp)[]? StuckAtStart;

        /// <summary>For an extra worker: its thread. Set before it starts.</summary>
        public Thread? Thread;

        /// <summary>
        /// For an extra worker: set as the last step of its exit, after it has left the running count; its slot may then
        /// be reused. Volatile: the check and the gauges read it without a lock.
        /// </summary>
        public volatile bool Retired;

        /// <summary>
        /// The loop of an extra worker: the shared queue only (no next slot, no stealing), the same sleep protocol as a
        /// worker (see the type remarks of <see cref="DedicatedThreadScheduler"/>), and retirement once starvation eases.
        /// </summary>
        public void RunExtra()
        {
            var owner = Owner;
            SynchronizationContext.SetSynchronizationContext(owner.SynchronizationContext);

            // t_worker stays null: an extra worker has no next slot, so what it schedules goes to the shared queue.
            var queue = owner._ready;
            try
            {
                while (true)
                {
                    if (queue.TryDequeue(out var item))
                    {
                        RunOne(item);

                        // Once a stuck turn has ended the regular workers serve the queue again: leave even if work
                        // waits (it was announced when queued; if every worker is stuck again, the check starts another).
                        if (StarvationEased())
                        {
                            return;
                        }

                        continue;
                    }

                    if (owner._stopping || StarvationEased())
                    {
                        return;
                    }

                    // Interlocked (full fence) before looking at the queue again: see the type remarks.
                    Interlocked.Increment(ref owner._sleepers);
                    if ((!queue.IsEmpty || owner._stopping) && owner.TryUnregisterSleeper())
                    {
                        continue;
                    }

                    if (owner._wake.Wait(s_extraIdleWait))
                    {
                        continue;
                    }

                    // Timed out: take a registration back. If every registration has been claimed, a waker's token is on
                    // its way (it releases right after its claim); consume it, so tokens and claims stay equal.
                    if (!owner.TryUnregisterSleeper())
                    {
                        owner._wake.Wait();
                    }
                }
            }
            finally
            {
                // Interlocked: workers exit concurrently; the last one completes the stop.
                if (Interlocked.Decrement(ref owner._running) == 0)
                {
                    owner._allExited.TrySetResult();
                }

                Retired = true;
            }
        }

        /// <summary>Whether one of the turns stuck when this extra worker started has ended: the starvation that brought it is over.</summary>
        private bool StarvationEased()
        {
            foreach (var (worker, stamp) in StuckAtStart!)
            {
                if (Volatile.Read(ref worker.TurnStamp) != stamp)
                {
                    return true;
                }
            }

            return false;
        }
    }
}
