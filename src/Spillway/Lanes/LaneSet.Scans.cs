using System.Runtime.CompilerServices;

namespace Spillway;

/// <summary>
/// The scans of the lanes in use, and the end of the set: the seal (sends refused, queued messages kept) and the close
/// (queued messages dropped or drained out).
/// </summary>
internal sealed partial class LaneSet<T>
{
    /// <summary>
    /// Reads, for a barrier about to be appended to <paramref name="own"/>, how many messages every other lane among the
    /// first <c>marks.Length</c> slots (the lanes in use, read by the caller) has received so far, into
    /// <paramref name="marks"/> (indexed by lane slot; the own lane's entry and a lane that received nothing stay 0).
    /// </summary>
    /// <param name="own">The lane the barrier goes to.</param>
    /// <param name="marks">Zeroed storage, one entry per lane slot in use.</param>
    /// <returns>
    /// <see langword="true"/> when another lane has received something; <see langword="false"/> means the barrier waits
    /// for nothing and can be appended as a plain tagged message.
    /// </returns>
    public bool SnapshotAppendedCounts(Lane<T> own, Span<long> marks)
    {
        var any = false;
        for (var i = 0; i < marks.Length; i++)
        {
            // Volatile slot read: a lane created on another core is seen fully constructed. Its count is read with
            // acquire (AppendedCount), pairing with the release store of every append: what it counts is visible.
            var lane = LaneAt(i);
            if (lane is null || ReferenceEquals(lane, own))
            {
                continue;
            }

            var appended = lane.AppendedCount;
            if (appended != 0)
            {
                marks[i] = appended;
                any = true;
            }
        }

        return any;
    }

    /// <summary>Gets whether any lane holds messages, looking at every lane in use without locks.</summary>
    /// <remarks>Inlined: an actor's turn asks twice per one-message turn (the ping-pong path), once after going idle.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool AnyLaneHasItems()
    {
        var inUse = LanesInUse;
        for (var i = 0; i < inUse; i++)
        {
            // The lane's fields are read through the reference loaded here (a dependent load), so a lane published by
            // another thread is seen fully constructed.
            if (LaneAt(i) is { } lane && lane.HasItems)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Gets whether any lane holds messages, taking each lane lock: exact for a sealed set, where an append that was
    /// already inside a lane lock when the seal happened must still be seen.
    /// </summary>
    public bool AnyLaneHasItemsLocked()
    {
        for (var i = 0; i < _laneCount; i++)
        {
            var lane = LaneAt(i);
            if (lane is null)
            {
                continue;
            }

            using (lane.Lock())
            {
                if (lane.HasItems)
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>Gets a snapshot of the messages queued in lanes (not those the reader holds).</summary>
    public int CountQueuedInLanes()
    {
        var total = 0;
        for (var i = 0; i < _laneCount; i++)
        {
            var lane = LaneAt(i);
            if (lane is not null)
            {
                total += lane.CountEstimate;
            }
        }

        return total;
    }

    /// <summary>
    /// Refuses every later send but keeps what is queued readable, so the reader can drain it (a mailbox draining for
    /// shutdown). A later <see cref="Close"/> still drops whatever is left.
    /// </summary>
    /// <returns><see langword="false"/> if the set was already sealed or closed.</returns>
    /// <remarks>
    /// Writers waiting for room end now (as at <see cref="Close"/>): a sealed set never takes their messages, so they
    /// must not wait for room that the drain frees.
    /// </remarks>
    public bool Seal()
    {
        // CAS: sealing must never downgrade a closed set back to sealed.
        if (Interlocked.CompareExchange(ref _state, State.Sealed, State.Open) != State.Open)
        {
            return false;
        }

        if (IsBounded)
        {
            // Always under the waiter lock, never after a look at the waiter count: a waiter queued by a writer that saw
            // the set open just before the seal is either seen here or sees the seal itself (Enqueue checks it under
            // the same lock).
            FailWriterWaiters(null);
        }

        return true;
    }

    /// <summary>
    /// Closes the channel from the reader's side: later sends fail, queued messages are dropped (or copied into
    /// <paramref name="dropped"/> when given), and writers waiting for room are released. The tags of dropped tagged
    /// messages (<see cref="LaneHandle{T}.TryAppendTagged"/>) go to <paramref name="droppedTags"/> when given, so the
    /// caller can fail exactly the requests it dropped.
    /// </summary>
    /// <returns><see langword="false"/> if the channel was already closed.</returns>
    public bool Close(List<T>? dropped, List<object>? droppedTags = null)
    {
        // Interlocked: Close may race with itself (dispose on two threads); only one pass drops the messages.
        if (Interlocked.Exchange(ref _state, State.Closed) == State.Closed)
        {
            return false;
        }

        for (var i = 0; i < _laneCount; i++)
        {
            var lane = LaneAt(i);
            if (lane is null)
            {
                continue;
            }

            // Taking each lane lock after setting _state splits senders in two: those that got the lock first queued
            // a message that is dropped here; those that get it after see the state and fail. None is left behind.
            int count;
            using (lane.Lock())
            {
                if (dropped is null)
                {
                    count = lane.Clear_NeedsLock(droppedTags);
                }
                else
                {
                    count = lane.CountEstimate;
                    lane.DrainTo_NeedsLock(dropped, droppedTags);
                }
            }

            if (IsBounded && count != 0)
            {
                Interlocked.Add(ref _queued, -count);
            }
        }

        if (IsBounded)
        {
            FailWriterWaiters(null);
        }

        return true;
    }
}
