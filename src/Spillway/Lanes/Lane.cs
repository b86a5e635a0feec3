using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Spillway;

/// <summary>
/// One lane ("chute") of a spillway channel: a lock around an append-only buffer.
/// </summary>
/// <remarks>
/// <para>
/// Not sealed for <see cref="PaddedLane{T}"/>, which adds trailing padding, and <see cref="LaneSet{T}"/>, which is its
/// own first lane; nothing is virtual.
/// </para>
/// <para>
/// Thread-safety: every field is written only while holding the lane's own lock (<c>using (lane.Lock())</c>), a
/// tiny spin lock: the critical sections are a few stores, and each sender normally owns its lane, so the lock is
/// almost never contended and an interlocked exchange is cheaper than a monitor enter and exit. <see cref="HasItems"/> is also read without the lock, by the reader's scan, as a hint that is refreshed under
/// the lock before anything is taken. The reader empties a lane by swapping its own (empty) buffer for the lane's, an
/// O(1) exchange, so a sender never waits for the reader to copy anything.
/// </para>
/// </remarks>
internal partial class Lane<T>
{
    private const int MinimumGrowth = 2;

    /// <summary>The queued messages, in send order, at indices [0, <see cref="_count"/>). Written under the lock.</summary>
    private T[] _items = [];

    /// <summary>How many messages are queued. Written under the lock; read without it only by <see cref="CountEstimate"/>.</summary>
    private int _count;

    /// <summary>
    /// How many messages were ever appended to this lane. Written under the lock (see <see cref="AddAppended_NeedsLock"/>);
    /// read without it by <see cref="AppendedCount"/>.
    /// </summary>
    private long _appended;

    /// <summary>
    /// How many of the appended messages the lane has handed to the reader (or dropped): <see cref="_appended"/> as of
    /// the last swap or clear. Written under the lock by the reader's side only, and read only by the reader (its
    /// barrier checks), so it needs no fence of its own.
    /// </summary>
    private long _handedOut;

    /// <summary>
    /// The tags of the queued tagged messages, created on the first tagged append and swapped to the reader with
    /// <see cref="_items"/>; <see langword="null"/> for a lane that never carried a tag. Touched only under the lock.
    /// </summary>
    private LaneTags? _tags;

    /// <summary>
    /// Storage given back by a trim that asked to keep it weakly (<see cref="TrimIfEmpty_NeedsLock"/>): taken back by the
    /// next growth unless a garbage collection took it first. Touched only under the lock; the reference object is
    /// created on the first such trim and reused.
    /// </summary>
    private WeakReference<T[]>? _spare;

    /// <summary>
    /// <see langword="true"/> while the lane holds messages. Written under the lock on the empty/non-empty edges;
    /// volatile because the reader's scan and the close checks read it without the lock, and must see a value
    /// written before the lock release that published the messages.
    /// </summary>
    private volatile bool _hasItems;

    /// <summary>1 while a thread holds the lane lock; see <see cref="Lock"/>.</summary>
    private int _lock;

    /// <summary>
    /// Whether the lane's storage comes from, and goes back to, the process-wide pool (<see cref="LaneStorage{T}"/>):
    /// a channel's lanes, which a program may create and end one channel after another, but not an actor mailbox's,
    /// which lives long and gains nothing from it (with it, a mailbox of a reference-free message type told from two
    /// threads took about 9 ns a message instead of 6-9). Set once, at construction. A bool, so it fits in the
    /// padding of the object and an idle actor is no larger.
    /// </summary>
    private readonly bool _poolsStorage;

    /// <summary>Creates a lane whose storage is pooled (a channel's).</summary>
    public Lane()
        : this(poolsStorage: true)
    {
    }

    /// <summary>Creates a lane.</summary>
    /// <param name="poolsStorage">Whether its storage comes from and goes back to the process-wide pool.</param>
    protected Lane(bool poolsStorage) => _poolsStorage = poolsStorage;

