using System.Threading.Channels;

namespace Spillway;

/// <summary>
/// One sender's grip on one lane of a <see cref="LaneSet{T}"/>: the code path of every send. A channel's
/// <see cref="Sender{T}"/> and an actor's reference each hold one.
/// </summary>
/// <remarks>
/// Thread-safety: any number of threads may append through one handle; their messages are ordered by the lane lock.
/// <see cref="_released"/> is read and written only under the lane lock, which is what makes a release and a
/// concurrent append on the same handle split cleanly: an append either lands before the release (and so before the
/// sender count drops) or fails.
/// </remarks>
internal sealed class LaneHandle<T>
{
    private readonly LaneSet<T> _set;
    private readonly Lane<T> _lane;
    private readonly bool _counted;

    /// <summary>Set under the lane lock when the handle is released; appends through it fail after that.</summary>
    private bool _released;

    /// <summary>The error the handle was completed with, if any; written with <see cref="_released"/>, under the lane lock.</summary>
    private Exception? _completionError;

    private LaneHandle(LaneSet<T> set, bool counted)
    {
        _set = set;
        _lane = set.AcquireLane();
        _counted = counted;
    }

    /// <summary>Gets the lane set this handle writes to.</summary>
    public LaneSet<T> Set => _set;

    /// <summary>Creates the first counted handle of a new channel.</summary>
    public static LaneHandle<T> CreateFirst(LaneSet<T> set)
    {
        set.AddFirstSender();
        return new LaneHandle<T>(set, counted: true);
    }

    /// <summary>Creates another counted handle on the next lane, or <see langword="null"/> if every sender has already been released.</summary>
    public static LaneHandle<T>? TryCreateCounted(LaneSet<T> set) =>
        set.TryAddSender() ? new LaneHandle<T>(set, counted: true) : null;

    /// <summary>Creates a handle that does not keep the channel open (an actor reference: mailboxes close on stop, not when references go away).</summary>
    public static LaneHandle<T> CreateUncounted(LaneSet<T> set) => new(set, counted: false);

    /// <summary>Offers one message to this handle's lane and tells the reader if the lane was empty.</summary>
    public AppendOutcome TryAppend(T item)
    {
        var set = _set;
        if (set.IsBounded && !set.TryReserve(1))
        {
            return set.IsClosed ? AppendOutcome.Closed : AppendOutcome.Full;
        }

        bool accepted;
        var wasEmpty = false;
        using (_lane.Lock())
        {
            accepted = !_released && !set.IsClosed;
            if (accepted)
            {
                wasEmpty = _lane.Append_NeedsLock(item);
            }
        }

        return Conclude(accepted, wasEmpty, 1);
    }

    /// <summary>
    /// Offers one message like <see cref="TryAppend"/>, except that a sealed set still takes it: the privileged path of
    /// a mailbox draining for shutdown, for senders its owner still admits. Refused once the set is closed (its
    /// reader dropped what was queued) or the handle released. With a <paramref name="tag"/>, appends as
    /// <see cref="TryAppendTagged"/> does, and with <paramref name="barrier"/> as <see cref="TryAppendBarrier"/>. Not a
    /// hot path.
    /// </summary>
    public AppendOutcome TryAppendWhileSealed(T item, object? tag = null, bool barrier = false)
    {
        var set = _set;
        var marks = barrier && tag is not null ? set.SnapshotAppendedCounts(_lane) : null;
        if (set.IsBounded && !set.TryReserve(1))
        {
            return set.IsClosedForReading ? AppendOutcome.Closed : AppendOutcome.Full;
        }

        bool accepted;
        var wasEmpty = false;
        using (_lane.Lock())
        {
            // Under the lane lock, as in TryAppend: a close that set its flag drains this lane after taking the lock, so
            // a message appended here is either seen (and dropped) by that close or refused.
            accepted = !_released && !set.IsClosedForReading;
            if (accepted)
            {
                wasEmpty = tag is null ? _lane.Append_NeedsLock(item) : _lane.AppendTagged_NeedsLock(item, tag, marks);
            }
        }

        return Conclude(accepted, wasEmpty, 1);
    }

