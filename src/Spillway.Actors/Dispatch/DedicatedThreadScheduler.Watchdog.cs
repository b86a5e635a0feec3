namespace Spillway.Actors;

/// <summary>
/// The timers that watch the workers: the rescuer, which hands a stuck worker's next slot to the shared queue, and the
/// slow-turn watchdog. Neither reads a clock on the hot path: a turn is recognised by its worker's turn stamp.
/// </summary>
internal sealed partial class DedicatedThreadScheduler
{
    /// <summary>
    /// Moves to the shared queue the next-slot item and the askers to resume of every worker that has been inside one
    /// turn since the previous tick (so for at least <see cref="s_rescueAfter"/>): a handler that blocks after telling
    /// another actor, or after replying, must not hold that actor or that asker back. Turns are told apart by <see cref="Worker.TurnStamp"/>, so the hot path reads no clock.
    /// </summary>
    private void RescueNextSlots()
    {
        foreach (var worker in _workers)
        {
            // One read gives both facts: odd means inside a turn, and the same odd value as last tick means the same turn.
            var stamp = Volatile.Read(ref worker.TurnStamp);
            var stuck = Worker.IsInTurn(stamp) && stamp == worker.RescueSeenStamp;
            worker.RescueSeenStamp = stamp;

            // Interlocked: the worker itself (when its turn ends) or a stealer may take the item first.
            if (stuck && Volatile.Read(ref worker.Next) is not null && Interlocked.Exchange(ref worker.Next, null) is { } item)
            {
                _ready.Enqueue(item);
                WakeOne();
            }

            // The same for the askers a handler answered before it went on for a long time (they resume after the item).
            if (stuck)
            {
                QueueResumeStack(TakeResumeStack(worker));
            }
        }
    }

    /// <summary>
    /// The slow-turn watchdog, ticking <see cref="SlowTurnChecksPerThreshold"/> times per threshold on the system's
    /// <see cref="TimeProvider"/>. Workers read no clock: a turn is recognised by its <see cref="Worker.TurnStamp"/>
    /// value, and timed by counting the ticks that saw it again (a periodic timer's ticks are at least a period apart).
    /// It is reported once, when it has been seen for the whole threshold: between one and
    /// 1 + 1/<see cref="SlowTurnChecksPerThreshold"/> thresholds after it began. The elapsed time in the warning is that
    /// lower bound.
    /// </summary>
    private void CheckForSlowTurns()
    {
        foreach (var worker in _workers)
        {
            CheckForSlowTurn(worker);
        }

        // Extra workers too (a slot read once: the starvation check may reuse it meanwhile); a retired one is between
        // turns for good, which the check below treats like any worker between turns.
        for (var i = 0; i < _extras.Length; i++)
        {
            if (Volatile.Read(ref _extras[i]) is { } extra)
            {
                CheckForSlowTurn(extra);
            }
        }
    }

    private void CheckForSlowTurn(Worker worker)
    {
        var stamp = Volatile.Read(ref worker.TurnStamp);
        if (!Worker.IsInTurn(stamp) || stamp != worker.WatchedStamp)
        {
            // Between turns, or a turn this watchdog has not seen before (it began after the previous tick).
            worker.WatchedStamp = stamp;
            worker.WatchedTicks = 0;
            return;
        }

        worker.WatchedTicks++;
        if (worker.WatchedTicks == SlowTurnChecksPerThreshold)
        {
            // Exactly once per turn: the count reaches this value once. The turn has run for at least the threshold.
            var actor = worker.CurrentItem?.ToString() ?? "?";

            // Name the actor only if the item read belongs to the turn being reported (the turn may end meanwhile).
            Log.SlowTurn(_logger, worker.Index, _slowTurnThreshold.TotalSeconds, Volatile.Read(ref worker.TurnStamp) == stamp ? actor : "?");
        }
    }
}
