using System.Numerics;
using System.Runtime.CompilerServices;

namespace Spillway;

/// <summary>
/// Where lane and reader storage of some size comes from and goes back to. For a message type without references,
/// arrays of at least 4 KiB (power-of-two lengths) are kept in a small process-wide pool when a lane outgrows them, when
/// a swap sheds a burst's array, when a trim gives storage back and when a channel ends, and are taken from there when a
/// lane grows: a lane growing through the sizes another lane just left, or a new channel after an old one, reuses them
/// instead of allocating (and faulting in) fresh memory. Smaller arrays, and every array of a type that holds
/// references, are allocated and dropped as before.
/// </summary>
/// <remarks>
/// <para>
/// Memory follows recent use, not the past peak: the pool holds at most <see cref="SlotsPerLength"/> arrays of each
/// length, and an array that nobody took back is dropped at the first full (generation 2) garbage collection that comes
/// after it sat unused through a whole one and for at least <see cref="MinimumIdleMilliseconds"/> (see
/// <see cref="TrimAfterFullCollection"/>). Large arrays are only ever freed by full collections anyway: what the pool
/// holds is what would otherwise be garbage waiting for the next one, for one more.
/// </para>
/// <para>
/// Not <c>ArrayPool&lt;T&gt;.Shared</c>: it keeps an array given back in the returning thread's own slot first, and a
/// sender thread that then ends takes that array with it, so storage returned by dedicated sender threads was mostly
/// lost. Not for types that hold references either: a pooled array would have to be cleared on the way in, and an idle
/// pool would otherwise keep messages alive.
/// </para>
/// <para>
/// Thread-safety: any thread, lock-free. Each slot moves an array in by compare-and-swap from empty and out by
/// compare-and-swap to empty, so one array is never handed to two takers. The caller must own an array it gives back
/// outright: no lane, reader, batch or weak spare may refer to it any more.
/// </para>
/// </remarks>
internal static class LaneStorage<T>
{
    /// <summary>How many arrays of one length the pool holds: a default channel's eight lanes, its reader, and room to spare.</summary>
    internal const int SlotsPerLength = 16;

    /// <summary>
    /// How long an array stays in the pool at least, however many full collections pass: channels created one after
    /// another by a program that also allocates a lot (and so collects often) still find the arrays the previous one
    /// gave back.
    /// </summary>
    internal const long MinimumIdleMilliseconds = 1_000;

    /// <summary>The largest pooled length is 2^this; longer arrays are dropped as before.</summary>
    private const int MaxShift = 30;

    /// <summary>The smallest pooled length is 2^this: 4 KiB of elements, at least 16.</summary>
    private static readonly int s_minShift = BitOperations.Log2(BitOperations.RoundUpToPowerOf2((uint)Math.Max(16, 4096 / Unsafe.SizeOf<T>())));

    /// <summary>
    /// The pooled arrays: <c>s_slots[shift - s_minShift]</c> holds arrays of length 2^shift, with an empty
    /// <see cref="Slot.Storage"/> where a slot is free. <see langword="null"/> for a type that holds references (nothing is
    /// pooled).
    /// </summary>
    private static readonly Slot[][]? s_slots = CreateSlots();

    /// <summary>1 once the trim after full collections is registered (see <see cref="RegisterTrim"/>).</summary>
    private static int s_trimRegistered;

    /// <summary>Gets the smallest length that is pooled (tests size their storage by it).</summary>
    internal static int PooledMinimum => 1 << s_minShift;

    /// <summary>
    /// Gets storage of at least <paramref name="length"/> elements, uninitialized: only the slots below a count are ever
    /// read, and each is written first (storage of a type that holds references is always allocated zeroed). A pooled
    /// length is rounded up to the next power of two and taken from the pool when it holds one.
    /// </summary>
    public static T[] Rent(int length)
    {
        var slots = s_slots;
        if (slots is null || length < PooledMinimum || length > 1 << MaxShift)
        {
            return GC.AllocateUninitializedArray<T>(length);
        }

        var shift = BitOperations.Log2(BitOperations.RoundUpToPowerOf2((uint)length));
        var bucket = slots[shift - s_minShift];
        for (var i = 0; i < bucket.Length; i++)
        {
            // Volatile read first, so an empty slot costs no write; then a compare-and-swap to empty: another renter (or a
            // trim) may take the same array at the same moment, and only one of us may have it.
            ref var slot = ref bucket[i].Storage;
            var pooled = Volatile.Read(ref slot);
            if (pooled is not null && Interlocked.CompareExchange(ref slot, null, pooled) == pooled)
            {
                return pooled;
            }
        }

        return GC.AllocateUninitializedArray<T>(1 << shift);
    }

