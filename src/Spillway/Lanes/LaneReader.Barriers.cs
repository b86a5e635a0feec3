using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace Spillway;

/// <summary>
/// Barriers: a message appended with <see cref="LaneHandle{T}.TryAppendBarrier"/> is handed out only once every other
/// lane has handed out the messages it had received before the barrier was appended (its <em>marks</em>).
/// </summary>
/// <remarks>
/// <para>
/// The fast path of <see cref="TryRead"/> stops at each barrier (<c>_stopAt</c>), so batches without barriers pay
/// nothing. At a barrier whose marks are not reached yet, the rest of the batch (the barrier and everything behind it
/// in its lane) is <em>held</em>, and the reader goes on with the other lanes; a lane with a held batch is served from
/// that batch, never swapped again meanwhile, and it is resumed as soon as its barrier's marks are reached.
/// </para>
/// <para>
/// Progress: marks are read before the barrier is appended, so a barrier only ever waits for messages appended before
/// it, and a message of its own lane behind it was appended after it. Every wait therefore points to an earlier
/// append: no cycle of holds can form, and while any batch is held, another lane has the messages it waits for.
/// </para>
/// <para>
/// What "handed out" means: a lane's count of messages handed to the reader (<see cref="Lane{T}.HandedOutCount"/>,
/// updated at each swap) less what the reader still holds unread from that lane. The actor runtime reads one message
/// at a time and runs its handler before the next read, so a message handed out has been handled.
/// </para>
/// </remarks>
internal partial struct LaneReader<T>
{
    /// <summary>Gets whether a batch is held behind a barrier (one null test on the paths of a reader that never held).</summary>
    private bool HasHeld => _holds is { Count: > 0 };

    /// <summary>Gets how many messages the held batches still hold; racy when read by another thread.</summary>
    private int HeldUnreadCount
    {
        get
        {
            // Volatile: a metrics thread reads this racily; it sees null or the state the reader published.
            if (Volatile.Read(ref _holds) is not { } holds)
            {
                return 0;
            }

            var unread = 0;
            foreach (var batch in holds.Slots)
            {
                if (batch is not null)
                {
                    unread += batch.Count - batch.Index;
                }
            }

            return unread;
        }
    }

    /// <summary>
    /// The slow path of <see cref="TryRead"/>: at a barrier (pass it, or hold the batch and go on with other lanes), or
    /// past the end of the batch (take the next lane, or resume a held batch whose barrier can pass now).
    /// </summary>
    /// <param name="item">The message read.</param>
    /// <param name="laneTaken">
    /// How many messages the lane taken on the way held (the last one, should a barrier make it take several); 0 when
    /// no lane was taken. Set whether or not a message was read: a lane taken and then held behind its barrier counts.
    /// </param>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public bool TryReadSlow([MaybeNullWhen(false)] out T item, out int laneTaken) => TryReadSlowInlined(out item, out laneTaken);

    /// <summary>
    /// <see cref="TryReadSlow"/> for a caller that is itself an out-of-line slow path (the actor mailbox's lane take): inlined
    /// there, so a one-message turn (the ping-pong path) pays one call frame for its take, not two.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryReadSlowInlined([MaybeNullWhen(false)] out T item, out int laneTaken)
    {
        laneTaken = 0;
        while (true)
        {
            if (_index < _count)
            {
                // The fast path stopped at a barrier.
                if (IsReached(_batchTags!.MarksAt(_barrierCursor), _batchSlot))
                {
                    _barrierCursor = _batchTags.NextBarrier(_barrierCursor + 1);
                    _stopAt = _barrierCursor < 0 ? _count : _batchTags.IndexAt(_barrierCursor);
                    item = _batch[_index];
                    _index++;
                    return true;
                }

                HoldCurrentBatch();
            }

            if (!TryTakeNextLane(out var taken))
            {
                item = default;
                return false;
            }

            if (taken != 0)
            {
                laneTaken = taken;
            }

            if (_index < _stopAt)
            {
                item = _batch[_index];
                _index++;
                return true;
            }
        }
    }

    /// <summary>Points the barrier cursor at the first barrier of a batch just taken, and the fast path's stop at it.</summary>
    private void ResetBarrierCursor()
    {
        var tags = _batchTags!;
        _barrierCursor = tags.Count == 0 ? -1 : tags.NextBarrier(0);
        _stopAt = _barrierCursor < 0 ? _count : tags.IndexAt(_barrierCursor);
    }

