using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace Spillway;

/// <summary>
/// The shared state of one spillway channel: the lanes, the count of live sender handles, the closed
/// flag, and the capacity gate. <see cref="LaneHandle{T}"/> writes into it; one <see cref="LaneReader{T}"/> reads.
/// </summary>
/// <remarks>
/// <para>
/// Thread-safety: any number of sender threads, exactly one reader. No operation takes a lock other than the lock of
/// one lane (and, on the bounded-and-full slow path only, <see cref="WriterWaitersLock"/>).
/// </para>
/// <para>
/// The set is itself the lane of slot 0 (it derives from <see cref="Lane{T}"/>): every channel and every mailbox has
/// that lane, so an idle mailbox told through one reference holds one object for its lanes, with no slot array and no
/// padding. The lane's spin lock and fields are the base class's; the set's own fields are separate, and the set's
/// monitor (<see cref="WriterWaitersLock"/>) is not the lane lock.
/// </para>
/// </remarks>
internal sealed partial class LaneSet<T> : Lane<T>
{
    /// <summary>
    /// The lanes of slots 1 and up (entry 0 is never used), created when a handle first claims such a slot, so a
    /// mailbox told only through one reference carries no array. The array goes from <see langword="null"/> to an
    /// array once, by compare-and-swap, and is never replaced; a slot goes from <see langword="null"/> to a lane once,
    /// by compare-and-swap, and never changes after that.
    /// </summary>
    private Lane<T>?[]? _lanes;

    /// <summary>How many lane slots the set has (the channel's or mailbox's configured lane count).</summary>
    private readonly int _laneCount;

    private readonly ILaneListener _listener;

    /// <summary>How many handles have taken a lane so far; the next handle's lane is this modulo the lane count.</summary>
    private int _handlesCreated;

    /// <summary>How many lane slots, from the first, handles have claimed (at most the lane count); only grows. See <see cref="LanesInUse"/>.</summary>
    private int _lanesInUse;

    /// <summary>Live counted sender handles. When it reaches zero no more messages can arrive.</summary>
    private int _liveSenders;

    /// <summary>
    /// Whether the set takes sends (<see cref="State"/>): open, then sealed (sends fail, queued messages stay readable: a
    /// mailbox draining for shutdown), then closed (sends fail, queued messages were dropped). Only grows.
    /// </summary>
    private int _state;

    /// <summary>The soft bound on queued messages; <see cref="int.MaxValue"/> when unbounded.</summary>
    /// <remarks>
    /// Declared after <see cref="_state"/> on purpose: the runtime lays out fields of one size in declaration order,
    /// after the base lane's, so the two fields every append reads (this and <see cref="_state"/>) sit far enough past the
    /// lane lock, count and appended count, which the sender of lane 0 writes on every append, never to share a cache
    /// line with them, wherever the (8-byte aligned) object lands. Declared first, the capacity shared the lock's line
    /// for two placements in eight, and the senders of the other lanes, and the reader, then missed it on every message
    /// (LaneLayoutTests checks the offsets).
    /// </remarks>
    private readonly int _capacity;

    /// <summary>The values of <see cref="_state"/>, in the only order it moves.</summary>
    private static class State
    {
        public const int Open = 0;
        public const int Sealed = 1;
        public const int Closed = 2;
    }

    /// <summary>
    /// Messages sent and not yet released by the reader; maintained only when bounded (see LaneSet.Capacity.cs). Declared
    /// here, among the set's other fields, to keep their layout order.
    /// </summary>
    private int _queued;

    /// <summary>The error the writers completed with, if any; the first one wins.</summary>
    private Exception? _completionError;

    /// <summary>
    /// Guards the writer-waiter queues (see LaneSet.WriterWaiters.cs); taken only when a bounded channel is full. The set
    /// itself is the lock object (it is internal and nothing else locks it), so an idle mailbox carries no extra object
    /// for it.
    /// </summary>
    private object WriterWaitersLock => this;

