using System.Collections.Concurrent;

namespace Spillway.Actors;

/// <summary>
/// The worker loop: the worker's own next slot, then the shared queue, then a short spin, then stealing, then sleep;
/// and the running of one item with the turn stamp around it.
/// </summary>
internal sealed partial class DedicatedThreadScheduler
{
    /// <summary>
    /// Takes another worker's next-slot item, for an idle worker that has just spun: only from a worker still inside
    /// the turn it was in when the spin began. A worker between turns, or one whose turns are short, is about to run
    /// its slot itself on warm caches, and stealing it would only bounce the actor between cores.
    /// </summary>
    private IThreadPoolWorkItem? TrySteal(Worker thief, int[] stampsBeforeSpin)
    {
        for (var i = 0; i < _workers.Length; i++)
        {
            var worker = _workers[i];
            if (!ReferenceEquals(worker, thief)
                && Volatile.Read(ref worker.Next) is not null
                && Volatile.Read(ref worker.TurnStamp) is var stamp
                && Worker.IsInTurn(stamp)
                && stamp == stampsBeforeSpin[i]
                && Interlocked.Exchange(ref worker.Next, null) is { } item)
            {
                return item;
            }
        }

        return null;
    }

    private void SnapshotTurns(int[] stamps)
    {
        for (var i = 0; i < _workers.Length; i++)
        {
            stamps[i] = Volatile.Read(ref _workers[i].TurnStamp);
        }
    }

    private sealed partial class Worker(DedicatedThreadScheduler owner, int index) : SchedulerWorker
    {
        /// <summary>The item to run right after the current turn; exchanged atomically by the owner, stealers and the rescuer.</summary>
        public IThreadPoolWorkItem? Next;

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
        public override bool IsQuiet => Next is null && owner._ready.IsEmpty;

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
                    // Hand the turn its worker, so it asks about this worker without a thread-static lookup.
                    cell.Execute(this);
                }
                else
                {
                    item.Execute();
                }
            }
            catch (Exception error)
            {
                // Cells catch their own failures; this is the last line that keeps a worker thread alive.
                Log.WorkItemFailed(owner._logger, error);
            }
            finally
            {
                Volatile.Write(ref TurnStamp, TurnStamp + 1);
                CurrentItem = null;
            }
        }
    }
}
