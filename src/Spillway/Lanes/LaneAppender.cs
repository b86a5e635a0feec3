using System.Runtime.CompilerServices;

namespace Spillway;

/// <summary>
/// The append paths of one lane of a <see cref="LaneSet{T}"/>: the lane and its set, as a struct, so a sender that is
/// never released (an actor reference: mailboxes close on stop, not when references go away) can append without a
/// <see cref="LaneHandle{T}"/> object of its own. A <see cref="LaneHandle{T}"/> appends through one too, passing
/// itself as the <c>owner</c> whose release refuses later appends.
/// </summary>
/// <remarks>
/// Thread-safety: as <see cref="LaneHandle{T}"/>: any number of threads may append to one lane; their messages are
/// ordered by the lane lock, and the owner's released flag is read only under that lock.
/// </remarks>
internal readonly struct LaneAppender<T>
{
    private readonly LaneSet<T> _set;
    private readonly Lane<T> _lane;

    /// <summary>Appends to <paramref name="lane"/>, which must be a lane of <paramref name="set"/> (see <see cref="LaneSet{T}.AcquireLane"/>).</summary>
    public LaneAppender(LaneSet<T> set, Lane<T> lane)
    {
        _set = set;
        _lane = lane;
    }

    /// <summary>Gets the lane set appended to.</summary>
    public LaneSet<T> Set => _set;

    /// <summary>Gets the lane appended to.</summary>
    public Lane<T> Lane => _lane;

    /// <summary>Offers one message to this lane and tells the reader if the lane was empty.</summary>
    /// <remarks>
    /// The common send (an unbounded set, the lane lock free at the first try, the set open, room in the storage) makes
    /// no call until the lock is released, so once inlined into a send it needs no registers saved: a few loads and
    /// stores around one compare-and-swap. Anything else lets go of the lock untouched and takes the whole path
    /// (<see cref="TryAppendSlow"/>), which looks at everything again.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public AppendOutcome TryAppend(T item, LaneHandle<T>? owner = null)
    {
        var set = _set;
        var lane = _lane;
        if (!set.IsBounded && lane.TryLockAtOnce())
        {
            // Under the lane lock, as below: a close that set its flag drains this lane after taking the lock.
            if (!IsReleased_NeedsLock(owner) && !set.IsClosed && lane.TryAppendInPlace_NeedsLock(item, out var wasEmpty))
            {
                lane.Unlock();
                return wasEmpty ? NotifyLaneFilled() : AppendOutcome.Appended;
            }

            lane.Unlock();
        }

        return TryAppendSlow(item, owner);
    }

    /// <summary>The whole of <see cref="TryAppend"/>: bounded sets, a contended lock, a refusal, a lane that must grow.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private AppendOutcome TryAppendSlow(T item, LaneHandle<T>? owner) =>
        TryAppendOne(item, tag: null, barrier: false, marks: default, whileSealed: false, owner);

    /// <summary>The most lanes whose barrier marks are read into a stack buffer; a set with more allocates them.</summary>
    private const int MaxMarksOnStack = 32;

    /// <summary>
    /// Offers one message like <see cref="TryAppend"/>, except that a sealed set still takes it: the privileged path of
    /// a mailbox draining for shutdown, for senders its owner still admits. Refused once the set is closed (its
    /// reader dropped what was queued) or the handle released. With a <paramref name="tag"/>, appends as
    /// <see cref="TryAppendTagged"/> does, and with <paramref name="barrier"/> as <see cref="TryAppendBarrier"/>. Not a
    /// hot path.
    /// </summary>
    public AppendOutcome TryAppendWhileSealed(T item, object? tag = null, bool barrier = false, LaneHandle<T>? owner = null)
    {
        return barrier && tag is not null
            ? TryAppendWithMarks(item, tag, whileSealed: true, owner)
            : TryAppendOne(item, tag, barrier: false, marks: default, whileSealed: true, owner);
    }

    /// <summary>
    /// Offers one message, like <see cref="TryAppend"/> (same outcomes), and records <paramref name="tag"/> against that
    /// message's position: the reader hands the tag back with exactly this message
    /// (<see cref="LaneReader{T}.TakeTagOfLastRead"/>), and a close or drain that drops the message reports the tag
    /// (<see cref="LaneSet{T}.Close"/>, <see cref="LaneReader{T}.DrainBufferedTo"/>). Tags are matched by position, never
    /// by the message's equality, so two equal messages keep distinct tags. The lane's tag list is allocated on its
    /// first tagged append and then circulates with the storage.
    /// </summary>
    public AppendOutcome TryAppendTagged(T item, object tag, LaneHandle<T>? owner = null)
    {
        ArgumentNullException.ThrowIfNull(tag);
        return TryAppendOne(item, tag, barrier: false, marks: default, whileSealed: false, owner);
    }

    /// <summary>
    /// Offers one message as a <em>barrier</em>: like <see cref="TryAppendTagged"/>, and in addition the reader hands it
    /// out only after every message that any other lane had received before this call (and, as always, after the earlier
    /// messages of its own lane); the messages behind it in its own lane wait behind it, other lanes go on. So a
    /// barrier is read after everything appended, through any handle, before it was offered: what the caller appended
    /// earlier, and what other threads appended and then published to the caller.
    /// </summary>
    /// <remarks>
    /// The marks are read before the append, so a barrier only ever waits for messages appended before it: barriers
    /// offered at the same time never wait for each other, and the reader can always make progress (every wait points
    /// to an earlier append). When no other lane has received anything, the barrier carries no marks and costs the
    /// reader nothing beyond a tagged message.
    /// </remarks>
    public AppendOutcome TryAppendBarrier(T item, object tag, LaneHandle<T>? owner = null)
    {
        ArgumentNullException.ThrowIfNull(tag);
        return TryAppendWithMarks(item, tag, whileSealed: false, owner);
    }

    /// <summary>
    /// Reads the barrier's marks (see <see cref="TryAppendBarrier"/>'s remarks) before the append, on the stack: the lane's
    /// tag list keeps a copy in storage it reuses, so a barrier allocates nothing in steady state (a request-reply loop
    /// appends one per ask).
    /// </summary>
    private AppendOutcome TryAppendWithMarks(T item, object tag, bool whileSealed, LaneHandle<T>? owner)
    {
        var inUse = _set.LanesInUse;
        var marks = inUse <= MaxMarksOnStack ? stackalloc long[MaxMarksOnStack] : new long[inUse];
        marks = marks[..inUse];
        return TryAppendOne(item, tag, _set.SnapshotAppendedCounts(_lane, marks), marks, whileSealed, owner);
    }

    /// <summary>
    /// The one-message append behind the tagged, barrier and while-sealed paths (the plain <see cref="TryAppend"/> stays
    /// separate and inlined: it is the hot path). A sealed set takes the message only when <paramref name="whileSealed"/>.
    /// </summary>
    private AppendOutcome TryAppendOne(T item, object? tag, bool barrier, ReadOnlySpan<long> marks, bool whileSealed, LaneHandle<T>? owner)
    {
        var set = _set;
        if (set.IsBounded && !set.TryReserve(1))
        {
            return (whileSealed ? set.IsClosedForReading : set.IsClosed) ? AppendOutcome.Closed : AppendOutcome.Full;
        }

        bool accepted;
        var wasEmpty = false;
        using (_lane.Lock())
        {
            // Under the lane lock, as in TryAppend: a close (or seal) that set its flag drains this lane after taking the
            // lock, so a message appended here is either seen by it or refused.
            accepted = !IsReleased_NeedsLock(owner) && !(whileSealed ? set.IsClosedForReading : set.IsClosed);
            if (accepted)
            {
                wasEmpty = tag is null ? _lane.Append_NeedsLock(item) : _lane.AppendTagged_NeedsLock(item, tag, barrier, marks);
            }
        }

        return FinishAppend(accepted, wasEmpty, 1);
    }

    /// <summary>
    /// Gets how many messages were ever appended to this lane (through every handle that shares it); only grows.
    /// </summary>
    public long LaneAppendedCount => _lane.AppendedCount;

    /// <summary>Offers a batch to this lane, atomically: all of it lands contiguously, or none of it.</summary>
    public AppendOutcome TryAppendMany(ReadOnlySpan<T> items, LaneHandle<T>? owner = null)
    {
        if (items.IsEmpty)
        {
            return IsOpen(owner) ? AppendOutcome.Appended : AppendOutcome.Closed;
        }

        var set = _set;
        if (set.IsBounded && !set.TryReserve(items.Length))
        {
            return set.IsClosed ? AppendOutcome.Closed : AppendOutcome.Full;
        }

        bool accepted;
        var wasEmpty = false;
        using (_lane.Lock())
        {
            accepted = !IsReleased_NeedsLock(owner) && !set.IsClosed;
            if (accepted)
            {
                wasEmpty = _lane.AppendMany_NeedsLock(items);
            }
        }

        return FinishAppend(accepted, wasEmpty, items.Length);
    }

    /// <summary>
    /// The slow path of a send that waits for room on a full bounded set and whose refusal is no error (an actor's
    /// <c>TellAsync</c>): queues behind the writers already waiting, in the set's FIFO writer-waiter queue (see
    /// <see cref="LaneSet{T}.WriteWhenRoomAsync(LaneHandle{T}, T, Action{object, T}, object, CancellationToken)"/>).
    /// </summary>
    /// <remarks>Allocates, on this slow path only, the waiter and a handle on this lane (<see cref="LaneHandle{T}.ForWaitOn"/>).</remarks>
    public ValueTask AppendWhenRoomAsync(T item, Action<object, T> refusalSink, object refusalState, CancellationToken cancellationToken) =>
        _set.WriteWhenRoomAsync(LaneHandle<T>.ForWaitOn(this), item, refusalSink, refusalState, cancellationToken);

    /// <summary>
    /// The slow path of a send into a full bounded set whose owner drops the oldest queued message to make room
    /// (<see cref="LaneSet{T}.DropsOldestWhenFull"/>). "Oldest" is what the lanes still hold (the reader owns what it
    /// swapped out): the oldest message queued in this lane, else the oldest of the first other lane, in
    /// slot order, that holds one. That message is taken out (with its tag, for the caller to fail its request) and its
    /// room goes to <paramref name="item"/>; when no lane holds anything to drop, <paramref name="item"/> is admitted
    /// past the capacity (<see cref="LaneSet{T}.ReserveOverCapacity"/>), so the bound stays soft. Refused
    /// (<see cref="AppendOutcome.Closed"/>) once the set is sealed or closed or the owner released; a message taken out
    /// before the refusal is still reported through <paramref name="droppedOne"/>. Not a hot path: each drop shifts a
    /// lane's queued messages down one place under its lock.
    /// </summary>
    public AppendOutcome TryAppendDroppingOldest(T item, out bool droppedOne, out T? dropped, out object? droppedTag, LaneHandle<T>? owner = null)
    {
        var set = _set;
        droppedOne = false;
        dropped = default;
        droppedTag = null;

        // Own lane first: drop and append in one critical section, so the room passes straight to the new message.
        bool accepted;
        var wasEmpty = false;
        using (_lane.Lock())
        {
            if (IsReleased_NeedsLock(owner) || set.IsClosed)
            {
                return AppendOutcome.Closed;
            }

            if (_lane.TryTakeOldest_NeedsLock(out dropped, out droppedTag))
            {
                droppedOne = true;
                wasEmpty = _lane.Append_NeedsLock(item);
            }
        }

        if (droppedOne)
        {
            return FinishAppend(accepted: true, wasEmpty, 1);
        }

        // Another lane's oldest, under that lane's lock alone (two lane locks are never held at once). The room taken
        // with it is ours until the append below lands it or FinishAppend gives it back.
        var inUse = set.LanesInUse;
        for (var slot = 0; slot < inUse && !droppedOne; slot++)
        {
            var lane = set.LaneAt(slot);
            if (lane is null || ReferenceEquals(lane, _lane) || !lane.HasItems)
            {
                continue;
            }

            using (lane.Lock())
            {
                // Under the lane lock, as an append: a close that set its flag drains this lane after taking the lock.
                if (set.IsClosed)
                {
                    return AppendOutcome.Closed;
                }

                droppedOne = lane.TryTakeOldest_NeedsLock(out dropped, out droppedTag);
            }
        }

        if (!droppedOne)
        {
            // Nothing queued to drop: the reader holds every message counted against the capacity.
            set.ReserveOverCapacity();
        }

        using (_lane.Lock())
        {
            accepted = !IsReleased_NeedsLock(owner) && !set.IsClosed;
            if (accepted)
            {
                wasEmpty = _lane.Append_NeedsLock(item);
            }
        }

        return FinishAppend(accepted, wasEmpty, 1);
    }

    /// <summary>
    /// The step after the lane lock is left: gives back the room reserved for a refused append, or, when the append
    /// filled an empty lane, tells the reader side (<see cref="ILaneListener.OnLaneFilled"/>, the channel's one upward
    /// edge: it wakes a parked receiver, or schedules an idle actor's mailbox).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private AppendOutcome FinishAppend(bool accepted, bool wasEmpty, int count)
    {
        if (!accepted)
        {
            if (_set.IsBounded)
            {
                _set.Release(count);
            }

            return AppendOutcome.Closed;
        }

        if (wasEmpty)
        {
            // Outside the lane lock: the listener may complete a waiter or schedule work, which must never run
            // while a sender holds a lock.
            _set.Listener.OnLaneFilled();
            return AppendOutcome.AppendedToEmptyLane;
        }

        return AppendOutcome.Appended;
    }

    /// <summary>
    /// The reader-side step of an append that filled an empty lane (see <see cref="FinishAppend"/>), outside the lock.
    /// Inlined, as the same step of <see cref="FinishAppend"/> always was: a tell to an idle mailbox takes it on every
    /// message.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private AppendOutcome NotifyLaneFilled()
    {
        _set.Listener.OnLaneFilled();
        return AppendOutcome.AppendedToEmptyLane;
    }

    /// <summary>Gets whether an append to this lane could succeed right now (the owner, if any, not released).</summary>
    public bool IsOpen(LaneHandle<T>? owner = null)
    {
        using (_lane.Lock())
        {
            return !IsReleased_NeedsLock(owner) && !_set.IsClosed;
        }
    }

    /// <summary>Gets whether the owner (if any) was released; the caller holds the lane lock.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsReleased_NeedsLock(LaneHandle<T>? owner) => owner is not null && owner.IsReleased_NeedsLock;
}
