using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace Spillway;

/// <summary>
/// The single reader's side of a <see cref="LaneSet{T}"/>: the batch it took from a lane, and the round-robin cursor.
/// </summary>
/// <remarks>
/// <para>
/// Thread-safety: one reader at a time. None of these fields is shared with senders; the only shared state touched
/// is a lane, under its lock, during <see cref="TryTakeNextLane()"/>. Callers (the channel's receiver, an actor's
/// mailbox) guarantee that only one thread reads at once.
/// </para>
/// <para>
/// A mutable struct, kept as a plain (not <see langword="readonly"/>) field of its one owner (the channel's receiver,
/// an actor's mailbox), so an idle actor pays no object header and no reference for it (24 bytes of the 600 an idle
/// actor may hold) and a read loads one object fewer. Never copy it: a copy reads on without the original noticing.
/// Pass it by <see langword="ref"/>.
/// </para>
/// <para>
/// Memory: the storage arrays circulate between the lanes and the reader, so they follow the largest batch. Two things
/// bring them back down. At a swap, storage far larger than the recent batches (more than four times a slowly decaying
/// peak) is replaced by smaller storage before it is handed to a lane, so steady small traffic after a burst sheds the
/// burst's arrays within a few hundred takes. And <see cref="TrimStorage"/> gives back what an idle reader holds: the
/// channel calls it when its reader parks (<see cref="TrimBeforePark"/>), an actor a second after it went idle. A
/// channel that has ended gives everything back (<see cref="ReleaseLaneStorage"/>, then the reader's own batch). Arrays
/// of a reference-free message type that are let go on any of these paths, or outgrown by a lane, go to a small
/// process-wide pool and are taken from there when a lane grows (<see cref="LaneStorage{T}"/>), which drops what sat
/// unused through a full garbage collection.
/// </para>
/// <para>
/// Tags: a message appended with <see cref="LaneHandle{T}.TryAppendTagged"/> carries an object (an ask's pending
/// reply) that <see cref="TakeTagOfLastRead"/> hands back right after <see cref="TryRead"/> returned that message. Tags
/// follow their messages by position, never by the message's equality.
/// </para>
/// </remarks>
internal partial struct LaneReader<T>
{

    private readonly LaneSet<T> _set;

    /// <summary>The lane storage taken in the last swap; messages at [<see cref="_index"/>, <see cref="_count"/>) are unread.</summary>
    private T[] _batch = [];
    private int _count;
    private int _index;

    /// <summary>
    /// Where the fast path of <see cref="TryRead"/> stops: <see cref="_count"/>, or the index of the batch's next
    /// barrier (a message that may have to wait, see LaneReader.Barriers.cs). Never above <see cref="_count"/>.
    /// </summary>
    private int _stopAt;

    /// <summary>The lane slot the current batch came from.</summary>
    private int _batchSlot;

    /// <summary>The lane the next scan starts at: one past the lane taken last, so lanes are served round-robin.</summary>
    private int _cursor;

    /// <summary>The tags of the current batch (swapped in with it), or <see langword="null"/> if no lane ever carried one.</summary>
    private LaneTags? _batchTags;

    /// <summary>The next entry of <see cref="_batchTags"/> not yet handed out.</summary>
    private int _tagCursor;

    /// <summary>The batch index of that entry's message; <see cref="int.MaxValue"/> when none is left (one compare per read).</summary>
    private int _nextTagIndex = int.MaxValue;

    /// <summary>How many messages of the current batch already had their room given back (see <see cref="ReleaseRoomOfRead"/>).</summary>
    private int _roomReleased;

    // Barriers (LaneReader.Barriers.cs). A struct keeps every instance field in one declaration.

    /// <summary>
    /// The batches held behind a barrier, and what holds reuse: created by the first hold and kept while the reader is
    /// busy (with several askers sharing lanes, holds are routine, and each used to allocate a record, and its lane new
    /// storage and a new tag list); dropped by <see cref="TrimStorage"/> once the reader is idle, so a reader that never
    /// held, or holds nothing and went idle, pays one null reference.
    /// </summary>
    private HoldState? _holds;

