using System.Collections.Concurrent;

namespace Spillway.Actors;

/// <summary>
/// What a worker with nothing to run does before it parks (a short spin on the queue, a steal from a stuck worker's
/// next slot), how it parks on the wake semaphore, and how <see cref="Schedule"/> wakes exactly one (see the type
/// remarks in DedicatedThreadScheduler.cs).
/// </summary>
internal sealed partial class DedicatedThreadScheduler
{
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

            // The askers a turn that outlasted the spin answered: the oldest runs here, the others go to the shared queue.
            if (!ReferenceEquals(worker, thief)
                && Volatile.Read(ref worker.Resume) is not null
                && Volatile.Read(ref worker.TurnStamp) is var turn
                && Worker.IsInTurn(turn)
                && turn == stampsBeforeSpin[i]
                && TakeResumeStack(worker) is { } oldest)
            {
                QueueResumeStack(oldest.NextResume);
                oldest.NextResume = null;
                return oldest;
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

    private void WakeOne()
    {
        // After the enqueue's full fence: pairs with the worker's Interlocked.Increment of _sleepers. Claims exactly one
        // sleeper, so two schedulers racing for the last sleeper release one token, not two.
        if (TryTakeSleeper())
        {
            _wake.Release();
        }
    }

    /// <summary>A worker that found work after registering as a sleeper takes its registration back, if no waker has claimed it.</summary>
    private bool TryUnregisterSleeper() => TryTakeSleeper();

    /// <summary>
    /// Takes one registration from <see cref="_sleepers"/> if there is one: a waker claiming a sleeper, or a worker taking
    /// its own registration back (see the type remarks).
    /// </summary>
    private bool TryTakeSleeper()
    {
        var sleepers = Volatile.Read(ref _sleepers);
        while (sleepers > 0)
        {
            // CAS, not Decrement: the count must never go below zero, and the winner of each registration is exactly one
            // caller (a waker or the sleeper itself), which keeps tokens and claims equal.
            var seen = Interlocked.CompareExchange(ref _sleepers, sleepers - 1, sleepers);
            if (seen == sleepers)
            {
                return true;
            }

            sleepers = seen;
        }

        return false;
    }
}
