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
    protected static class StopRequest
    {
        public const int None = 0;

        /// <summary>Stop once the queued messages are handled (the mailbox is sealed: nothing new lands).</summary>
        public const int Graceful = 1;

        /// <summary>Stop after the current message; what is queued becomes dead letters.</summary>
        public const int Immediate = 2;
    }

    private readonly LaneReader<TMsg> _reader;

    /// <summary>Idle or scheduled (<see cref="Status"/>); see the type remarks. Starts scheduled: the spawn queues the first turn.</summary>
    private int _status = Status.Scheduled;

    /// <summary>The strongest stop asked for so far (<see cref="StopRequest"/>); only grows, by compare-and-swap.</summary>
    private int _stopRequest;

    protected ActorMailbox(ActorSystem system, ActorCell? parent, string name, SupervisionStrategy strategy, SpawnOptions options)
        : base(system, parent, name, strategy)
    {
        _reader = new LaneReader<TMsg>(new LaneSet<TMsg>(options.MailboxLanes, options.MailboxCapacity, this, options.MailboxOverflow == MailboxOverflow.DropOldest));
    }

    /// <summary>Gets the mailbox's lanes (the reader's; the mailbox keeps no second reference to them).</summary>
    public LaneSet<TMsg> Lanes => _reader.Set;

    /// <summary>Gets the lanes' single reader; only the running turn may use it.</summary>
    protected LaneReader<TMsg> Reader => _reader;

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
        if (Interlocked.CompareExchange(ref _status, Status.Scheduled, Status.Idle) != Status.Idle)
        {
            return false;
        }

        System.Scheduler.Schedule(this);
        return true;
    }

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