    /// <param name="laneCount">The lane slots.</param>
    /// <param name="capacity">The soft bound on queued messages, or <see langword="null"/>.</param>
    /// <param name="listener">Told when a lane fills.</param>
    /// <param name="dropsOldestWhenFull">Whether a full set drops its oldest message to make room.</param>
    /// <param name="poolsStorage">Whether the lanes' storage comes from the process-wide pool (a channel's; see <see cref="Lane{T}.PoolsStorage"/>).</param>
    public LaneSet(int laneCount, int? capacity, ILaneListener listener, bool dropsOldestWhenFull = false, bool poolsStorage = true)
        : base(poolsStorage)
    {
        Debug.Assert(laneCount >= 1, "Options are validated before a lane set is built.");
        _laneCount = laneCount;
        _capacity = capacity ?? int.MaxValue;
        DropsOldestWhenFull = dropsOldestWhenFull && capacity.HasValue;
        _listener = listener;
    }

    /// <summary>Gets how many lane slots the set has.</summary>
    public int LaneCount => _laneCount;

    /// <summary>
    /// Gets a snapshot of the lane slots (a new array; a slot is <see langword="null"/> until a handle first uses it). For
    /// tests and slow paths; scans use <see cref="LaneAt"/>.
    /// </summary>
    public Lane<T>?[] Lanes
    {
        get
        {
            var snapshot = new Lane<T>?[_laneCount];
            for (var i = 0; i < snapshot.Length; i++)
            {
                snapshot[i] = LaneAt(i);
            }

            return snapshot;
        }
    }

    /// <summary>
    /// Gets the lane in <paramref name="slot"/>, or <see langword="null"/> if no handle has created it yet. Lock-free;
    /// a lane created on another core is seen fully constructed.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Lane<T>? LaneAt(int slot)
    {
        // Volatile reads (acquire), as the scans did on the slot array: the lane, and the array, were published by
        // compare-and-swap after construction, and the reader then reads their fields through these references.
        if (slot == 0)
        {
            return this;
        }

        var lanes = Volatile.Read(ref _lanes);
        return lanes is null ? null : Volatile.Read(ref lanes[slot]);
    }

    /// <summary>Gets whether a capacity was set (a capacity of <see cref="int.MaxValue"/> bounds nothing, and counts as none).</summary>
    public bool IsBounded => _capacity != int.MaxValue;

    /// <summary>
    /// Gets whether the owner asked a send into the full set to drop the oldest queued message rather than fail (an
    /// actor's <c>MailboxOverflow.DropOldest</c>); read only on that slow path (<see cref="LaneAppender{T}.TryAppendDroppingOldest"/>).
    /// A bool beside <see cref="IsBounded"/>: it takes the padding after it, no extra memory per mailbox.
    /// </summary>
    public bool DropsOldestWhenFull { get; }

    /// <summary>Gets the capacity, or <see cref="int.MaxValue"/>.</summary>
    public int Capacity => _capacity;

    /// <summary>Gets whether sends are refused: the set is sealed or closed.</summary>
    // Volatile: a sender that checks this inside a lane lock must see a close published by a reader on another core.
    public bool IsClosed => Volatile.Read(ref _state) != State.Open;

    /// <summary>
    /// Gets whether the reader has closed the set, dropping what was queued. Unlike <see cref="IsClosed"/> this is
    /// <see langword="false"/> while the set is only sealed: a sealed set refuses sends but its lanes stay readable.
    /// </summary>
    // Volatile: the reader reads it on its own thread, but a seal or close may come from another.
    public bool IsClosedForReading => Volatile.Read(ref _state) == State.Closed;

    /// <summary>Gets whether every counted sender handle has been released.</summary>
    // Volatile (acquire): pairs with the Interlocked.Decrement in ReleaseSender. A reader that sees zero also sees every
    // message the last senders queued before releasing, which is what lets it look again before reporting completion.
    public bool WritersDone => Volatile.Read(ref _liveSenders) == 0;

    /// <summary>Gets the error the writers completed with, if any.</summary>
    public Exception? CompletionError => Volatile.Read(ref _completionError);

    /// <summary>Gets the listener that is told of new messages.</summary>
    public ILaneListener Listener => _listener;

