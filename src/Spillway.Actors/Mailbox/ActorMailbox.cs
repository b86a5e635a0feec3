using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace Spillway.Actors;

/// <summary>
/// An actor's mailbox: its spillway lanes and their single reader, the idle/scheduled state that puts the actor on the
/// scheduler at most once at a time, the stop request (which also wants a turn), the running totals, and the seal,
/// close and drain of the lanes. <see cref="ActorCell{TMsg}"/> derives from it and adds the turn loop and the lifecycle.
/// </summary>
/// <remarks>
/// <para>
/// A base class of the cell, not an object the cell holds: an idle actor must stay within its memory budget (see
/// <c>IdleMemoryTests</c>), and a mailbox object of its own would add an object header and a reference to every
/// actor. As a base class it costs nothing: its fields are the ones the cell used to hold, and every call from the turn
/// into the mailbox is a non-virtual call on the same object.
/// </para>
/// <para>
/// Thread-safety: any thread tells (through <see cref="ActorRef{TMsg}"/>, which appends to a lane and calls
/// <see cref="ILaneListener.OnLaneFilled"/>, the one edge from the channel up into the runtime); exactly one worker at a
/// time runs the cell's turn, which is the only code that touches the reader. That exclusivity comes from
/// <see cref="_status"/>: whoever moves it from idle to scheduled queues the cell (<see cref="TrySchedule"/>), and only
/// the running turn moves it back to idle (<see cref="GoIdleThenLookAgain"/>).
/// </para>
/// <para>
/// The "go idle, then look again" step at the end of a turn: the worker stores idle with a full fence, then looks at
/// the lanes (and the stop request) again. A sender publishes its message under its lane lock and then tries
/// idle-to-scheduled by compare-and-swap, also a full fence. Whichever runs second sees the other's write, so a message
/// that lands just as the mailbox goes idle is never stranded.
/// </para>
/// </remarks>
internal abstract partial class ActorMailbox<TMsg> : ActorCell, ILaneListener
{
    /// <summary>The values of <see cref="_status"/>.</summary>
    private static class Status
    {
        /// <summary>No turn queued, running or suspended; the next message (or stop request) queues one.</summary>
        public const int Idle = 0;

        /// <summary>A turn is queued, running or suspended; senders only append.</summary>
        public const int Scheduled = 1;
    }

    /// <summary>The values of <see cref="_stopRequest"/>, in order of strength (the field only grows).</summary>
    private static class StopRequest
    {
        /// <summary>No stop asked for.</summary>
        public const int None = 0;

        /// <summary>Stop once the queued messages are handled (the mailbox is sealed: nothing new lands).</summary>
        public const int Graceful = 1;

        /// <summary>Stop after the current message; what is queued becomes dead letters.</summary>
        public const int Immediate = 2;
    }

    /// <summary>The reader, inline: a mutable struct, so never <see langword="readonly"/> and never copied (see <see cref="LaneReader{T}"/>).</summary>
    private LaneReader<TMsg> _reader;

    /// <summary>Idle or scheduled (<see cref="Status"/>); see the type remarks. Starts scheduled: the spawn queues the first turn.</summary>
    private int _status = Status.Scheduled;

    /// <summary>The strongest stop asked for so far (<see cref="StopRequest"/>); only grows, by compare-and-swap.</summary>
    private int _stopRequest;

    /// <summary>
    /// Messages handed to handlers so far (processed). Written only by the running turn, without interlocked operations
    /// (<see cref="CountProcessed"/>): one writer at a time, and successive turns on different workers are ordered by the
    /// idle/scheduled hand-off of <see cref="_status"/>. Read with <see cref="Volatile"/> by the metrics walk on another
    /// thread (a stale value there is only a collection that comes a little early). Once the actor has retired
    /// (<see cref="MailboxTotals.TryRetire"/>) no turn runs again, so nothing is added after its total was folded into
    /// its type's. (Sent needs no field of its own: the lanes count their appends, see <see cref="SentTotal"/>.)
    /// </summary>
    private long _processedTotal;