    /// <summary>Gets whether the lane's storage is pooled (see <see cref="_poolsStorage"/>); a set's own flag is its lanes'.</summary>
    public bool PoolsStorage => _poolsStorage;

    /// <summary>
    /// Takes the lane lock until the returned scope is disposed (<c>using (lane.Lock()) { ... }</c>). Not reentrant.
    /// </summary>
    /// <remarks>
    /// Acquire is a compare-and-swap (a full fence), release a volatile write (a release fence): the same ordering a
    /// monitor gives, which the wake-up and close protocols rely on. Contention (two handles sharing a lane, or the
    /// reader swapping while a sender appends) spins with <see cref="SpinWait"/> and then yields, never sleeps (see
    /// <see cref="LockContended"/>), so a preempted holder is waited out without burning a core. Both operations are interlocked or volatile accesses,
    /// which the systematic concurrency tests control.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Scope Lock()
    {
        // CAS: the uncontended fast path. Acquire semantics: the holder sees everything the previous holder wrote.
        if (Interlocked.CompareExchange(ref _lock, 1, 0) != 0)
        {
            LockContended();
        }

        return new Scope(this);
    }

    /// <summary>
    /// Takes the lane lock if it is free right now, without waiting; pair with <see cref="Unlock"/>. For the inlined fast
    /// path of a send, which must not call out while it holds the lock (see <see cref="LaneAppender{T}.TryAppend"/>);
    /// everything else uses <see cref="Lock"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryLockAtOnce() =>
        // CAS, as in Lock: acquire semantics, the holder sees everything the previous holder wrote.
        Interlocked.CompareExchange(ref _lock, 1, 0) == 0;

    /// <summary>Releases the lane lock taken by <see cref="TryLockAtOnce"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Unlock() =>
        // Volatile write (release), as Scope.Dispose: publishes the critical section's writes to the next holder and to
        // lock-free readers.
        Volatile.Write(ref _lock, 0);

    /// <summary>Gets whether the lane held messages when last published; read without the lock by the reader.</summary>
    public bool HasItems => _hasItems;

    /// <summary>Gets a racy snapshot of the queued count, for <c>Count</c>; exact only when no one sends.</summary>
    public int CountEstimate => Volatile.Read(ref _count);

    /// <summary>
    /// Gets how many messages were ever appended to this lane (tagged, untagged and batches alike); only grows. Read
    /// without the lock: every append counted here was made under the lock before the value was stored.
    /// </summary>
    // Volatile: a fresh value on every read, and on 32-bit the long is read whole (see AddAppended_NeedsLock).
    public long AppendedCount => Volatile.Read(ref _appended);

    /// <summary>Gets how many messages the lane has handed to the reader (or dropped) so far. For the reader only.</summary>
    public long HandedOutCount => _handedOut;

    /// <summary>Gets a racy snapshot of the storage length, so a trim takes the lock only for a lane worth trimming.</summary>
    // Volatile: the reference may be replaced by a sender's growth on another core; any array seen is a complete one.
    public int StorageLength => Volatile.Read(ref _items).Length;

