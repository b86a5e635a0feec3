using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace Spillway;

/// <summary>
/// One lane ("chute") of a spillway channel: a lock around an append-only buffer.
/// </summary>
/// <remarks>
/// Thread-safety: every field is written only while holding the lane's own lock (<c>using (lane.Lock())</c>), a
/// tiny spin lock: the critical sections are a few stores, and each sender normally owns its lane, so the lock is
/// almost never contended and an interlocked exchange is cheaper than a monitor enter and exit. <see cref="HasItems"/> is also read without the lock, by the reader's scan, as a hint that is refreshed under
/// the lock before anything is taken. The reader empties a lane by swapping its own (empty) buffer for the lane's, an
/// O(1) exchange, so a sender never waits for the reader to copy anything.
/// </remarks>
internal sealed class Lane<T>
{
    private const int MinimumGrowth = 4;

    /// <summary>The queued messages, in send order, at indices [0, <see cref="_count"/>). Written under the lock.</summary>
    private T[] _items = [];

    /// <summary>How many messages are queued. Written under the lock; read without it only by <see cref="CountEstimate"/>.</summary>
    private int _count;

    /// <summary>
    /// <see langword="true"/> while the lane holds messages. Written under the lock on the empty/non-empty edges;
    /// volatile because the reader's scan and the close checks read it without the lock, and must see a value
    /// written before the lock release that published the messages.
    /// </summary>
    private volatile bool _hasItems;

    /// <summary>1 while a thread holds the lane lock; see <see cref="Lock"/>.</summary>
    private int _lock;

    /// <summary>Keeps the next lane's lock word and fields off this lane's cache line.</summary>
#pragma warning disable IDE0051, CS0169 // The field exists only for its size.
    private CacheLinePadding _padding;
#pragma warning restore IDE0051, CS0169

    /// <summary>
    /// Takes the lane lock until the returned scope is disposed (<c>using (lane.Lock()) { ... }</c>). Not reentrant.
    /// </summary>
    /// <remarks>
    /// Acquire is a compare-and-swap (a full fence), release a volatile write (a release fence): the same ordering a
    /// monitor gives, which the wake-up and close protocols rely on. Contention (two handles sharing a lane, or the
    /// reader swapping while a sender appends) spins with <see cref="SpinWait"/>, which yields and then sleeps, so a
    /// preempted holder is waited out without burning a core. Both operations are interlocked or volatile accesses,
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

    /// <summary>Gets whether the lane held messages when last published; read without the lock by the reader.</summary>
    public bool HasItems => _hasItems;

    /// <summary>Gets a racy snapshot of the queued count, for <c>Count</c>; exact only when no one sends.</summary>
    public int CountEstimate => Volatile.Read(ref _count);

    /// <summary>Appends one message. The caller holds the lane lock.</summary>
    /// <returns><see langword="true"/> when the lane was empty before, so the reader must be told.</returns>
    public bool Append_NeedsLock(T item)
    {
        AssertLockHeld();
        var count = _count;
        var items = _items;
        if ((uint)count >= (uint)items.Length)
        {
            items = Grow_NeedsLock(count + 1);
        }

        items[count] = item;
        _count = count + 1;
        if (count == 0)
        {
            _hasItems = true;
            return true;
        }

        return false;
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
            return true;
        }

        return false;
    }

    /// <summary>
    /// Hands every queued message to the reader: the lane takes <paramref name="buffer"/> (which must be empty and
    /// cleared) as its new storage, and <paramref name="buffer"/> receives the lane's old storage. The caller holds the
    /// lane lock.
    /// </summary>
    /// <returns>How many messages <paramref name="buffer"/> now holds, from index 0.</returns>
    public int SwapOut_NeedsLock(ref T[] buffer)
    {
        AssertLockHeld();
        var taken = _items;
        var count = _count;
        _items = buffer;
        buffer = taken;
        _count = 0;
        _hasItems = false;
        return count;
    }

    /// <summary>Drops every queued message (the channel was closed by its reader). The caller holds the lane lock.</summary>
    /// <returns>How many messages were dropped.</returns>
    public int Clear_NeedsLock()
    {
        AssertLockHeld();
        var count = _count;
        if (RuntimeHelpers.IsReferenceOrContainsReferences<T>())
        {
            Array.Clear(_items, 0, count);
        }

        _count = 0;
        _hasItems = false;
        return count;
    }

    /// <summary>Copies the queued messages out, oldest first, then drops them. The caller holds the lane lock.</summary>
    public void DrainTo_NeedsLock(List<T> destination)
    {
        AssertLockHeld();
        for (var i = 0; i < _count; i++)
        {
            destination.Add(_items[i]);
        }

        Clear_NeedsLock();
    }

    private T[] Grow_NeedsLock(int needed)
    {
        var newLength = Math.Max(Math.Max(needed, MinimumGrowth), _items.Length * 2);
        var grown = new T[newLength];
        Array.Copy(_items, grown, _count);
        _items = grown;
        return grown;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void LockContended()
    {
        var spinner = default(SpinWait);
        do
        {
            spinner.SpinOnce();
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