    /// <summary>Gets whether every other lane has handed out the messages <paramref name="marks"/> counts.</summary>
    private bool IsReached(ReadOnlySpan<long> marks, int ownSlot)
    {
        for (var slot = 0; slot < marks.Length; slot++)
        {
            var mark = marks[slot];
            if (mark == 0 || slot == ownSlot)
            {
                continue;
            }

            // The lane exists: it had received messages when the marks were read. Volatile slot read, as in the scan.
            var lane = _set.LaneAt(slot)!;
            var unread = UnreadFrom(slot);
            if (lane.HandedOutCount - unread < mark && !IsSettledByDrops(lane, unread, mark))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Gets whether every message <paramref name="lane"/> received up to <paramref name="mark"/> is handled or dropped
    /// although its handed-out count says otherwise: a sender of a full mailbox that drops its oldest message
    /// (<see cref="LaneAppender{T}.TryAppendDroppingOldest"/>) can empty a lane, which is then never swapped again to bring
    /// its count up. An empty lane of which the reader holds nothing unread has let go of everything it received: to the
    /// reader (handled, since none is unread) or dropped. Only reached when the count falls short, so never on a
    /// mailbox that drops nothing, once its lanes are swapped.
    /// </summary>
    private static bool IsSettledByDrops(Lane<T> lane, int unread, long mark) =>
        // The flag first, then the count: an append stores the flag before its count, so a count read after seeing the
        // lane empty includes at most appends that came later, and the mark was read before the barrier was appended,
        // so it is within what the lane had let go of when it was seen empty.
        unread == 0 && !lane.HasItems && lane.AppendedCount >= mark;

    /// <summary>Gets how many messages of lane <paramref name="slot"/> the reader holds unread (current or held batch).</summary>
    private int UnreadFrom(int slot)
    {
        var unread = _batchSlot == slot ? _count - _index : 0;
        if (_holds?.Slots[slot] is { } held)
        {
            unread += held.Count - held.Index;
        }

        return unread;
    }

    private bool IsHeld(int slot) => _holds!.Slots[slot] is not null;

    /// <summary>Moves the rest of the current batch (from its barrier on) aside, so the reader can serve other lanes.</summary>
    private void HoldCurrentBatch()
    {
        var holds = _holds;
        if (holds is null)
        {
            // Volatile: a metrics thread reads the state racily (HeldUnreadCount); it must see it fully built.
            holds = new HoldState(_set.LaneCount);
            Volatile.Write(ref _holds, holds);
        }

        var held = holds.Records[_batchSlot] ??= new HeldBatch();
        held.Set(_batch, _index, _count, _batchTags, _tagCursor, _nextTagIndex, _barrierCursor, _roomReleased);
        holds.Slots[_batchSlot] = held;
        holds.Count++;

        // The lane gets storage and a tag list a resume let go at the next swap, or none (it then grows its own).
        _batch = holds.TakeStorage() ?? [];
        _batchTags = holds.TakeTags();
        _count = 0;
        _index = 0;
        _stopAt = 0;
        _roomReleased = 0;
        _tagCursor = 0;
        _nextTagIndex = int.MaxValue;
        _barrierCursor = -1;
    }

    /// <summary>Resumes the batch held for lane <paramref name="slot"/> if its barrier can pass now.</summary>
    private bool TryResumeHeld(int slot)
    {
        var holds = _holds!;
        var held = holds.Slots[slot]!;
        if (!IsReached(held.Tags!.MarksAt(held.BarrierCursor), slot))
        {
            return false;
        }

        holds.Slots[slot] = null;
        holds.Count--;

        // The reader's own storage and tag list (recycled and empty: the take recycled them first) are kept for the next
        // hold, when small; the held batch's storage carries on.
        holds.Keep(_batch, _batchTags);

        _batch = held.Items;
        _index = held.Index;
        _count = held.Count;
        _batchTags = held.Tags;
        _tagCursor = held.TagCursor;
        _nextTagIndex = held.NextTagIndex;
        _barrierCursor = held.BarrierCursor;
        _roomReleased = held.RoomReleased;
        _stopAt = held.Index;
        _batchSlot = slot;
        held.Set([], 0, 0, null, 0, 0, 0, 0);
        return true;
    }

    /// <summary>Drops every held batch (the reader is closing), copying their messages and tags out when asked.</summary>
    private void DiscardHeld(List<T>? destination, List<object>? droppedTags)
    {
        var holds = _holds!;
        var heldBatches = holds.Slots;
        for (var slot = 0; slot < heldBatches.Length; slot++)
        {
            if (heldBatches[slot] is not { } held)
            {
                continue;
            }

            for (var i = held.Index; i < held.Count; i++)
            {
                destination?.Add(held.Items[i]);
            }

            if (droppedTags is not null)
            {
                held.Tags?.CopyTagsFrom(held.Index, droppedTags);
            }

            // Room of a bounded set: what the held batch's messages reserved and was not given back yet is released here.
            if (_set.IsBounded && held.Count != held.RoomReleased)
            {
                _set.Release(held.Count - held.RoomReleased);
            }

            heldBatches[slot] = null;
        }

        holds.Count = 0;
    }

    /// <summary>The held batches by lane slot, and what the next holds reuse (see <see cref="_holds"/>).</summary>
    /// <remarks>
    /// Thread-safety: the reader's; <see cref="HeldUnreadCount"/> reads it racily for an estimate. Memory: at most one
    /// record, one spare array and one spare tag list per lane slot, the arrays small ones only.
    /// </remarks>
    private sealed class HoldState(int laneCount)
    {
        /// <summary>The largest storage or tag list kept as a spare: a spare stays small, whatever the batches were.</summary>
        private const int MaxKeptElements = 64;

        private readonly T[]?[] _storage = new T[]?[laneCount];
        private readonly LaneTags?[] _tags = new LaneTags?[laneCount];
        private int _storageCount;
        private int _tagsCount;

        /// <summary>Gets the held batch of each lane slot, or <see langword="null"/>.</summary>
        public HeldBatch?[] Slots { get; } = new HeldBatch?[laneCount];

        /// <summary>Gets the record each lane slot's holds reuse.</summary>
        public HeldBatch?[] Records { get; } = new HeldBatch?[laneCount];

        /// <summary>How many slots hold a batch.</summary>
        public int Count;

        /// <summary>Takes a spare array, if any.</summary>
        public T[]? TakeStorage()
        {
            if (_storageCount == 0)
            {
                return null;
            }

            var spare = _storage[--_storageCount];
            _storage[_storageCount] = null;
            return spare;
        }

        /// <summary>Takes a spare tag list, if any.</summary>
        public LaneTags? TakeTags()
        {
            if (_tagsCount == 0)
            {
                return null;
            }

            var spare = _tags[--_tagsCount];
            _tags[_tagsCount] = null;
            return spare;
        }

        /// <summary>Keeps cleared storage and an empty tag list a resume let go, when small and while there is room.</summary>
        public void Keep(T[] storage, LaneTags? tags)
        {
            if (storage.Length is > 0 and <= MaxKeptElements && _storageCount < _storage.Length)
            {
                _storage[_storageCount++] = storage;
            }

            if (tags is { Count: 0, Capacity: <= MaxKeptElements } && _tagsCount < _tags.Length)
            {
                _tags[_tagsCount++] = tags;
            }
        }
    }

    /// <summary>The rest of a batch waiting behind its barrier, with the reader's cursors into it; reused from hold to hold.</summary>
    /// <remarks>Thread-safety: the reader's; <see cref="HeldUnreadCount"/> reads it racily for an estimate.</remarks>
    private sealed class HeldBatch
    {
        public int RoomReleased { get; private set; }

        public T[] Items { get; private set; } = [];

        public int Index { get; private set; }

        public int Count { get; private set; }

        public LaneTags? Tags { get; private set; }

        public int TagCursor { get; private set; }

        public int NextTagIndex { get; private set; }

        public int BarrierCursor { get; private set; }

        public void Set(T[] items, int index, int count, LaneTags? tags, int tagCursor, int nextTagIndex, int barrierCursor, int roomReleased)
        {
            Items = items;
            Index = index;
            Count = count;
            Tags = tags;
            TagCursor = tagCursor;
            NextTagIndex = nextTagIndex;
            BarrierCursor = barrierCursor;
            RoomReleased = roomReleased;
        }
    }
}
