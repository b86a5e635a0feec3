using System.Diagnostics;

namespace Spillway;

/// <summary>
/// The capacity gate of a bounded set: reservations by senders, releases by the reader, both on one interlocked count
/// of queued messages; writers that wait for room are in LaneSet.WriterWaiters.cs.
/// </summary>
internal sealed partial class LaneSet<T>
{
    /// <summary>Reserves room for <paramref name="count"/> messages on a bounded channel.</summary>
    /// <returns><see langword="false"/> when the channel is full; nothing was reserved.</returns>
    public bool TryReserve(int count)
    {
        Debug.Assert(IsBounded, "Only bounded channels count queued messages.");

        // While WriteAsync calls are blocked, the next room is theirs, in order: a send that came later (or a later
        // send of the same handle) must not take it first.
        if (Volatile.Read(ref _blockedWriterCount) != 0)
        {
            return false;
        }

        // Soft bound: admit while below the capacity, even if the batch takes it past the bound. Interlocked: the
        // reservation and the reader's release race on the same counter.
        var after = Interlocked.Add(ref _queued, count);
        if (after - count < _capacity)
        {
            return true;
        }

        // Undone through Release, which looks for waiting writers: while our reservation briefly held the room, a
        // reader's release could have dispatched, found no room and left a writer waiting with room now free.
        Release(count);
        return false;
    }

    /// <summary>
    /// Reserves room for one message past the capacity, unconditionally: a full mailbox that drops its oldest message
    /// found none left in a lane to drop (the reader holds them all), so the new message is admitted over the soft
    /// bound, as a batch may be. Given back like any reservation.
    /// </summary>
    public void ReserveOverCapacity()
    {
        Debug.Assert(IsBounded, "Only bounded channels count queued messages.");

        // Interlocked: races with reservations and releases on the same counter.
        Interlocked.Increment(ref _queued);
    }

    /// <summary>Gives back a reservation that was not used, or room the reader has consumed.</summary>
    public void Release(int count)
    {
        Debug.Assert(IsBounded, "Only bounded channels count queued messages.");

        // Interlocked (full fence) before reading _writerWaiterCount: pairs with the increment when a waiter is queued,
        // so either its dispatch sees the room we just made or we see the waiter (no lost wake-up of a blocked writer).
        Interlocked.Add(ref _queued, -count);
        if (Volatile.Read(ref _writerWaiterCount) != 0)
        {
            DispatchWriterWaiters();
        }
    }

    /// <summary>Gets whether a bounded channel has room right now for a send that does not wait (no blocked write is ahead of it).</summary>
    public bool HasRoom => !IsBounded || (Volatile.Read(ref _blockedWriterCount) == 0 && Volatile.Read(ref _queued) < _capacity);
}
