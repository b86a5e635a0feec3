namespace Spillway.Actors;

/// <summary>
/// Parking: how an idle worker goes to sleep on the wake semaphore and how <see cref="Schedule"/> wakes exactly one
/// (see the type remarks in DedicatedThreadScheduler.cs).
/// </summary>
internal sealed partial class DedicatedThreadScheduler
{
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
