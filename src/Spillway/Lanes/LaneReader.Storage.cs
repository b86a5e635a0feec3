using System.Numerics;
using System.Runtime.CompilerServices;

namespace Spillway;

/// <summary>
/// The reader's storage: the batch arrays that circulate between the lanes and the reader, how a busy reader's tiny
/// storage grows to a cache line, how storage far larger than recent batches is replaced at a swap, and the trims that
/// give back what an idle reader holds (see the memory remarks in LaneReader.cs).
/// </summary>
internal partial struct LaneReader<T>
{
    /// <summary>How many lanes a reader takes before its tiny storage is replaced (see <see cref="Recycle"/>).</summary>
    private const int BusyLaneTakes = 64;

    /// <summary>How many elements fill 64 bytes: the smallest storage a busy reader keeps.</summary>
    private static readonly int s_cacheLineElements = Math.Max(1, 64 / Unsafe.SizeOf<T>());

    /// <summary>Storage up to this length is never replaced at a swap: small arrays are not worth an allocation.</summary>
    private const int SwapShrinkFloor = 1024;

    /// <summary>
    /// The recent peak of batch sizes loses 1/2^this of itself at every take that does not beat it: a quarter of the
    /// peak after about 355 smaller takes. Slow on purpose, so batch sizes that vary in steady traffic never make the
    /// storage shrink and grow again.
    /// </summary>
    private const int PeakDecayShift = 8;

    /// <summary>What a parking channel reader keeps: 16 KiB of storage per array, at least 256 elements.</summary>
    private static readonly int s_parkKeepElements = Math.Max(256, 16 * 1024 / Unsafe.SizeOf<T>());


    /// <summary>Gets how many messages the reader's batch storage can hold (tests watch it grow for busy readers).</summary>
    public int StorageLength => _batch.Length;

    /// <summary>
    /// Gets the largest storage length this reader has taken from a lane (or made) since its last
    /// <see cref="TrimStorage"/>. Every array passes through the reader before its lane can be empty again (a lane grows
    /// only while it holds messages, and the reader takes them with the array), so once the lanes are empty, nothing the
    /// reader or its lanes hold is larger. One field read, for the checks on the way to idle.
    /// </summary>
    public int LargestStorageSeen => _largestSeen;

    /// <summary>
    /// The channel's trim as its reader parks (it found nothing to read): gives back storage over 16 KiB per array,
    /// keeping it weakly (see <see cref="TrimStorage"/>). One compare when nothing is over the keep.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void TrimBeforePark()
    {
        if (_largestSeen > s_parkKeepElements)
        {
            TrimStorage(s_parkKeepElements, keepWeakly: true);
        }
    }

    /// <summary>
    /// Gives back storage longer than <paramref name="keepElements"/>: the reader's own batch storage when the batch
    /// is empty, and the storage of every empty lane (a lane whose racy length is within the keep costs one compare;
    /// a longer one is trimmed under its lock). Trimmed arrays are replaced by no storage, which grows again on use.
    /// With <paramref name="keepWeakly"/> they stay reachable through weak references and come back on the next growth
    /// or take unless a garbage collection took them first: a parked channel reallocates nothing when traffic resumes
    /// soon, and holds nothing the collector cannot take.
    /// </summary>
    /// <returns><see langword="true"/> when nothing over the keep is left (a lane that was not empty keeps its storage).</returns>
    public bool TrimStorage(int keepElements, bool keepWeakly)
    {
        int largest;
        if (HasBuffered)
        {
            largest = _batch.Length;
        }
        else
        {
            // Clears a consumed batch (and gives its room back) if no take did yet, so the storage holds no references.
            Recycle();
            if (_batch.Length > keepElements)
            {
                if (keepWeakly)
                {
                    Lane<T>.StoreSpare(ref _spare, _batch);
                }
                else
                {
                    ReturnStorage(_batch);
                }

                _batch = [];
            }

            if (!keepWeakly && Lane<T>.TakeSpare(_spare, needed: 0, _set.PoolsStorage) is { } spare)
            {
                // A spare an earlier trim kept weakly goes to the pool too: a trim that keeps nothing weakly keeps nothing.
                ReturnStorage(spare);
            }

            if (_batchTags is { } tags && tags.Capacity > keepElements)
            {
                _batchTags = null;
                ResetTagCursor();
            }

            // Nothing is held (HasBuffered is false): what holds reuse goes too.
            _holds = null;

            largest = _batch.Length;
        }

        _largestSeen = Math.Max(largest, TrimLanes(keepElements, keepWeakly));
        return _largestSeen <= keepElements;
    }

