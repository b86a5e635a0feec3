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
internal sealed partial class LaneReader<T>
{
    /// <summary>
    /// The batches held behind a barrier, by lane slot: created by a hold, and dropped again when the last held batch is
    /// resumed or discarded, so <see langword="null"/> means "nothing held" (one null test on the paths without a hold).
    /// </summary>
    private HeldBatch?[]? _held;

    /// <summary>The position, in <see cref="_batchTags"/>, of the next barrier of the current batch; -1 when none is left.</summary>
    private int _barrierCursor = -1;

    /// <summary>
    /// What holds on this thread let go, for the next hold of any reader of <typeparamref name="T"/> on this thread: with
    /// several askers sharing lanes, holds are routine, and each used to allocate a record and its lane new storage and a
    /// new tag list. Thread-static rather than fields, so an idle reader is no larger; bounded to small arrays.
    /// </summary>
    [ThreadStatic]
    private static HoldSpares? t_holdSpares;

    /// <summary>Gets how many messages the held batches still hold; racy when read by another thread.</summary>
    private int HeldUnreadCount
    {
        get
        {
            // Volatile: a metrics thread reads this racily; it sees null or an array the reader published.
            if (Volatile.Read(ref _held) is not { } held)
            {
                return 0;
            }

            var unread = 0;
            foreach (var batch in held)
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
    public bool TryReadSlow([MaybeNullWhen(false)] out T item, out int laneTaken)
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
        if (_held?[slot] is { } held)
        {
            unread += held.Count - held.Index;
        }

        return unread;
    }

    private bool IsHeld(int slot) => _held![slot] is not null;

    /// <summary>Moves the rest of the current batch (from its barrier on) aside, so the reader can serve other lanes.</summary>
    private void HoldCurrentBatch()
    {
        var spares = t_holdSpares;
        var held = spares?.TakeRecord() ?? new HeldBatch();
        held.Set(_batch, _index, _count, _batchTags, _tagCursor, _nextTagIndex, _barrierCursor, _roomReleased);

        // Written by the reader only; read racily (Volatile) by BufferedCount on a metrics thread.
        var heldBatches = _held ?? spares?.TakeSlots(_set.LaneCount) ?? new HeldBatch?[_set.LaneCount];
        heldBatches[_batchSlot] = held;
        Volatile.Write(ref _held, heldBatches);

        // The lane gets spare storage a resume let go at the next swap, or none (it then grows its own).
        _batch = spares?.TakeStorage() ?? [];
        _batchTags = spares?.TakeTags();
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
        var held = _held![slot]!;
        if (!IsReached(held.Tags!.MarksAt(held.BarrierCursor), slot))
        {
            return false;
        }

        var spares = t_holdSpares ??= new HoldSpares();
        var heldBatches = _held;
        heldBatches[slot] = null;
        if (Array.TrueForAll(heldBatches, static batch => batch is null))
        {
            // The last held batch resumed: nothing is held any more.
            Volatile.Write(ref _held, null);
            spares.GiveSlots(heldBatches);
        }

        // The reader's own storage and tag list (recycled and empty: the take recycled them first) are kept for the next
        // hold; the held batch's storage carries on.
        spares.GiveStorage(_batch, _batchTags);
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
        spares.GiveRecord(held);
        return true;
    }

    /// <summary>Drops every held batch (the reader is closing), copying their messages and tags out when asked.</summary>
    private void DiscardHeld(List<T>? destination, List<object>? droppedTags)
    {
        var heldBatches = _held!;
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

        Volatile.Write(ref _held, null);
    }

    /// <summary>One thread's spares for holds (see <see cref="t_holdSpares"/>): at most one of each, small ones only.</summary>
    /// <remarks>Thread-safety: none needed; each instance belongs to one thread.</remarks>
    private sealed class HoldSpares
    {
        /// <summary>The largest storage or tag list kept: a spare stays small, whatever the batches were.</summary>
        private const int MaxKeptElements = 64;

        private T[]? _storage;
        private LaneTags? _tags;
        private HeldBatch? _record;
        private HeldBatch?[]? _slots;

        public HeldBatch? TakeRecord() => Take(ref _record);

        public T[]? TakeStorage() => Take(ref _storage);

        public LaneTags? TakeTags() => Take(ref _tags);

        public HeldBatch?[]? TakeSlots(int laneCount) => _slots?.Length == laneCount ? Take(ref _slots) : null;

        public void GiveRecord(HeldBatch record)
        {
            record.Set([], 0, 0, null, 0, 0, 0, 0);
            _record = record;
        }

        /// <summary>Keeps an all-empty slot array.</summary>
        public void GiveSlots(HeldBatch?[] slots) => _slots = slots;

        /// <summary>Keeps recycled (cleared) storage and an empty tag list, when small.</summary>
        public void GiveStorage(T[] storage, LaneTags? tags)
        {
            if (storage.Length is > 0 and <= MaxKeptElements)
            {
                _storage = storage;
            }

            if (tags is { Count: 0, Capacity: <= MaxKeptElements })
            {
                _tags = tags;
            }
        }

        private static TItem? Take<TItem>(ref TItem? field)
            where TItem : class
        {
            var taken = field;
            field = null;
            return taken;
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