    /// <summary>
    /// Stores <paramref name="item"/> at <paramref name="index"/> of lane storage the caller has bounds-checked, with no
    /// second bounds check and, for a reference type, no array-covariance check (the <c>StelemRef</c> helper call that
    /// shared generic code makes for every store into a <c>T[]</c>). Safe because lane storage is only ever made by the
    /// lanes and readers themselves, as exactly <c>T[]</c> (never an array of a derived type seen as <c>T[]</c>), so the
    /// check could not fail. The caller guarantees <c>0 &lt;= index &lt; storage.Length</c>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void StoreUnchecked(T[] storage, int index, T item)
    {
        Debug.Assert((uint)index < (uint)storage.Length, "The caller checks the index.");
        Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(storage), (nint)(uint)index) = item;
    }

    /// <summary>Gets the storage array itself, for tests that check whether a take traded it (racy, like <see cref="StorageLength"/>).</summary>
    internal T[] StorageForTest => Volatile.Read(ref _items);

    /// <summary>Appends one message. The caller holds the lane lock.</summary>
    /// <returns><see langword="true"/> when the lane was empty before, so the reader must be told.</returns>
    /// <remarks>
    /// Inlined into every send (the growth is out of line): as a call, it made the send save and restore registers
    /// around it, a measurable share of an append.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Append_NeedsLock(T item)
    {
        AssertLockHeld();
        var count = _count;
        var items = _items;
        if ((uint)count >= (uint)items.Length)
        {
            items = Grow_NeedsLock(count + 1);
        }

        StoreUnchecked(items, count, item);
        _count = count + 1;
        if (count == 0)
        {
            // The flag before the count (see AddAppended_NeedsLock): whoever sees the new count sees the lane non-empty.
            _hasItems = true;
            AddAppended_NeedsLock(1);
            return true;
        }

        AddAppended_NeedsLock(1);
        return false;
    }

    /// <summary>
    /// Appends one message if the storage has room for it, as <see cref="Append_NeedsLock"/> does, and otherwise changes
    /// nothing and returns <see langword="false"/> (the caller then takes the path that grows). No call: for the inlined
    /// fast path of a send. The caller holds the lane lock.
    /// </summary>
    /// <param name="item">The message.</param>
    /// <param name="wasEmpty"><see langword="true"/> when the lane was empty before, so the reader must be told.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryAppendInPlace_NeedsLock(T item, out bool wasEmpty)
    {
        AssertLockHeld();
        var count = _count;
        var items = _items;
        if ((uint)count >= (uint)items.Length)
        {
            wasEmpty = false;
            return false;
        }

        StoreUnchecked(items, count, item);
        _count = count + 1;
        wasEmpty = count == 0;
        if (wasEmpty)
        {
            // The flag before the count, as in Append_NeedsLock.
            _hasItems = true;
        }

        AddAppended_NeedsLock(1);
        return true;
    }

    /// <summary>
    /// Appends one message and records <paramref name="tag"/> against its position, so the reader can hand the tag back
    /// with exactly this message (<see cref="LaneReader{T}.TakeTagOfLastRead"/>). The caller holds the lane lock.
    /// </summary>
    /// <returns><see langword="true"/> when the lane was empty before, so the reader must be told.</returns>
    public bool AppendTagged_NeedsLock(T item, object tag, bool barrier = false, ReadOnlySpan<long> marks = default)
    {
        AssertLockHeld();

        // The message first, then its tag at the index it took. (If growing the tag list ran out of memory, the message
        // would stay queued without its tag, so its ask times out; a tag recorded without its message would instead be
        // handed with the next message appended here.)
        var index = _count;
        var wasEmpty = Append_NeedsLock(item);
        (_tags ??= new LaneTags()).Add(index, tag, barrier, marks);
        return wasEmpty;
    }

    /// <summary>Appends a batch, keeping its order and keeping it contiguous. The caller holds the lane lock.</summary>
    /// <returns><see langword="true"/> when the lane was empty before and the batch was not.</returns>
    public bool AppendMany_NeedsLock(ReadOnlySpan<T> batch)
    {
        AssertLockHeld();
        if (batch.IsEmpty)
        {
            return false;
        }

        var count = _count;
        var items = _items;
        if (items.Length - count < batch.Length)
        {
            items = Grow_NeedsLock(count + batch.Length);
        }

        batch.CopyTo(items.AsSpan(count));
        _count = count + batch.Length;
        if (count == 0)
        {
            _hasItems = true;
            AddAppended_NeedsLock(batch.Length);
            return true;
        }

        AddAppended_NeedsLock(batch.Length);
        return false;
    }

    /// <summary>
    /// Takes the oldest queued message out of the lane (a full mailbox that drops its oldest message to make room),
    /// with its tag when it was appended tagged, or returns <see langword="false"/> when the lane is empty. O(queued)
    /// (the rest shift down one place). The caller holds the lane lock.
    /// </summary>
    public bool TryTakeOldest_NeedsLock([MaybeNullWhen(false)] out T item, out object? tag)
    {
        AssertLockHeld();
        var count = _count;
        if (count == 0)
        {
            item = default;
            tag = null;
            return false;
        }

        var items = _items;
        item = items[0];
        Array.Copy(items, 1, items, 0, count - 1);
        items[count - 1] = default!;
        tag = _tags is { Count: > 0 } tags ? tags.RemoveFirstMessage() : null;
        _count = count - 1;
        if (count == 1)
        {
            _hasItems = false;
        }

        // The handed-out count is left alone: it moves at swaps only, so it never counts a message dropped here ahead of
        // earlier ones the reader still holds (the next swap counts it). A lane this empties is settled by the reader's
        // barrier check instead (see LaneReader.IsReached).
        return true;
    }

    /// <summary>
    /// Drops every queued message (the channel was closed by its reader), adding the tags of the tagged ones to
    /// <paramref name="droppedTags"/> when given. The caller holds the lane lock.
    /// </summary>
    /// <returns>How many messages were dropped.</returns>
    public int Clear_NeedsLock(List<object>? droppedTags = null)
    {
        AssertLockHeld();
        var count = _count;
        if (RuntimeHelpers.IsReferenceOrContainsReferences<T>())
        {
            Array.Clear(_items, 0, count);
        }

        if (_tags is { Count: > 0 } tags)
        {
            if (droppedTags is not null)
            {
                tags.CopyTagsFrom(0, droppedTags);
            }

            tags.Clear();
        }

        MarkEmptied_NeedsLock();
        return count;
    }

    /// <summary>
    /// Copies the queued messages out, oldest first, then drops them; the tags of the tagged ones go to
    /// <paramref name="droppedTags"/> when given. The caller holds the lane lock.
    /// </summary>
    public void DrainTo_NeedsLock(List<T> destination, List<object>? droppedTags = null)
    {
        AssertLockHeld();
        for (var i = 0; i < _count; i++)
        {
            destination.Add(_items[i]);
        }

        Clear_NeedsLock(droppedTags);
    }

    /// <summary>Counts appended messages; see <see cref="_appended"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void AddAppended_NeedsLock(int added) =>
        // Volatile (release; a plain store on x64): a barrier that reads the count without the lock (Volatile.Read in
        // TryAppendBarrier) then also sees the messages it counts and the lane's non-empty flag, stored before it. Also
        // atomic on 32-bit, where a plain long store is two stores.
        Volatile.Write(ref _appended, _appended + added);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void LockContended()
    {
        var spinner = default(SpinWait);
        do
        {
            // Never Thread.Sleep(1), which the default SpinOnce escalates to: a critical section is a few stores, so the
            // holder is either running (the lock is free within nanoseconds) or preempted, and then yielding hands it the
            // core at once. A sleep would stall every waiter a whole millisecond (8 producers on 2 cores, one holder
            // preempted: each of the others would sleep), far longer than the lock is ever held.
            spinner.SpinOnce(sleep1Threshold: -1);
        }
        // Read before the CAS so waiters spin on a shared cache line instead of bouncing it with writes.
        while (Volatile.Read(ref _lock) != 0 || Interlocked.CompareExchange(ref _lock, 1, 0) != 0);
    }

    [Conditional("DEBUG")]
    private void AssertLockHeld() => Debug.Assert(Volatile.Read(ref _lock) != 0, "The lane lock must be held.");

    /// <summary>Holds the lane lock; disposing releases it.</summary>
    public readonly ref struct Scope
    {
        private readonly Lane<T> _lane;

        internal Scope(Lane<T> lane) => _lane = lane;

        /// <summary>Releases the lock.</summary>
        // Volatile write (release): publishes the critical section's writes to the next holder and to lock-free readers.
        public void Dispose() => Volatile.Write(ref _lane._lock, 0);
    }
}
