using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace Spillway;

/// <summary>
/// The single reader's side of a <see cref="LaneSet{T}"/>: the batch it took from a lane, and the round-robin cursor.
/// </summary>
/// <remarks>
/// Thread-safety: one reader at a time. None of these fields is shared with senders; the only shared state touched
/// is a lane, under its lock, during <see cref="TryTakeNextLane"/>. Callers (the channel's receiver, an actor's
/// mailbox) guarantee that only one thread reads at once.
/// </remarks>
internal sealed class LaneReader<T>
{
    /// <summary>How many lanes a reader takes before its tiny storage is replaced (see <see cref="Recycle"/>).</summary>
    private const int BusyLaneTakes = 64;

    /// <summary>How many elements fill 64 bytes: the smallest storage a busy reader keeps.</summary>
    private static readonly int s_cacheLineElements = Math.Max(1, 64 / Unsafe.SizeOf<T>());

    private readonly LaneSet<T> _set;

    /// <summary>The lane storage taken in the last swap; messages at [<see cref="_index"/>, <see cref="_count"/>) are unread.</summary>
    private T[] _batch = [];
    private int _count;
    private int _index;

    /// <summary>The lane the next scan starts at: one past the lane taken last, so lanes are served round-robin.</summary>
    private int _cursor;

    /// <summary>Lanes taken while the batch storage was still smaller than a cache line; see <see cref="Recycle"/>.</summary>
    private int _smallTakes;

    /// <summary>How many messages of the current batch already had their room given back (see <see cref="ReleaseRoomOfRead"/>).</summary>
    private int _roomReleased;

    public LaneReader(LaneSet<T> set) => _set = set;

    /// <summary>Gets the lane set read from.</summary>
    public LaneSet<T> Set => _set;

    /// <summary>Gets how many messages the reader's batch storage can hold (tests watch it grow for busy readers).</summary>
    public int StorageLength => _batch.Length;

    /// <summary>Gets whether the current batch still holds unread messages.</summary>
    public bool HasBuffered => _index < _count;

    /// <summary>Gets how many messages of the current batch are unread. Racy when read by another thread.</summary>
    public int BufferedCount => Math.Max(0, Volatile.Read(ref _count) - Volatile.Read(ref _index));

    /// <summary>Takes the next message: from the current batch, else from the next non-empty lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryRead([MaybeNullWhen(false)] out T item)
    {
        var index = _index;
        if (index < _count)
        {
            item = _batch[index];
            _index = index + 1;
            return true;
        }

        return TryReadFromNextLane(out item);
    }

    /// <summary>Looks at the next message without taking it.</summary>
    public bool TryPeek([MaybeNullWhen(false)] out T item)
    {
        if (_index < _count || TryTakeNextLane())
        {
            item = _batch[_index];
            return true;
        }

        item = default;
        return false;
    }

    /// <summary>
    /// Hands over every unread message of the current batch, or of the next non-empty lane, as one span. The span is
    /// valid until the next call on this reader.
    /// </summary>
    public bool TryReadBatch(out ReadOnlySpan<T> batch)
    {
        if (_index < _count || TryTakeNextLane())
        {
            batch = new ReadOnlySpan<T>(_batch, _index, _count - _index);
            _index = _count;
            return true;
        }

        batch = default;
        return false;
    }