    /// <summary>
    /// Lane takes left before the next count-based lane-depth sample: zero means the next take is recorded (the first
    /// take always is), which sets it back to the interval minus one. Touched only by the running turn. 16 bits, so an
    /// idle cell is a word smaller: sampling intervals up to 65,536 (the internal option's values) sample exactly.
    /// </summary>
    private ushort _takesUntilSample;

    /// <summary>
    /// The low 16 bits of the system's <see cref="ActorMetrics.SampleEpoch"/> when this actor last recorded a lane depth;
    /// a take in a later epoch records whatever the count says, so a slow consumer is sampled at least once per epoch
    /// (second) in which it takes a lane. Touched only by the running turn. 16 bits: a wrap (an actor that took no lane
    /// for 65,536 epochs, then one in exactly the same residue) costs at most one missed sample.
    /// </summary>
    private ushort _sampledEpoch;

    protected ActorMailbox(ActorSystem system, ActorCell? parent, ActorName name, SupervisionStrategy strategy, SpawnOptions options)
        : base(system, parent, name, strategy)
    {
        // Not pooled: a mailbox lives long, and the process-wide pool of lane storage only helps channels that are created
        // and ended one after another (see Lane<T>.PoolsStorage).
        _reader = new LaneReader<TMsg>(new LaneSet<TMsg>(options.MailboxLanes, options.MailboxCapacity, this, options.MailboxOverflow == MailboxOverflow.DropOldest, poolsStorage: false));
    }

    /// <summary>Gets the mailbox's lanes (the reader's; the mailbox keeps no second reference to them).</summary>
    public LaneSet<TMsg> Lanes => _reader.Set;

    /// <summary>Gets the system's instruments.</summary>
    public ActorMetrics Metrics => System.Metrics;

    /// <summary>Gets whether a turn is queued, running or suspended. A racy snapshot from any thread other than the turn's.</summary>
    protected bool IsScheduled => Volatile.Read(ref _status) == Status.Scheduled;

    /// <summary>Gets whether an immediate stop was asked for (the turn ends after the current message).</summary>
    protected bool IsImmediateStopRequested => Volatile.Read(ref _stopRequest) == StopRequest.Immediate;

    /// <summary>Gets whether a graceful stop was asked for, and no immediate one.</summary>
    protected bool IsGracefulStopRequested => Volatile.Read(ref _stopRequest) == StopRequest.Graceful;

    /// <summary>Gets whether any stop was asked for.</summary>
    protected bool IsStopRequested => Volatile.Read(ref _stopRequest) != StopRequest.None;

    // Status first: a sender publishes its message, then schedules (see OnLaneFilled); a mailbox seen idle whose lanes
    // are then seen empty had no message waiting at the moment of the status read, unless one was being appended by
    // code that was itself running (which the quiescence scan sees as a busy mailbox or a changed total elsewhere).
    public override bool IsMailboxQuiet => IsStopped || (!IsScheduled && !Lanes.AnyLaneHasItems());

    /// <summary>
    /// Gets whether every message appended to the mailbox before this call has been handled (or dropped), so a barrier
    /// appended now needs no marks (see <see cref="ActorRef{TMsg}.Ask{TReply}"/>). Lanes first, then the status: a
    /// lane seen empty (a volatile read, so the status read cannot move before it) was emptied by a swap after every
    /// message the caller knows of, and that swap happened inside a turn that began by moving the status to scheduled
    /// (the read that saw the emptying synchronises with it). Idle after that means the turn ended, and a turn ends
    /// idle only when its reader holds nothing unread and no batch held behind a barrier; so nothing appended before
    /// is still to be handled. The other order would not do: a turn starting between the two reads could swap a
    /// message out and hold it unread behind another barrier, and a barrier without marks would overtake it.
    /// </summary>
    internal bool HasHandledEverythingAppended => !Lanes.AnyLaneHasItems() && Volatile.Read(ref _status) == Status.Idle;

    void ILaneListener.OnLaneFilled() =>
        // The one edge from the channel up into the runtime: a sender's lane went from empty to non-empty. The CAS in
        // TrySchedule is a full fence after the lane flag was published under the lane lock: exactly one of the senders
        // that find the mailbox idle queues it, and the fence pairs with the worker's "go idle, then look again".
        TrySchedule();