    /// <summary>
    /// Registers a new counted sender handle. Fails (returns <see langword="false"/>) once the count has reached zero:
    /// the channel is complete and cannot be reopened.
    /// </summary>
    public bool TryAddSender()
    {
        var current = Volatile.Read(ref _liveSenders);
        while (current > 0)
        {
            // Compare-and-swap rather than Increment: an increment from zero would resurrect a channel whose reader
            // may already have reported completion.
            var seen = Interlocked.CompareExchange(ref _liveSenders, current + 1, current);
            if (seen == current)
            {
                return true;
            }

            current = seen;
        }

        return false;
    }

    /// <summary>Marks the first counted sender, created together with the channel.</summary>
    public void AddFirstSender() => _liveSenders = 1;

    /// <summary>
    /// Releases a counted sender handle, recording <paramref name="error"/> if it is the first error. The handle must
    /// already refuse further sends (its state is changed under its lane lock before this is called).
    /// </summary>
    public void ReleaseSender(Exception? error)
    {
        if (error is not null)
        {
            // CAS: only the first error is kept, even when several handles complete with errors at once.
            Interlocked.CompareExchange(ref _completionError, error, null);
        }

        // Interlocked (release): every message this handle queued is published before the count can be seen to drop,
        // so a reader that observes zero and then looks at the lanes again cannot miss a message (the close race of
        // the original crate).
        if (Interlocked.Decrement(ref _liveSenders) == 0 && _listener is IWritersDoneListener writersDone)
        {
            // Only owners that count senders are told (a channel's receiver); the type test runs once per set.
            writersDone.OnWritersDone();
        }
    }

    /// <summary>Picks the next lane round-robin, creating it on first use.</summary>
    public Lane<T> AcquireLane()
    {
        // Interlocked: two handles created at once must get different lane numbers.
        var index = (int)((uint)(Interlocked.Increment(ref _handlesCreated) - 1) % (uint)_laneCount);

        // Before the lane is read or created: this handle never appends to a slot that a scan leaves out. Handles
        // created at once claim different slots; the count ends at the highest and never goes back.
        AtomicMax.RaiseTo(ref _lanesInUse, index + 1);
        if (index == 0)
        {
            // The set itself, created with it: nothing to publish.
            return this;
        }

        // CAS: handles racing to claim the first slot past 0 end up with one array. It is never replaced, so a lane
        // installed in it below is never lost (slot 0 is the set itself, so the array copies nothing).
        var lanes = Volatile.Read(ref _lanes);
        if (lanes is null)
        {
            var createdArray = new Lane<T>?[_laneCount];
            lanes = Interlocked.CompareExchange(ref _lanes, createdArray, null) ?? createdArray;
        }

        var lane = Volatile.Read(ref lanes[index]);
        if (lane is not null)
        {
            return lane;
        }

        // CAS: two handles racing to create the same lane must end up sharing one; the loser's lane is garbage. Padded:
        // lanes past the first are made one after another for senders on different threads (see PaddedLane).
        var created = new PaddedLane<T>(PoolsStorage);
        return Interlocked.CompareExchange(ref lanes[index], created, null) ?? created;
    }

    /// <summary>
    /// Gets how many lane slots, from the first, can hold a lane: handles take slots in order, so while fewer handles
    /// than slots exist the rest are empty and a scan can stop early (an actor told only through its own reference
    /// scans one slot, not all of them).
    /// </summary>
    /// <remarks>
    /// Read it at the start of every scan, after whatever fence the scan's protocol relies on. Every handle claims its
    /// slot (<see cref="AcquireLane"/> raises the count) before it reads or creates its lane, so before any append through it: a scan
    /// that must see an append (the "go idle, then look again" step, the close check after the last sender left) sees
    /// the claim too. Unlike the handle counter, which wraps after 2^32 handles, the claimed count only grows.
    /// </remarks>
    // Volatile: a fresh read at each scan, never one the JIT hoisted out of a caller's loop.
    public int LanesInUse => Volatile.Read(ref _lanesInUse);
}