    /// <summary>
    /// Recycles the exhausted batch and swaps the next non-empty lane's messages in, scanning round-robin from the
    /// cursor. Returns <see langword="false"/> when every lane looked empty.
    /// </summary>
    public bool TryTakeNextLane()
    {
        Recycle();

        // Take nothing once the reader has closed the channel. Close empties the lanes one by one, so a lane taken
        // while it runs could deliver a sender's later message after its earlier ones were dropped with the reader's
        // batch: each sender must lose a suffix of its messages, never a gap. A sealed set (a mailbox draining for
        // shutdown) is not closed for reading: its lanes must still be taken, or the drain would never empty them.
        if (_set.IsClosedForReading)
        {
            return false;
        }

        // Only the slots in use are looked at (the others hold no lane yet), in the order a scan of every slot from the
        // cursor would visit them: from the cursor to the last slot in use, then from the first. A cursor on a slot not
        // in use starts from the first (the slots from it to the end hold no lane).
        var lanes = _set.Lanes;
        var inUse = _set.LanesInUse;
        var start = _cursor < inUse ? _cursor : 0;
        for (var step = 0; step < inUse; step++)
        {
            var slot = start + step;
            if (slot >= inUse)
            {
                slot -= inUse;
            }

            // Volatile slot read: a lane created by a sender on another core is seen fully constructed.
            var lane = Volatile.Read(ref lanes[slot]);
            if (lane is null || !lane.HasItems)
            {
                continue;
            }

            int taken;
            using (lane.Lock())
            {
                taken = lane.SwapOut_NeedsLock(ref _batch);
            }

            // One past the lane taken, counting every slot, not only those in use: a lane added in the next slot is served
            // next, as in a scan of every slot.
            _cursor = slot + 1 == lanes.Length ? 0 : slot + 1;
            if (taken != 0)
            {
                _count = taken;
                _index = 0;
                _set.Listener.OnLaneTaken(taken);
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Gets whether no message can ever arrive again and none is left: every counted sender is released (or the
    /// channel is closed) and, looking again after seeing that, every lane is empty. The caller's batch must be empty.
    /// </summary>
    public bool IsDrainedAndDone()
    {
        if (HasBuffered)
        {
            return false;
        }

        if (_set.IsClosed)
        {
            return true;
        }

        // Order matters, and is the fix for the original crate's close race: first see the sender count at zero
        // (an acquire read), then look at the lanes again. Any message sent before the last release is visible now.
        return _set.WritersDone && !_set.AnyLaneHasItems();
    }

    /// <summary>Drops the current batch (the reader is closing).</summary>
    public void DiscardBuffered()
    {
        _index = _count;
        Recycle();
    }

    /// <summary>Copies the unread messages of the current batch out, then drops them.</summary>
    public void DrainBufferedTo(List<T> destination)
    {
        for (var i = _index; i < _count; i++)
        {
            destination.Add(_batch[i]);
        }

        DiscardBuffered();
    }

    /// <summary>
    /// Gives back, on a bounded channel, the room of the messages read from the current batch so far, so a writer
    /// waiting for room need not wait for the whole batch; <see cref="Recycle"/> then releases only the rest.
    /// </summary>
    public void ReleaseRoomOfRead()
    {
        var read = _index - _roomReleased;
        if (read > 0)
        {
            _roomReleased = _index;
            _set.Release(read);
        }
    }

    private bool TryReadFromNextLane([MaybeNullWhen(false)] out T item)
    {
        if (TryTakeNextLane())
        {
            item = _batch[0];
            _index = 1;
            return true;
        }

        item = default;
        return false;
    }

    /// <summary>
    /// Clears the consumed batch so it holds no references, and gives its room back on a bounded channel. Called before
    /// the next lane is taken, and by the receiver as soon as a read takes the last message of the batch. A busy reader
    /// with storage smaller than a cache line gets a cache line's worth, once (the only allocation a reader makes).
    /// </summary>
    public void Recycle()
    {
        var consumed = _count;
        if (consumed == 0)
        {
            return;
        }

        if (RuntimeHelpers.IsReferenceOrContainsReferences<T>())
        {
            Array.Clear(_batch, 0, consumed);
        }

        _count = 0;
        _index = 0;
        var unreleased = consumed - _roomReleased;
        _roomReleased = 0;
        if (_set.IsBounded && unreleased != 0)
        {
            _set.Release(unreleased);
        }

        if (_batch.Length < s_cacheLineElements && ++_smallTakes >= BusyLaneTakes)
        {
            // A busy reader whose batches are tiny (a ping-pong: one message per take) gets storage of at least a cache
            // line. Tiny arrays of different mailboxes sit side by side on the heap, and two mailboxes read and written
            // on two cores at once would otherwise share a cache line. Idle mailboxes keep their tiny arrays.
            _batch = new T[s_cacheLineElements];
            _smallTakes = 0;
        }
    }
}