    /// <summary>
    /// Queues a turn if the mailbox is idle: the move from idle to scheduled, by compare-and-swap, so exactly one of the
    /// threads that find it idle (senders, a stop request, the trimmer, the turn that just went idle) queues it.
    /// </summary>
    /// <returns><see langword="true"/> when this call queued the turn.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    protected bool TrySchedule()
    {
        // CAS: of the threads that find the mailbox idle, exactly one wins and queues the turn (two turns must never
        // run at once); a full fence, which the "go idle, then look again" argument in the type remarks relies on.
        if (Interlocked.CompareExchange(ref _status, Status.Scheduled, Status.Idle) != Status.Idle)
        {
            return false;
        }

        System.Scheduler.Schedule(this);
        return true;
    }

    /// <summary>
    /// Queues the next turn of a mailbox that is already scheduled (it never went idle): the spawn's first turn, a turn
    /// that resumes after a suspension, another turn of a draining stop, or the turn that acts on a runtime failure. The
    /// caller owns the scheduled state, so the one-turn-at-a-time rule holds without a compare-and-swap.
    /// </summary>
    protected void ScheduleWhileScheduled() => System.Scheduler.Schedule(this);

    /// <summary>
    /// Queues the next turn of a turn that used its budget (it stays scheduled) behind everything already waiting, so
    /// that one busy mailbox cannot starve the others.
    /// </summary>
    protected void ScheduleBehindOthers() => System.Scheduler.ScheduleBehindOthers(this);

    /// <summary>
    /// Records a stop request: seals the lanes first (no new message lands; a graceful stop drains what is queued, an
    /// immediate one drops it at the close), then raises the request. Sealing now, rather than at the close, also ends
    /// at once the <see cref="ActorRef{TMsg}.TellAsync"/> calls waiting for room.
    /// </summary>
    protected void RecordStopRequest(bool graceful)
    {
        Lanes.Seal();

        // A graceful and an immediate request may race; the stronger one must win. A full fence: the caller's idle check
        // (TrySchedule) and a running turn's "look again" read the request after it is stored.
        AtomicMax.RaiseTo(ref _stopRequest, graceful ? StopRequest.Graceful : StopRequest.Immediate);
    }

    /// <summary>Forces an immediate stop request (a runtime failure in a turn: the actor must not stay wedged).</summary>
    protected void ForceImmediateStopRequest() =>
        // Interlocked: a sender's RequestStop may raise the request at the same time; immediate is the strongest anyway.
        Interlocked.Exchange(ref _stopRequest, StopRequest.Immediate);

    /// <summary>Gets whether the mailbox has a capacity: only then does a handled message give its room back.</summary>
    protected bool IsBounded => Lanes.IsBounded;

    /// <summary>
    /// Gets whether a message may be waiting: in the reader's batch, or in a lane (an unlocked look, a hint: the "go
    /// idle, then look again" step settles a message that lands after it).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    protected bool MayHaveMessages() => _reader.HasBuffered || Lanes.AnyLaneHasItems();

    /// <summary>Gets whether a lane holds messages (an unlocked look).</summary>
    protected bool HasQueuedMessages() => Lanes.AnyLaneHasItems();

    /// <summary>
    /// Gets whether a lane holds messages, looking under each lane lock: exact once the mailbox is sealed, where an
    /// append that was already inside a lane lock when the seal happened must still be seen.
    /// </summary>
    protected bool HasQueuedMessagesLocked() => Lanes.AnyLaneHasItemsLocked();

    /// <summary>
    /// Clears the used-up batch and, when bounded, gives its room back, as the reader's take path would: called by a
    /// turn that found nothing more to read, so a bounded mailbox gets its room back before the turn ends.
    /// </summary>
    protected void RecycleBatch() => _reader.Recycle();

    /// <summary>
    /// Gives back the room of the messages handled so far (bounded mailboxes), per message rather than per batch: a
    /// <see cref="ActorRef{TMsg}.TellAsync"/> waiting for room resumes as soon as one message is done. Touches no tag,
    /// so a failed handler's ask is still found afterwards.
    /// </summary>
    protected void ReleaseRoomOfHandled() => _reader.ReleaseRoomOfRead();