    /// <summary>
    /// Offers one message, like <see cref="TryAppend"/> (same outcomes), and records <paramref name="tag"/> against that
    /// message's position: the reader hands the tag back with exactly this message
    /// (<see cref="LaneReader{T}.TakeTagOfLastRead"/>), and a close or drain that drops the message reports the tag
    /// (<see cref="LaneSet{T}.Close"/>, <see cref="LaneReader{T}.DrainBufferedTo"/>). Tags are matched by position, never
    /// by the message's equality, so two equal messages keep distinct tags. The lane's tag list is allocated on its
    /// first tagged append and then circulates with the storage.
    /// </summary>
    public AppendOutcome TryAppendTagged(T item, object tag)
    {
        ArgumentNullException.ThrowIfNull(tag);
        var set = _set;
        if (set.IsBounded && !set.TryReserve(1))
        {
            return set.IsClosed ? AppendOutcome.Closed : AppendOutcome.Full;
        }

        bool accepted;
        var wasEmpty = false;
        using (_lane.Lock())
        {
            accepted = !_released && !set.IsClosed;
            if (accepted)
            {
                wasEmpty = _lane.AppendTagged_NeedsLock(item, tag);
            }
        }

        return Conclude(accepted, wasEmpty, 1);
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
    public AppendOutcome TryAppendBarrier(T item, object tag)
    {
        ArgumentNullException.ThrowIfNull(tag);
        var marks = _set.SnapshotAppendedCounts(_lane);
        var set = _set;
        if (set.IsBounded && !set.TryReserve(1))
        {
            return set.IsClosed ? AppendOutcome.Closed : AppendOutcome.Full;
        }

        bool accepted;
        var wasEmpty = false;
        using (_lane.Lock())
        {
            accepted = !_released && !set.IsClosed;
            if (accepted)
            {
                wasEmpty = _lane.AppendTagged_NeedsLock(item, tag, marks);
            }
        }

        return Conclude(accepted, wasEmpty, 1);
    }

    /// <summary>
    /// Gets how many messages were ever appended to this handle's lane (through every handle that shares it); only grows.
    /// </summary>
    public long LaneAppendedCount => _lane.AppendedCount;

    /// <summary>Offers a batch to this handle's lane, atomically: all of it lands contiguously, or none of it.</summary>
    public AppendOutcome TryAppendMany(ReadOnlySpan<T> items)
    {
        if (items.IsEmpty)
        {
            return IsOpen() ? AppendOutcome.Appended : AppendOutcome.Closed;
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
            accepted = !_released && !set.IsClosed;
            if (accepted)
            {
                wasEmpty = _lane.AppendMany_NeedsLock(items);
            }
        }

        return Conclude(accepted, wasEmpty, items.Length);
    }

    private AppendOutcome Conclude(bool accepted, bool wasEmpty, int count)
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
    /// Appends one message whose room the caller already reserved, without telling the reader (a blocked writer's
    /// message handed over by the waiter dispatch, which tells the reader after leaving its lock).
    /// </summary>
    public AppendOutcome AppendReserved(T item)
    {
        using (_lane.Lock())
        {
            if (_released || _set.IsClosed)
            {
                return AppendOutcome.Closed;
            }

            return _lane.Append_NeedsLock(item) ? AppendOutcome.AppendedToEmptyLane : AppendOutcome.Appended;
        }
    }

    /// <summary>Gets the error this handle was completed with; meaningful once <see cref="IsReleased"/>.</summary>
    // Volatile: read after the lane lock showed the release, or from a waiter pass that came after it.
    public Exception? CompletionError => Volatile.Read(ref _completionError);

    /// <summary>Gets whether the handle was released (completed or disposed).</summary>
    public bool IsReleased()
    {
        using (_lane.Lock())
        {
            return _released;
        }
    }

    /// <summary>
    /// Creates the exception a write through this handle fails with when it is not open: the handle's own completion
    /// (carrying its error, as the BCL channels do), else the receiver's close.
    /// </summary>
    public Exception CreateRejection() => IsReleased()
        ? ChannelErrors.ForCompletedWriter(CompletionError)
        : new ChannelClosedException("The channel was closed by its receiver.");

    /// <summary>Gets whether a send through this handle could succeed right now.</summary>
    public bool IsOpen()
    {
        using (_lane.Lock())
        {
            return !_released && !_set.IsClosed;
        }
    }

    /// <summary>Releases the handle; idempotent. Returns <see langword="true"/> for the call that released it.</summary>
    public bool Release(Exception? error)
    {
        using (_lane.Lock())
        {
            if (_released)
            {
                return false;
            }

            _released = true;
            _completionError = error;
        }

        if (_set.IsBounded)
        {
            // This handle's writes waiting for room fail now (other handles' keep waiting): a producer that completes
            // or disposes its handle must not hang in its own pending WriteAsync.
            _set.FailWriterWaiters(this);
        }

        if (_counted)
        {
            _set.ReleaseSender(error);
        }

        return true;
    }
}
