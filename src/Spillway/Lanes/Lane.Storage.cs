using System.Runtime.CompilerServices;

namespace Spillway;

/// <summary>
/// A lane's storage: how it grows (from the storage pool, see <see cref="LaneStorage{T}"/>), and how an empty lane gives
/// it back (<see cref="TrimIfEmpty_NeedsLock"/>), keeping it weakly or returning it to the pool.
/// </summary>
internal partial class Lane<T>
{
    /// <summary>
    /// Gives back storage longer than <paramref name="keepElements"/> if the lane is empty: the lane starts again from
    /// no storage and grows on its next append. With <paramref name="keepWeakly"/> the old storage stays reachable
    /// through a weak reference, and the next growth takes it back unless a garbage collection took it first, so a
    /// lane that is busy again soon reallocates nothing; without it, the old storage (and a spare an earlier trim kept)
    /// goes to the storage pool (<see cref="LaneStorage{T}"/>). The tag list is dropped too when it is longer than the
    /// keep. The caller holds the lane lock.
    /// </summary>
    /// <returns>The storage length the lane keeps.</returns>
    public int TrimIfEmpty_NeedsLock(int keepElements, bool keepWeakly)
    {
        AssertLockHeld();
        if (_count != 0)
        {
            return _items.Length;
        }

        if (_items.Length > keepElements)
        {
            // An empty lane's storage holds no references: the swap hands it cleared storage and Clear clears it.
            if (keepWeakly)
            {
                StoreSpare(ref _spare, _items);
            }
            else
            {
                ReturnStorage(_items);
            }

            _items = [];
        }

        if (!keepWeakly && TakeSpare(_spare, needed: 0, _poolsStorage) is { } spare)
        {
            // A spare an earlier trim kept weakly goes to the pool too: a trim that keeps nothing weakly keeps nothing.
            ReturnStorage(spare);
        }

        if (_tags is { } tags && tags.Capacity > keepElements)
        {
            _tags = null;
        }

        return _items.Length;
    }

    /// <summary>Keeps <paramref name="storage"/> weakly in <paramref name="spare"/>, creating the reference once.</summary>
    internal static void StoreSpare(ref WeakReference<T[]>? spare, T[] storage)
    {
        if (spare is null)
        {
            spare = new WeakReference<T[]>(storage);
        }
        else
        {
            spare.SetTarget(storage);
        }
    }