    /// <summary>The position, in <see cref="_batchTags"/>, of the next barrier of the current batch; -1 when none is left.</summary>
    private int _barrierCursor = -1;

    // Storage (LaneReader.Storage.cs).

    /// <summary>Lanes taken while the batch storage was still smaller than a cache line; see <see cref="Recycle"/>.</summary>
    private int _smallTakes;

    /// <summary>A decaying peak of the batch sizes taken; see <see cref="PeakDecayShift"/>.</summary>
    private int _recentPeak;

    /// <summary>The largest storage taken from a lane (or made by this reader) since the last trim; only grows between trims.</summary>
    private int _largestSeen;

    /// <summary>The batch storage a parking trim kept weakly; handed to the next lane taken if a collection has not taken it.</summary>
    private WeakReference<T[]>? _spare;

    public LaneReader(LaneSet<T> set) => _set = set;

    /// <summary>Gets the lane set read from.</summary>
    public LaneSet<T> Set => _set;

    /// <summary>Gets whether the current batch, or a batch held behind a barrier, still holds unread messages.</summary>
    public bool HasBuffered => _index < _count || HasHeld;

    /// <summary>Gets how many messages of the current batch (and held batches) are unread. Racy when read by another thread.</summary>
    public int BufferedCount => Math.Max(0, Volatile.Read(ref _count) - Volatile.Read(ref _index)) + HeldUnreadCount;

    /// <summary>Takes the next message: from the current batch, else from the next non-empty lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryRead([MaybeNullWhen(false)] out T item) => TryReadBuffered(out item) || TryReadSlow(out item, out _);

    /// <summary>
    /// The fast path of <see cref="TryRead"/>: the next message of the current batch, up to its next barrier; one compare.
    /// A caller that wants to know about lane takes (the actor mailbox samples lane depth) calls it and then
    /// <see cref="TryReadSlow"/> itself.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryReadBuffered([MaybeNullWhen(false)] out T item)
    {
        // Up to the next barrier (or the end of the batch): one compare, as without barriers.
        var index = _index;
        if (index < _stopAt)
        {
            item = _batch[index];
            _index = index + 1;
            return true;
        }

        item = default;
        return false;
    }

    /// <summary>
    /// The fastest read: the next message of the current batch when at least one more stays unread after it (up to the
    /// next barrier), so the batch needs no recycling and the caller no further check. One compare.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryReadBufferedBeforeLast([MaybeNullWhen(false)] out T item)
    {
        var index = _index;
        var batch = _batch;

        // The second compare is always true (the stop is never past the batch) and lets the JIT drop the bounds check.
        if (index + 1 < _stopAt && (uint)index < (uint)batch.Length)
        {
            item = batch[index];
            _index = index + 1;
            return true;
        }

        item = default;
        return false;
    }