    /// <summary>
    /// Gives back storage nobody refers to any more (see the type remarks): into the pool when it has a pooled length and
    /// a free slot, else to the collector.
    /// </summary>
    public static void Return(T[] storage)
    {
        var slots = s_slots;
        var length = storage.Length;
        if (slots is null || length < PooledMinimum || length > 1 << MaxShift || !BitOperations.IsPow2(length))
        {
            return;
        }

        var bucket = slots[BitOperations.Log2((uint)length) - s_minShift];
        for (var i = 0; i < bucket.Length; i++)
        {
            // Compare-and-swap from empty: another thread may fill the same slot at the same moment; the loser tries the
            // next slot instead of overwriting (and so losing) the winner's array.
            ref var slot = ref bucket[i];
            if (Volatile.Read(ref slot.Storage) is null && Interlocked.CompareExchange(ref slot.Storage, storage, null) is null)
            {
                // Volatile: the trim on the finalizer thread reads them; stale values are harmless (see Slot.Stamp).
                Volatile.Write(ref slot.Stamp, GC.CollectionCount(2));
                Volatile.Write(ref slot.ReturnedAt, Environment.TickCount64);
                // Volatile read: a registration made on another thread is seen; a stale 0 only costs the compare-and-swap
                // in RegisterTrim.
                if (Volatile.Read(ref s_trimRegistered) == 0)
                {
                    RegisterTrim();
                }

                return;
            }
        }
    }

    /// <summary>
    /// Drops every pooled array that was given back before the previous full collection (it sat unused through a whole
    /// one) and at least <see cref="MinimumIdleMilliseconds"/> before <paramref name="now"/>. Runs on the finalizer
    /// thread after each full collection (see <see cref="FullCollectionCallback"/>).
    /// </summary>
    /// <param name="now">The current <see cref="Environment.TickCount64"/>; tests pass a later one.</param>
    internal static void TrimAfterFullCollection(long now)
    {
        var slots = s_slots;
        if (slots is null)
        {
            return;
        }

        var fullCollections = GC.CollectionCount(2);
        foreach (var bucket in slots)
        {
            for (var i = 0; i < bucket.Length; i++)
            {
                ref var slot = ref bucket[i];
                var pooled = Volatile.Read(ref slot.Storage);
                if (pooled is not null
                    && Volatile.Read(ref slot.Stamp) < fullCollections - 1
                    && now - Volatile.Read(ref slot.ReturnedAt) >= MinimumIdleMilliseconds)
                {
                    // Compare-and-swap: a renter may take this array at the same moment; whoever wins has it, and a trim
                    // that loses leaves the slot alone.
                    Interlocked.CompareExchange(ref slot.Storage, null, pooled);
                }
            }
        }
    }

    /// <summary>Gets the number of arrays the pool holds now. Test-only.</summary>
    internal static int PooledCountForTest()
    {
        var count = 0;
        foreach (var bucket in s_slots ?? [])
        {
            foreach (var slot in bucket)
            {
                count += slot.Storage is null ? 0 : 1;
            }
        }

        return count;
    }

    private static Slot[][]? CreateSlots()
    {
        if (RuntimeHelpers.IsReferenceOrContainsReferences<T>())
        {
            return null;
        }

        var slots = new Slot[MaxShift - s_minShift + 1][];
        for (var i = 0; i < slots.Length; i++)
        {
            slots[i] = new Slot[SlotsPerLength];
        }

        return slots;
    }

    /// <summary>
    /// Starts the trim after full collections, once, when the first array is pooled: a process (or a test run under a
    /// systematic scheduler) that never pools anything never runs the trim on the finalizer thread.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void RegisterTrim()
    {
        // Compare-and-swap: two threads pooling their first arrays at once must not both register a callback.
        if (Interlocked.CompareExchange(ref s_trimRegistered, 1, 0) == 0)
        {
            FullCollectionCallback.Register();
        }
    }

    /// <summary>One place in the pool.</summary>
    private struct Slot
    {
        /// <summary>The pooled array, or <see langword="null"/>; moved in and out only by compare-and-swap.</summary>
        public T[]? Storage;

        /// <summary>
        /// The count of full garbage collections when <see cref="Storage"/> was given back (see
        /// <see cref="TrimAfterFullCollection"/>). Written just after the array is put in: a trim that reads a stale stamp
        /// at worst drops an array just given back, which costs a reuse, never correctness.
        /// </summary>
        public int Stamp;

        /// <summary>When <see cref="Storage"/> was given back (<see cref="Environment.TickCount64"/>); as <see cref="Stamp"/>.</summary>
        public long ReturnedAt;
    }

    /// <summary>
    /// An object nobody refers to, whose finalizer trims the pool and registers it again: once it has reached the oldest
    /// generation it is finalized after every full collection (the runtime's own array pool trims the same way).
    /// </summary>
    private sealed class FullCollectionCallback
    {
        private FullCollectionCallback()
        {
        }

        ~FullCollectionCallback()
        {
            if (Environment.HasShutdownStarted)
            {
                return;
            }

            // Only full collections count: in a younger generation this object is finalized by a younger collection,
            // which says nothing about how long the arrays sat unused (the stamps count full collections).
            TrimAfterFullCollection(Environment.TickCount64);
            GC.ReRegisterForFinalize(this);
        }

        public static void Register() => _ = new FullCollectionCallback();
    }
}