    /// <summary>
    /// Gives back the storage of every empty lane, keeping none of it (see <see cref="LaneStorage{T}"/>), and leaves the
    /// reader's own batch alone: safe while a span handed out by <see cref="TryReadBatch"/> may still be read on another
    /// thread, so the channel's end calls it from whichever thread sees the end.
    /// </summary>
    public void ReleaseLaneStorage() => TrimLanes(keepElements: 0, keepWeakly: false);

    /// <summary>The lane half of <see cref="TrimStorage"/>.</summary>
    /// <returns>The longest storage a lane keeps.</returns>
    private int TrimLanes(int keepElements, bool keepWeakly)
    {
        var largest = 0;
        var inUse = _set.LanesInUse;
        for (var i = 0; i < inUse; i++)
        {
            // Volatile slot read, as in the scan: a lane created on another core is seen fully constructed.
            var lane = _set.LaneAt(i);
            if (lane is null)
            {
                continue;
            }

            var length = lane.StorageLength;
            if (length > keepElements)
            {
                using (lane.Lock())
                {
                    length = lane.TrimIfEmpty_NeedsLock(keepElements, keepWeakly);
                }
            }

            largest = Math.Max(largest, length);
        }

        return largest;
    }

    /// <summary>
    /// Before the reader's (empty, cleared) storage is handed to a lane: restores a spare kept weakly by a parking trim
    /// in place of empty storage, or replaces storage far larger than the recent batches by storage twice the recent
    /// peak (at least the floor), so a burst's arrays do not circulate forever.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void AdjustStorageBeforeSwap()
    {
        var length = _batch.Length;
        if (length == 0)
        {
            if (Lane<T>.TakeSpare(_spare, needed: 1, _set.PoolsStorage) is { } spare)
            {
                _batch = spare;
                _largestSeen = Math.Max(_largestSeen, spare.Length);
            }

            return;
        }

        var peak = _recentPeak;
        if (length / 4 > peak)
        {
            // The storage is recycled (cleared where it holds references) and ours alone: it goes back to the pool, and the
            // smaller storage comes from there.
            var shed = _batch;
            var smaller = Math.Max(SwapShrinkFloor, (int)BitOperations.RoundUpToPowerOf2((uint)peak * 2));
            _batch = _set.PoolsStorage ? LaneStorage<T>.Rent(smaller) : GC.AllocateUninitializedArray<T>(smaller);
            ReturnStorage(shed);
        }
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
            // One message (a ping-pong's, a request's): one store, not a call to clear a range.
            if (consumed == 1)
            {
                Lane<T>.StoreUnchecked(_batch, 0, default!);
            }
            else
            {
                Array.Clear(_batch, 0, consumed);
            }
        }

        // The tags go with the consumed batch: the list holds no references after this, and is empty when swapped on.
        if (_batchTags is { Count: > 0 })
        {
            ClearBatchTags();
        }

        _count = 0;
        _index = 0;
        _stopAt = 0;
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

    /// <summary>Gives storage the reader let go back to the pool, if its set's storage is pooled (a channel's).</summary>
    private void ReturnStorage(T[] storage)
    {
        if (_set.PoolsStorage)
        {
            LaneStorage<T>.Return(storage);
        }
    }
}