    /// <summary>
    /// Gets the tag recorded for the message the last successful <see cref="TryRead"/> returned (see
    /// <see cref="LaneHandle{T}.TryAppendTagged"/>), or <see langword="null"/> if it was appended untagged. Each tag is
    /// handed out once. Call it before the next call on this reader: the next read or take may recycle the batch and
    /// forget its tags. Messages handed out by <see cref="TryReadBatch"/> lose their tags; do not mix the two.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public object? TakeTagOfLastRead()
    {
        // One compare when the batch has no tag left (the field is int.MaxValue): the cost of tags to untagged traffic.
        var last = _index - 1;
        return last < _nextTagIndex ? null : TakeTagSlow(last);
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
    /// valid until the next call on this reader. Not for lanes that carry tags: the tags of messages handed out here
    /// are forgotten (see <see cref="TakeTagOfLastRead"/>).
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
    public bool TryTakeNextLane() => TryTakeNextLane(out _);

    /// <summary>As <see cref="TryTakeNextLane()"/>; <paramref name="taken"/> is how many messages the lane swapped in held (0 when none was, or a held batch was resumed instead).</summary>
    private bool TryTakeNextLane(out int taken)
    {
        taken = 0;
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
        var set = _set;
        var inUse = set.LanesInUse;
        var start = _cursor < inUse ? _cursor : 0;
        for (var step = 0; step < inUse; step++)
        {
            var slot = start + step;
            if (slot >= inUse)
            {
                slot -= inUse;
            }

            // A lane whose batch waits behind a barrier is served from that batch, never swapped again meanwhile: its
            // new messages are behind the barrier too.
            if (HasHeld && IsHeld(slot))
            {
                if (TryResumeHeld(slot))
                {
                    _cursor = slot + 1 == set.LaneCount ? 0 : slot + 1;
                    return true;
                }

                continue;
            }

            // Volatile slot read: a lane created by a sender on another core is seen fully constructed.
            var lane = set.LaneAt(slot);
            if (lane is null || !lane.HasItems)
            {
                continue;
            }

            // One compare for storage of ordinary size: empty storage (maybe a kept spare to restore) and storage over
            // the floor (maybe too large for recent batches) both wrap past the bound.
            if ((uint)(_batch.Length - 1) >= (uint)SwapShrinkFloor)
            {
                AdjustStorageBeforeSwap();
            }

            using (lane.Lock())
            {
                // A lane holding one message hands it over by copy into the batch storage (empty here: recycled above),
                // with no storage traded (see Lane.TryCopyOutOnly_NeedsLock); any other lane swaps its storage out.
                taken = lane.TryCopyOutOnly_NeedsLock(_batch, s_cacheLineElements, SwapShrinkFloor) ? 1 : lane.SwapOut_NeedsLock(ref _batch, ref _batchTags);
            }

            // One past the lane taken, counting every slot, not only those in use: a lane added in the next slot is served
            // next, as in a scan of every slot.
            _cursor = slot + 1 == set.LaneCount ? 0 : slot + 1;
            if (taken != 0)
            {
                _count = taken;
                _index = 0;
                _batchSlot = slot;
                NoteTaken(taken);
                return true;
            }
        }

        return false;
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

    /// <summary>Bookkeeping of a take: the decaying peak, the largest storage seen, the first tag of the batch.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void NoteTaken(int taken)
    {
        var peak = _recentPeak;
        _recentPeak = taken >= peak ? taken : peak - (peak >> PeakDecayShift);
        if (_batch.Length > _largestSeen)
        {
            _largestSeen = _batch.Length;
        }

        if (_batchTags is not null)
        {
            ResetTagCursor();
            ResetBarrierCursor();
        }
        else
        {
            _stopAt = taken;
        }
    }

    /// <summary>Points the tag cursor at the first tag of the batch, if any.</summary>
    private void ResetTagCursor()
    {
        _tagCursor = 0;
        _nextTagIndex = _batchTags is { Count: > 0 } tags ? tags.IndexAt(0) : int.MaxValue;
    }

    /// <summary>Hands out the tag of the message at <paramref name="last"/>, skipping tags of messages read without taking theirs.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private object? TakeTagSlow(int last)
    {
        var tags = _batchTags!;
        var cursor = _tagCursor;
        while (cursor < tags.Count && tags.IndexAt(cursor) < last)
        {
            cursor++;
        }

        object? tag = null;
        if (cursor < tags.Count && tags.IndexAt(cursor) == last)
        {
            tag = tags.TagAt(cursor);
            cursor++;
        }

        _tagCursor = cursor;
        _nextTagIndex = cursor < tags.Count ? tags.IndexAt(cursor) : int.MaxValue;
        return tag;
    }

    private void ClearBatchTags()
    {
        _batchTags!.Clear();
        _tagCursor = 0;
        _nextTagIndex = int.MaxValue;
    }
}