    /// <summary>
    /// Takes back the storage kept in <paramref name="spare"/> if it is still alive and at least <paramref name="needed"/>
    /// long; a live spare that is too short goes to the pool (<see cref="LaneStorage{T}"/>). Either way the reference is
    /// emptied.
    /// </summary>
    internal static T[]? TakeSpare(WeakReference<T[]>? spare, int needed, bool pooled)
    {
        if (spare is null || !spare.TryGetTarget(out var kept))
        {
            return null;
        }

        spare.SetTarget(null!);
        if (kept.Length >= needed)
        {
            return kept;
        }

        // Too small for what is needed now: nobody else refers to it, so it goes to the pool instead (if pooled).
        if (pooled)
        {
            LaneStorage<T>.Return(kept);
        }

        return null;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private T[] Grow_NeedsLock(int needed)
    {
        var newLength = Math.Max(Math.Max(needed, MinimumGrowth), _items.Length * 2);

        // Storage a trim kept weakly comes back first, so a lane that idled and is busy again reallocates nothing.
        // Pooled or uninitialized (see LaneStorage): only the slots below the count are ever read, and each is written
        // first; storage for a type that holds references comes back zeroed anyway. For a large lane this skips clearing
        // (and, pooled, faulting in) megabytes the appends are about to overwrite, under the lane lock.
        var grown = TakeSpare(_spare, needed, _poolsStorage) ?? (_poolsStorage ? LaneStorage<T>.Rent(newLength) : GC.AllocateUninitializedArray<T>(newLength));
        var old = _items;
        Array.Copy(old, grown, _count);
        _items = grown;

        // The old storage is the lane's alone (the reader swapped its own storage out for it, or a spare was taken back),
        // so it can go back to the pool as it is: its slots are copies of messages the lane still holds. Types whose
        // storage would need clearing are never pooled.
        ReturnStorage(old);
        return grown;
    }

    /// <summary>Gives storage nobody refers to any more back to the pool, if this lane's storage is pooled.</summary>
    private protected void ReturnStorage(T[] storage)
    {
        if (_poolsStorage)
        {
            LaneStorage<T>.Return(storage);
        }
    }

    /// <summary>
    /// Records that every queued message has left the lane (handed to the reader, or dropped): no message, the flag down,
    /// and all of them counted as handed out, which barrier marks are compared against. The caller holds the lane lock.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void MarkEmptied_NeedsLock()
    {
        _count = 0;
        _hasItems = false;
        _handedOut = _appended;
    }

    /// <summary>
    /// Hands the lane's one queued message to the reader by copy, when the lane holds exactly one message, no tag for it,
    /// and storage of at least <paramref name="minimumStorage"/> elements: <paramref name="destination"/>[0] receives the
    /// message and both sides keep their storage. Otherwise changes nothing and returns <see langword="false"/> (the
    /// caller swaps, <see cref="SwapOut_NeedsLock"/>). Storage over <paramref name="maximumStorage"/> elements swaps too.
    /// The caller holds the lane lock.
    /// </summary>
    /// <remarks>
    /// The take of a one-message lane (every hop of a ping-pong, every request to an idle server) is what this saves: a
    /// swap stores two array references (two write barriers) and moves the storage bookkeeping with them, for one
    /// message. The lane's bookkeeping is the swap's own (count, flag, handed-out count), so the reader, barriers and a
    /// drop-oldest see the same lane either way. Tiny storage (under <paramref name="minimumStorage"/>) still swaps: the
    /// reader replaces tiny arrays with a cache line's worth (see <c>LaneReader.Recycle</c>), and only swaps carry that
    /// to the lane, whose writers would otherwise share a cache line with their neighbours' tiny arrays on the heap. Large
    /// storage (over <paramref name="maximumStorage"/>, a burst's) still swaps: the swap is where the reader trades it for
    /// storage the size of recent batches, so a lane that went back to one message at a time does not keep a burst's
    /// array for ever.
    /// </remarks>
    /// <returns><see langword="true"/> when the message was copied to <paramref name="destination"/>[0].</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryCopyOutOnly_NeedsLock(T[] destination, int minimumStorage, int maximumStorage)
    {
        AssertLockHeld();
        var items = _items;
        if (_count != 1 || items.Length < minimumStorage || items.Length > maximumStorage || destination.Length == 0 || _tags is { Count: > 0 })
        {
            return false;
        }

        // Both arrays are lane storage and hold at least one element (checked above): unchecked stores.
        StoreUnchecked(destination, 0, items[0]);
        if (RuntimeHelpers.IsReferenceOrContainsReferences<T>())
        {
            // The lane keeps no reference to a message it handed over.
            StoreUnchecked(items, 0, default!);
        }

        MarkEmptied_NeedsLock();
        return true;
    }

    /// <summary>
    /// Hands every queued message to the reader: the lane takes <paramref name="buffer"/> (which must be empty and
    /// cleared) as its new storage, and <paramref name="buffer"/> receives the lane's old storage; the tag lists trade
    /// places the same way (<paramref name="tags"/> must be empty or <see langword="null"/>). The caller holds the lane lock.
    /// </summary>
    /// <returns>How many messages <paramref name="buffer"/> now holds, from index 0.</returns>
    public int SwapOut_NeedsLock(ref T[] buffer, ref LaneTags? tags)
    {
        AssertLockHeld();
        var taken = _items;
        var count = _count;
        _items = buffer;
        buffer = taken;

        // Only when either side has tag storage: a lane that never carried a tag (plain tells) swaps two nulls, and
        // skipping that saves two write barriers on every take of a one-message lane (the ping-pong path).
        if (_tags is not null || tags is not null)
        {
            (_tags, tags) = (tags, _tags);
        }

        MarkEmptied_NeedsLock();
        return count;
    }
}