    /// <summary>
    /// Takes the ask whose request is the message read last, if it was one (the tag its request carries, never found
    /// by the message's equality). Call it before any other read: the tag belongs to the message read last.
    /// </summary>
    protected IPendingReply? TakeAskOfLastRead() => _reader.TakeTagOfLastRead() as IPendingReply;

    /// <summary>
    /// Reads the next message of the running turn's batch (inlined, one compare); when it returns
    /// <see langword="false"/>, <see cref="TryReadTakingLane"/> goes on from there.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    protected bool TryReadBuffered([MaybeNullWhen(false)] out TMsg message) => _reader.TryReadBuffered(out message);

    /// <summary>
    /// Reads the next message through the reader's slow path, which may take a lane (or resume a batch held behind a
    /// barrier); a lane taken is sampled for the lane-depth histogram here, in the mailbox, so the reader never calls
    /// back up.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    protected bool TryReadTakingLane([MaybeNullWhen(false)] out TMsg message)
    {
        var read = _reader.TryReadSlowInlined(out message, out var laneTaken);
        if (laneTaken != 0)
        {
            SampleLaneDepth(laneTaken);
        }

        return read;
    }

    /// <summary>
    /// A lane taken by the running turn (see the fields). With no listener this is all a take costs the metrics: a
    /// countdown, and one plain read of the system's epoch (no clock). Sampled: the first take, then one in the interval
    /// (see ActorMetrics.LaneDepthSampleInterval), and the first take of every epoch (second), so a slow consumer that
    /// takes few lanes is still seen. Sent is not counted here: the lanes count every append (see SentTotal).
    /// </summary>
    /// <remarks>
    /// Every take pays this (a ping-pong hop takes one lane), so the common case is kept to two loads from the system
    /// (<see cref="ActorSystem.LaneDepthEpoch"/>, a box the system holds directly, not through the metrics object) and a
    /// decrement; the metrics object and the actor's type tag are only touched by a take that is recorded.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void SampleLaneDepth(int count)
    {
        var epoch = (ushort)System.LaneDepthEpoch.Value;
        if (_takesUntilSample == 0 || epoch != _sampledEpoch)
        {
            RecordLaneDepth(count, epoch);
            return;
        }

        _takesUntilSample--;
    }

    /// <summary>Records a sampled lane take and starts the countdown to the next count-based sample.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void RecordLaneDepth(int count, ushort epoch)
    {
        var metrics = Metrics;
        _sampledEpoch = epoch;
        _takesUntilSample = (ushort)metrics.LaneDepthSampleMask;
        if (metrics.MeasureLaneDepth)
        {
            metrics.RecordLaneDepth(count, TypeTag);
        }
    }

    /// <summary>Counts one processed message and returns the new total; called only by the running turn (the one writer).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    protected long CountProcessed()
    {
        var sum = _processedTotal + 1;
        if (IntPtr.Size == 8)
        {
            // A plain store: on 64-bit it is atomic, so the metrics walk reads the old total or the new one. (The size
            // test is a JIT-time constant.)
            _processedTotal = sum;
        }
        else
        {
            // Volatile: on 32-bit a plain long store is two stores, and the metrics walk could read half of each.
            Volatile.Write(ref _processedTotal, sum);
        }

        return sum;
    }

    /// <summary>
    /// The end of a turn that ran out of messages: goes idle, then looks again at the lanes and the stop request, and
    /// queues the next turn itself if either wants one (see the type remarks). Called only by the running turn.
    /// </summary>
    /// <param name="processed">The messages the ending turn handled (a trim turn handles none).</param>
    protected void GoIdleThenLookAgain(int processed)
    {
        // Storage a burst left behind is given back after a second of idleness (see MailboxTrimmer). One compare for a
        // mailbox whose storage never went over the keep, such as a ping-pong's.
        if (_reader.LargestStorageSeen > IdleKeepElements)
        {
            GoingIdleWithLargeStorage(processed);
        }

        // Interlocked.Exchange is the full fence that orders the idle store before the lane reads; a plain store could
        // be reordered after them and strand a message.
        Interlocked.Exchange(ref _status, Status.Idle);
        if (Lanes.AnyLaneHasItems() || IsStopRequested)
        {
            TrySchedule();
        }
    }
}
