using System.Diagnostics;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Spillway.Actors;

/// <summary>
/// An actor's mailbox and turn loop: a spillway lane set, the idle/scheduled state that puts it on the scheduler at
/// most once at a time, and the lifecycle (start, supervision, stop).
/// </summary>
/// <remarks>
/// <para>
/// Thread-safety: any thread tells (through <see cref="ActorRef{TMsg}"/>, which appends to a lane and calls
/// <see cref="ILaneListener.OnLaneFilled"/>); exactly one worker at a time runs <see cref="Execute"/>, which is the only
/// code that touches the reader, the actor instance and the lifecycle fields. That exclusivity comes from
/// <see cref="_status"/>: whoever moves it from idle to scheduled queues the cell, and only the running turn moves it
/// back to idle.
/// </para>
/// <para>
/// The "go idle, then look again" step at the end of a turn: the worker stores idle with a full fence, then looks at
/// the lanes again. A sender publishes its message under its lane lock and then tries idle-to-scheduled by
/// compare-and-swap, also a full fence. Whichever runs second sees the other's write, so a message that lands just as
/// the mailbox goes idle is never stranded.
/// </para>
/// </remarks>
internal sealed class ActorCell<TMsg> : ActorCell, ILaneListener, ITrimmableMailbox
{
    private const int Idle = 0;
    private const int Scheduled = 1;

    private const int NoStop = 0;
    private const int GracefulStop = 1;
    private const int ImmediateStop = 2;

    private const int PhaseNeedsStart = 0;
    private const int PhaseRunning = 1;
    private const int PhaseStopping = 2;
    private const int PhaseStopped = 3;

    /// <summary>How many times a turn that ran dry looks at the lanes again before ending (see <see cref="AwaitMoreBriefly"/>).</summary>
    private const int IdleSpinChecks = 8;

    /// <summary>The pause between those looks, in <see cref="Thread.SpinWait(int)"/> iterations (a fraction of a microsecond).</summary>
    private const int IdleSpinIterations = 32;

    /// <summary>One message in this many is timed for <c>spillway.actor.process.duration</c> (a power of two).</summary>
    internal const int DurationSampleInterval = 64;

    /// <summary>
    /// Mailbox storage an idle actor keeps untrimmed, in messages per array. A constant, not a per-type static: the check
    /// on the way to idle must stay one compare in code shared by every reference message type.
    /// </summary>
    internal const int IdleKeepElements = 32;

    private const int TrimNone = 0;
    private const int TrimWatched = 1;
    private const int TrimDue = 2;

    /// <summary>
    /// Where the mailbox stands with the system's <see cref="MailboxTrimmer"/>: not watched, watched (it went idle with
    /// storage over <see cref="IdleKeepElements"/>), or due (the trimmer queued a trim turn). Written by the turn, and by
    /// the trimmer only right after it won the idle-to-scheduled compare-and-swap, when no turn can run until it queues
    /// one; so every write is ordered with the turns by the <see cref="_status"/> hand-off. A byte (never touched by
    /// interlocked operations) so an idle cell is a word smaller.
    /// </summary>
    private byte _trimState;

    private readonly LaneReader<TMsg> _reader;
    /// <summary>A <see cref="Func{TResult}"/> given to a spawn, or an <see cref="ActorFactory{TMsg}"/> for spawns by type; stored as given so a spawn allocates no wrapper.</summary>
    private readonly Delegate _factory;

    /// <summary>
    /// The actor's context, created on first use (<see cref="Context"/>): an actor that never asks for its context (nor
    /// spawns, watches or schedules through it) carries none.
    /// </summary>
    private ActorContext<TMsg>? _context;

    /// <summary>Idle or scheduled; see the type remarks. Starts scheduled: the spawn queues the first turn.</summary>
    private int _status = Scheduled;

    /// <summary>The strongest stop asked for so far; only grows, by compare-and-swap.</summary>
    private int _stopRequest;

    /// <summary>Lifecycle phase; written only by the running turn (volatile for <see cref="IsStopped"/> readers).</summary>
    private volatile int _phase;

    private Actor<TMsg>? _actor;

    /// <summary>
    /// The dependency-injection scope of the current instance and the restart times, created on first use (an actor
    /// spawned by type with scoped services, or one that restarted), so an idle actor with neither carries one field.
    /// Touched only by the turn (and the spawning thread before the first turn), like the fields it replaces.
    /// </summary>
    private RareState? _rare;

    /// <summary>
    /// The state of a turn suspended on a pending task, created on the first suspension only, so an actor whose
    /// handlers complete synchronously never pays for it. Touched only by the turn and its resumption.
    /// </summary>
    private Suspension? _suspension;

    /// <summary>
    /// Messages handed to handlers so far (processed). Written only by the running turn, without interlocked operations
    /// (<see cref="AddToTotal"/>): one writer at a time, and successive turns on different workers are ordered by the
    /// idle/scheduled hand-off of <see cref="_status"/>. Read with <see cref="Volatile"/> by the metrics walk on another
    /// thread (a stale value there is only a collection that comes a little early). Once the actor has retired
    /// (<see cref="MailboxTotals.TryRetire"/>) no turn runs again, so nothing is added after its total was folded into
    /// its type's. Also picks the messages whose handler is timed (one in <see cref="DurationSampleInterval"/>). (Sent
    /// needs no field of its own: the lanes count their appends, see <see cref="SentTotal"/>.)
    /// </summary>
    private long _processedTotal;

    /// <summary>
    /// Lanes taken so far, for lane-depth sampling (wraps harmlessly); touched only by the running turn. 16 bits, so an
    /// idle cell is a word smaller: sampling intervals up to 65,536 (the internal option's values) sample exactly.
    /// </summary>
    private ushort _lanesTaken;

    /// <summary>
    /// The low 16 bits of the system's <see cref="ActorMetrics.SampleEpoch"/> when this actor last recorded a lane depth;
    /// a take in a later epoch records whatever the count says, so a slow consumer is sampled at least once per epoch
    /// (second) in which it takes a lane. Touched only by the running turn. 16 bits: a wrap (an actor that took no lane
    /// for 65,536 epochs, then one in exactly the same residue) costs at most one missed sample.
    /// </summary>
    private ushort _sampledEpoch;

    public ActorCell(ActorSystem system, ActorCell? parent, string name, SupervisionStrategy strategy, SpawnOptions options, Delegate factory)
        : base(system, parent, name, strategy)
    {
        _reader = new LaneReader<TMsg>(new LaneSet<TMsg>(options.MailboxLanes, options.MailboxCapacity, this, options.MailboxOverflow == MailboxOverflow.DropOldest));
        _factory = factory;
        Self = new ActorRef<TMsg>(this);
    }

    /// <summary>Gets the mailbox's lane set (the reader's; the cell keeps no second reference to it).</summary>
    public LaneSet<TMsg> Set => _reader.Set;

    /// <summary>Gets the system's instruments.</summary>
    public ActorMetrics Metrics => System.Metrics;

    public ActorRef<TMsg> Self { get; }

    /// <summary>Gets the actor's context, creating it on first use; one instance for the cell's lifetime, from any thread.</summary>
    public ActorContext<TMsg> Context => Volatile.Read(ref _context) ?? CreateContext();

    public override Type ActorType => _actor?.GetType() ?? typeof(Actor<TMsg>);

    public override bool IsStopped => _phase == PhaseStopped;

    public override bool IsTurnInProgress => !IsStopped && Volatile.Read(ref _status) == Scheduled;

    // Status first: a sender publishes its message, then schedules (see OnLaneFilled); a mailbox seen idle whose lanes
    // are then seen empty had no message waiting at the moment of the status read, unless one was being appended by
    // code that was itself running (which the quiescence scan sees as a busy mailbox or a changed total elsewhere).
    public override bool IsMailboxQuiet => IsStopped || (Volatile.Read(ref _status) == Idle && !Set.AnyLaneHasItems());

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
    internal bool HasHandledEverythingAppended => !Set.AnyLaneHasItems() && Volatile.Read(ref _status) == Idle;

    /// <summary>Builds the first instance on the spawning thread, so a constructor failure is the caller's exception.</summary>
    public void CreateFirstInstance()
    {
        CreateInstance();
        TypeForTag = _actor!.GetType();
    }

    /// <summary>
    /// Retires a cell whose spawn failed after it was registered (its constructor threw, or a shutdown refused it):
    /// nothing runs for it ever, and a stop or shutdown that took it in a snapshot meanwhile finds it stopped instead
    /// of waiting for it forever. Children its constructor spawned are stopped first. Called on the spawning thread,
    /// before any turn was queued, so it owns the cell.
    /// </summary>
    public void AbandonUnstarted()
    {
        _phase = PhaseStopped;
        try
        {
            // Messages its constructor told itself (or that another thread told through a leaked reference) are dead letters.
            CloseMailboxAndReportDropped(includeBatch: false, System.IsShuttingDown ? DeadLetterReason.SystemShutdown : DeadLetterReason.ActorStopped);
            var children = CloseChildren();
            if (children.Length == 0)
            {
                SignalStopped();
                return;
            }

            var stops = new Task[children.Length];
            for (var i = 0; i < children.Length; i++)
            {
                children[i].RequestStop(graceful: false);
                stops[i] = children[i].Completion;
            }

            // The children's stops never fault (their completion is a plain signal).
            _ = Task.WhenAll(stops).ContinueWith(static (_, cell) => ((ActorCell<TMsg>)cell!).SignalStopped(), this, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
        catch (Exception error)
        {
            LogStepFailed(error, "the clean-up of a failed spawn");
            SignalStopped();
        }
    }

    /// <summary>Queues the first turn, which runs <see cref="Actor{TMsg}.OnStartedAsync"/>.</summary>
    public void ScheduleFirstTurn() => System.Scheduler.Schedule(this);

    /// <summary>A message could not be queued: it becomes a dead letter.</summary>
    /// <returns>Why it was not queued.</returns>
    public DeadLetterReason OnRejected(TMsg message, AppendOutcome outcome)
    {
        var reason = ReasonFor(outcome);
        System.PublishDeadLetter(message, Path, reason, TypeTag);
        return reason;
    }

    /// <summary>
    /// A message a full mailbox dropped to make room (<see cref="MailboxOverflow.DropOldest"/>): a dead letter with
    /// <see cref="DeadLetterReason.MailboxFull"/>, and the ask whose request it was (its <paramref name="tag"/>) fails.
    /// Called by the teller, outside every lock.
    /// </summary>
    public void OnDroppedOldest(TMsg message, object? tag)
    {
        System.PublishDeadLetter(message, Path, DeadLetterReason.MailboxFull, TypeTag);
        if (tag is IPendingReply ask)
        {
            ask.FailUndelivered(Path, DeadLetterReason.MailboxFull);
        }
    }

    /// <summary>
    /// A <see cref="ActorRef{TMsg}.TellAsync"/> waiting for room was refused: the mailbox was sealed or closed (the actor
    /// stops, or the system shuts down) before the message could land. A dead letter, as a refused tell is. Called by
    /// whoever ended the wait (the writer-waiter pass), outside every lock; must not throw, since the rest of that pass
    /// still has waiters to complete.
    /// </summary>
    public void OnWaitingTellRefused(TMsg message)
    {
        try
        {
            OnRejected(message, AppendOutcome.Closed);
        }
        catch (Exception error)
        {
            LogStepFailed(error, "the report of a dead letter");
        }
    }

    public override void RequestStop(bool graceful)
    {
        // Either stop takes no new message: a graceful one drains what is queued, an immediate one drops it at the close.
        // Sealing now (rather than at the close) also ends at once the TellAsync calls waiting for room, which would
        // otherwise wait for the current handler to return.
        Set.Seal();

        // A graceful and an immediate request may race; the stronger one must win.
        AtomicMax.RaiseTo(ref _stopRequest, graceful ? GracefulStop : ImmediateStop);

        if (!graceful)
        {
            // An immediate stop does not wait out a restart backoff. Read after the request is stored (RaiseTo's CAS is
            // a full fence): pairs with WaitOutBackoffAsync, which publishes its cancellation and then reads the request,
            // so either it sees this stop or this read sees its cancellation. (A graceful stop drains, so it lets the
            // restart happen and the new instance handle what is queued.)
            Volatile.Read(ref _suspension)?.CancelBackoff();
        }

        // CAS (full fence after the request is stored): if the mailbox is idle, queue a turn to act on the request; if
        // a turn is running, its "look again" step reads the request after storing idle.
        if (Interlocked.CompareExchange(ref _status, Scheduled, Idle) == Idle)
        {
            System.Scheduler.Schedule(this);
        }
    }

    public IDisposable StartTimer(TMsg message, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new ActorTimer<TMsg>(this, message, period != Timeout.InfiniteTimeSpan);
        AddTimer(timer); // Throws, before the timer is armed, once the actor's stop has cancelled its timers for good.
        timer.Start(System.TimeProvider, dueTime, period);
        return timer;
    }

    void ILaneListener.OnLaneFilled()
    {
        // CAS (a full fence after the lane flag was published under the lane lock): exactly one of the senders that
        // find the mailbox idle queues it, and the fence pairs with the worker's "go idle, then look again".
        if (Interlocked.CompareExchange(ref _status, Scheduled, Idle) == Idle)
        {
            System.Scheduler.Schedule(this);
        }
    }

    void ILaneListener.OnLaneTaken(int count)
    {
        // On the turn's thread (see the fields). With no listener this is all a take costs the metrics: a count, and
        // one plain read of the system's epoch (no clock). Sampled: the first take, then one in the interval (see
        // ActorMetrics.LaneDepthSampleInterval), and the first take of every epoch (second), so a slow consumer that
        // takes few lanes is still seen. Sent is not counted here: the lanes count every append (see SentTotal).
        var metrics = Metrics;
        var epoch = (ushort)metrics.SampleEpoch;
        if ((_lanesTaken++ & (uint)metrics.LaneDepthSampleMask) == 0 || epoch != _sampledEpoch)
        {
            _sampledEpoch = epoch;
            metrics.RecordLaneDepth(count, TypeTag);
        }
    }

    /// <summary>Gets a racy snapshot of the messages waiting in this mailbox (lanes and the current batch), for the queued gauge.</summary>
    public override long QueuedCount => IsStopped ? 0 : Set.CountQueuedInLanes() + _reader.BufferedCount;

    /// <summary>
    /// Gets every message appended to this mailbox's lanes so far: the sum of the lanes' own append counts, read when a
    /// collector asks, so a tell pays nothing for it and a message counts as sent the moment it is queued (a consumer
    /// that falls behind shows its senders' rate, not its own). Lanes only grow in number and their counts only grow;
    /// each count is a volatile read of a value its appender stored under the lane lock. Messages a close or a full
    /// mailbox later drops were appended, so they are in here already. Once the mailbox is closed (every stop closes it
    /// before the actor retires) no lane counts another append, so the total folded at retirement is final.
    /// </summary>
    public override long SentTotal
    {
        get
        {
            var set = Set;
            var total = 0L;
            var inUse = set.LanesInUse;
            for (var i = 0; i < inUse; i++)
            {
                total += set.LaneAt(i)?.AppendedCount ?? 0;
            }

            return total;
        }
    }

    // Volatile read: the metrics walk runs on a collector's thread while the turn writes the total; Volatile reads the
    // long whole (on 32-bit too) and fresh, never a value the JIT kept from an earlier read.
    public override long ProcessedTotal => Volatile.Read(ref _processedTotal);

    void ILaneListener.OnWritersDone()
    {
        // References are not counted: a mailbox closes when its actor stops, never because references went away.
    }

    public override void Execute(SchedulerWorker? worker)
    {
        try
        {
            RunTurn(worker);
        }
        catch (Exception error)
        {
            // RunTurn catches user failures itself; reaching here is a runtime bug. Keep the worker alive, and rather
            // than leave the actor wedged (scheduled forever, so never stopped and shutdown never done), ask for an
            // immediate stop and queue the turn that performs it. The mailbox is still scheduled (this turn never went
            // idle), so queuing it here keeps the one-turn-at-a-time rule.
            Log.WorkItemFailed(System.Logger, error);
            if (_phase < PhaseStopping)
            {
                Interlocked.Exchange(ref _stopRequest, ImmediateStop);
                System.Scheduler.Schedule(this);
            }
        }
    }

    public override string ToString() => Path;

    /// <summary>Adds to one of the running totals and returns the new total; called only by the running turn (the one writer).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static long AddToTotal(ref long total, long value)
    {
        var sum = total + value;
        if (IntPtr.Size == 8)
        {
            // A plain store: on 64-bit it is atomic, so the metrics walk reads the old total or the new one. (The size
            // test is a JIT-time constant.)
            total = sum;
        }
        else
        {
            // Volatile: on 32-bit a plain long store is two stores, and the metrics walk could read half of each.
            Volatile.Write(ref total, sum);
        }

        return sum;
    }

    protected override void SealMailbox() => Set.Seal();

    protected override void ForceCloseMailbox()
    {
        if (IsStopped)
        {
            return;
        }

        // A turn suspended on a handler that never completes can be claimed (CAS, against its resumption): then the
        // reader's batch is ours too and the actor is declared stopped here. Otherwise (a turn running, or blocked in
        // a synchronous handler) only the lanes are safe to empty from this thread; the turn reports its batch itself
        // if the handler ever returns. Close runs its drop pass once, so nothing is reported twice.
        var claimed = Volatile.Read(ref _suspension) is { } suspension
            && Interlocked.CompareExchange(ref suspension.State, Suspension.Abandoned, Suspension.Waiting) == Suspension.Waiting;
        CloseMailboxAndReportDropped(includeBatch: claimed, DeadLetterReason.SystemShutdown, abandonCurrent: claimed);
        if (claimed)
        {
            MarkStopped();
        }
    }

    /// <summary>
    /// Closes the mailbox and turns what it still holds into dead letters: the lanes always, the reader's current
    /// batch only when the caller owns the turn. The asks whose requests are dropped fail at once
    /// (<see cref="DeadLetterException"/>), found by the tags their requests carry, never by the message's equality.
    /// </summary>
    /// <param name="includeBatch">The caller owns the turn: the reader's unread batch is dropped too.</param>
    /// <param name="reason">The dead letters' reason.</param>
    /// <param name="abandonCurrent">
    /// The message whose handler is still pending will never be finished (a shutdown gave up on it): its ask fails too.
    /// </param>
    /// <remarks>
    /// Part of every stop path, so it cannot throw: each step that may run user code (a dead-letter handler) or a
    /// listener (metrics) is isolated, and its failure logged.
    /// </remarks>
    private void CloseMailboxAndReportDropped(bool includeBatch, DeadLetterReason reason, bool abandonCurrent = false)
    {
        var dropped = new List<TMsg>();
        var droppedAsks = new List<object>();
        try
        {
            if (abandonCurrent && _reader.TakeTagOfLastRead() is { } current)
            {
                droppedAsks.Add(current);
            }

            if (includeBatch)
            {
                _reader.DrainBufferedTo(dropped, droppedAsks);
            }
        }
        catch (Exception error)
        {
            LogStepFailed(error, "the drop of its current batch");
        }

        try
        {
            // The dropped messages are already counted as sent: their lanes counted them when they were appended.
            Set.Close(dropped, droppedAsks);
        }
        catch (Exception error)
        {
            LogStepFailed(error, "the close of its mailbox");
        }

        foreach (var message in dropped)
        {
            try
            {
                System.PublishDeadLetter(message, Path, reason, TypeTag);
            }
            catch (Exception error)
            {
                LogStepFailed(error, "the report of a dead letter");
            }
        }

        // A dropped request of an ask fails that ask now rather than at its timeout. Completing a reply runs no
        // continuation here (replies complete asynchronously), and no lock is held.
        foreach (var ask in droppedAsks)
        {
            try
            {
                ((IPendingReply)ask).FailUndelivered(Path, reason);
            }
            catch (Exception error)
            {
                LogStepFailed(error, "the failing of an ask whose request was dropped");
            }
        }
    }

    /// <summary>The last step of every stop: stopped, counted once, watchers told, stop waiters released.</summary>
    /// <remarks>Cannot throw, and always releases the stop waiters: each step is isolated.</remarks>
    private void MarkStopped()
    {
        _phase = PhaseStopped;
        try
        {
            System.OnActorStopped(this);
        }
        catch (Exception error)
        {
            LogStepFailed(error, "the bookkeeping of its stop");
        }

        try
        {
            ReleaseRelations();
        }
        catch (Exception error)
        {
            LogStepFailed(error, "the release of its watches and watchers");
        }

        SignalStopped();
    }

    private void ObserveAbandoned(ConfiguredValueTaskAwaitable.ConfiguredValueTaskAwaiter awaiter)
    {
        try
        {
            awaiter.GetResult();
        }
        catch (Exception error)
        {
            Log.HookFailed(System.Logger, error, Path, "a handler that completed after the shutdown gave up on it");
        }
    }

    /// <summary>Runs one turn: the lifecycle steps that are due, then up to a turn's budget of messages.</summary>
    /// <remarks>
    /// Everything but the message loop is out of line (<see cref="PrepareTurn"/>, <see cref="RecoverFrom"/>): the
    /// lifecycle steps await async methods, and inlined here their state machines made this method's frame several
    /// times larger, which every one-message turn (the ping-pong path) paid for in its prologue.
    /// </remarks>
    private void RunTurn(SchedulerWorker? worker)
    {
        if ((_phase != PhaseRunning || _suspension is { Failure: not null } || Volatile.Read(ref _stopRequest) == ImmediateStop)
            && !PrepareTurn())
        {
            return;
        }

        // Read once per turn, not per message: an unbounded mailbox pays nothing for the per-message release below.
        var bounded = Set.IsBounded;
        var processed = 0;
        var turnSize = System.TurnSize;
        while (processed < turnSize)
        {
            if (processed != 0 && !_reader.HasBuffered && !Set.AnyLaneHasItems())
            {
                // The batch is used up and no lane holds more (the unlocked hint; EndTurn looks again after going idle).
                // Measured: settling this with the light lane scan instead of the reader's full take path saves about a
                // tenth of a one-message turn, the ping-pong case. Recycle as the take path would: a bounded mailbox gets
                // its room back before the turn ends.
                _reader.Recycle();
                if (!AwaitMoreBriefly(worker))
                {
                    break;
                }

                continue;
            }

            if (!_reader.TryRead(out var message))
            {
                if (!AwaitMoreBriefly(worker))
                {
                    break;
                }

                continue;
            }

            processed++;
            var total = AddToTotal(ref _processedTotal, 1);

            // Sampled: timing every message would cost two clock reads and a histogram record each, several times the
            // cost of the message itself under a collecting SDK. One in DurationSampleInterval (the 64th, 128th, ...
            // message this actor handles) keeps the distribution.
            // The sample test first: whether a listener wants durations is a chain of dependent loads, worth skipping
            // on the 63 messages in 64 that are not sampled anyway.
            var started = (total & (DurationSampleInterval - 1)) == 0 && Metrics.MeasureDuration ? Stopwatch.GetTimestamp() : 0;
            ValueTask pending;
            try
            {
                pending = _actor!.InvokeReceiveAsync(message);
            }
            catch (Exception error)
            {
                if (RecoverFrom(error))
                {
                    return;
                }

                continue;
            }

            if (!pending.IsCompleted)
            {
                Suspend(pending, handler: true, started);
                return;
            }

            try
            {
                // Consumed even when successful: a pooled IValueTaskSource behind the ValueTask is only recycled then.
                pending.GetAwaiter().GetResult();
                if (started != 0)
                {
                    Metrics.RecordDuration(Stopwatch.GetElapsedTime(started).TotalSeconds, TypeTag);
                }
            }
            catch (Exception error)
            {
                if (RecoverFrom(error))
                {
                    return;
                }
            }

            if (bounded)
            {
                // Room comes back per message handled, not per lane batch: a TellAsync waiting for room resumes as soon
                // as one message is done, not when the turn has worked through the whole batch.
                _reader.ReleaseRoomOfRead();
            }

            if (Volatile.Read(ref _stopRequest) == ImmediateStop)
            {
                break;
            }
        }

        EndTurn(processed);
    }

    /// <summary>
    /// The lifecycle steps a turn may owe before its messages: a failure left by a suspended handler, the start, a
    /// stop. Returns <see langword="true"/> when the turn goes on to its messages.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool PrepareTurn()
    {
        if (_suspension?.Failure is { } failure)
        {
            _suspension.Failure = null;
            FailAskOfCurrentMessage(failure);
            if (Await(HandleFailureAsync(failure)))
            {
                return false;
            }
        }

        if (_phase == PhaseNeedsStart)
        {
            _phase = PhaseRunning;
            if (Await(StartAsync()))
            {
                return false;
            }
        }

        if (_phase >= PhaseStopping)
        {
            return false;
        }

        if (Volatile.Read(ref _stopRequest) == ImmediateStop)
        {
            Await(StopAsync());
            return false;
        }

        return true;
    }

    /// <summary>Applies the supervision strategy to a handler's failure; returns <see langword="true"/> when the turn must end.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool RecoverFrom(Exception error)
    {
        FailAskOfCurrentMessage(error);
        return Await(HandleFailureAsync(error)) || _phase >= PhaseStopping;
    }

    /// <summary>
    /// The handler of the message read last threw: if that message is an ask's request, the ask fails now with the
    /// handler's exception rather than at its timeout. Called before any other call on the reader (the tag belongs to
    /// the message read last), and only on this failure path: a message that is handled costs nothing here.
    /// </summary>
    private void FailAskOfCurrentMessage(Exception error)
    {
        if (_reader.TakeTagOfLastRead() is IPendingReply ask)
        {
            ask.FailFromHandler(error);
        }
    }

    /// <summary>
    /// Before giving up a turn for lack of messages, and only when no other mailbox waits for a worker, looks at the
    /// lanes a few times over a microsecond or two. A sender in the middle of a burst usually lands its next message in
    /// that window, which saves the mailbox a round trip through idle, a reschedule and a worker wake-up.
    /// </summary>
    /// <returns><see langword="true"/> when a lane now holds messages.</returns>
    private bool AwaitMoreBriefly(SchedulerWorker? worker)
    {
        if (!(worker?.IsQuiet ?? System.Scheduler.IsQuiet) || Volatile.Read(ref _stopRequest) != NoStop)
        {
            return false;
        }

        for (var check = 0; check < IdleSpinChecks; check++)
        {
            Thread.SpinWait(IdleSpinIterations);
            if (Set.AnyLaneHasItems())
            {
                return true;
            }
        }

        return false;
    }

    private void EndTurn(int processed)
    {
        var stop = Volatile.Read(ref _stopRequest);
        if (processed == System.TurnSize || stop == ImmediateStop)
        {
            // The turn used its budget (or a stop is due): yield the worker and queue again behind everyone else,
            // staying scheduled.
            System.Scheduler.Yield(this);
            return;
        }

        if (stop == GracefulStop)
        {
            EndTurnDraining();
            return;
        }

        // Storage a burst left behind is given back after a second of idleness (see MailboxTrimmer). One compare for a
        // mailbox whose storage never went over the keep, such as a ping-pong's.
        if (_reader.LargestStorageSeen > IdleKeepElements)
        {
            GoingIdleWithLargeStorage(processed);
        }

        // Go idle, then look again (see the type remarks). Interlocked.Exchange is the full fence that orders the idle
        // store before the lane reads; a plain store could be reordered after them and strand a message.
        Interlocked.Exchange(ref _status, Idle);
        if ((Set.AnyLaneHasItems() || Volatile.Read(ref _stopRequest) != NoStop)
            && Interlocked.CompareExchange(ref _status, Scheduled, Idle) == Idle)
        {
            System.Scheduler.Schedule(this);
        }
    }

    /// <summary>
    /// A turn goes idle holding storage over the keep: the trim turn the trimmer queued gives it back (if it found no
    /// message: an actor busy again keeps its storage); otherwise the mailbox asks to be watched, once.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void GoingIdleWithLargeStorage(int processed)
    {
        if (_trimState == TrimDue)
        {
            _trimState = TrimNone;

            // We own the reader (the turn); a lane that is not empty keeps its storage, and the next idle watches again.
            if (processed == 0 && _reader.TrimStorage(IdleKeepElements, keepWeakly: false))
            {
                return;
            }
        }

        if (_trimState == TrimNone)
        {
            _trimState = TrimWatched;
            System.MailboxTrimmer.Watch(this);
        }
    }

    long ITrimmableMailbox.ActivityCount => ProcessedTotal;

    bool ITrimmableMailbox.TryScheduleTrim()
    {
        // CAS, as a sender's wake-up does: only an idle mailbox gets the trim turn, and whoever wins idle-to-scheduled
        // queues the next turn, so no turn runs (and none reads _trimState) until the Schedule below publishes it.
        if (Interlocked.CompareExchange(ref _status, Scheduled, Idle) != Idle)
        {
            return false;
        }

        _trimState = TrimDue;
        System.Scheduler.Schedule(this);
        return true;
    }

    /// <summary>Gets how many messages the mailbox storage can hold: the reader's batch plus every lane. Test-only.</summary>
    internal long StorageElementsForTest
    {
        get
        {
            long elements = _reader.StorageLength;
            foreach (var lane in Set.Lanes)
            {
                elements += lane?.StorageLength ?? 0;
            }

            return elements;
        }
    }

    /// <summary>Ends a turn of an actor stopping gracefully: another turn while messages remain, else the stop.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void EndTurnDraining()
    {
        // Sealed before the request was stored, so nothing new can land; the locked look catches an append that was
        // already inside a lane lock when the seal happened.
        if (Set.AnyLaneHasItemsLocked())
        {
            System.Scheduler.Schedule(this);
        }
        else
        {
            Await(StopAsync());
        }
    }

    /// <summary>Returns <see langword="true"/> when <paramref name="operation"/> is pending: the turn must end now and resumes later.</summary>
    private bool Await(ValueTask operation)
    {
        if (operation.IsCompleted)
        {
            operation.GetAwaiter().GetResult();
            return false;
        }

        Suspend(operation, handler: false, started: 0);
        return true;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Suspend(ValueTask operation, bool handler, long started)
    {
        var suspension = _suspension ??= new Suspension(this);
        suspension.AwaitingHandler = handler;
        suspension.HandlerStarted = started;
        suspension.Awaiter = operation.ConfigureAwait(false).GetAwaiter();

        // Volatile (release): publishes the fields above before a forced shutdown can claim this suspension.
        Volatile.Write(ref suspension.State, Suspension.Waiting);

        // After this call another worker may already be running the resumed turn: touch no field afterwards.
        suspension.Awaiter.UnsafeOnCompleted(suspension.Resume);
    }

    private void Resume(Suspension suspension)
    {
        // CAS: the resumption and a forced shutdown race to own the suspended turn; a shutdown that won has already
        // reported this actor's messages as dead letters and stopped it, so the late completion is only observed.
        if (Interlocked.CompareExchange(ref suspension.State, Suspension.Resumed, Suspension.Waiting) != Suspension.Waiting)
        {
            ObserveAbandoned(suspension.Awaiter);
            return;
        }

        var awaiter = suspension.Awaiter;
        suspension.Awaiter = default;
        try
        {
            awaiter.GetResult();
            if (suspension.AwaitingHandler && suspension.HandlerStarted != 0)
            {
                Metrics.RecordDuration(Stopwatch.GetElapsedTime(suspension.HandlerStarted).TotalSeconds, TypeTag);
            }
        }
        catch (Exception error) when (suspension.AwaitingHandler)
        {
            suspension.Failure = error;
        }
        catch (Exception error)
        {
            Log.WorkItemFailed(System.Logger, error);
        }

        if (suspension.AwaitingHandler && Set.IsBounded)
        {
            // The handler's message is done (or failed): its room comes back now, as in the turn loop. This resumption
            // owns the turn (the CAS above), so the reader is ours; the release touches no tag, so a failure's ask is
            // still found by the next turn.
            _reader.ReleaseRoomOfRead();
        }

        // The pending task was the stop itself, now done: no turn is owed. (Queuing one anyway would leave a work item
        // that outlives the stop, and on the .NET thread pool keeps the stopped actor and its system reachable.)
        if (_phase == PhaseStopped)
        {
            return;
        }

        // Still scheduled: the mailbox never went idle while the task was pending, so no other turn ran meanwhile.
        System.Scheduler.Schedule(this);
    }

    private async ValueTask StartAsync()
    {
        try
        {
            await _actor!.InvokeStartedAsync().ConfigureAwait(false);
            if (System.Logger.IsEnabled(LogLevel.Debug))
            {
                // Guarded: the path is built per call, and most systems do not log at this level.
                Log.ActorStarted(System.Logger, Path);
            }
        }
        catch (Exception error)
        {
            await HandleFailureAsync(error).ConfigureAwait(false);
        }
    }

    private async ValueTask HandleFailureAsync(Exception error)
    {
        while (true)
        {
            var directive = Decide(error);
            Log.ActorFailed(System.Logger, error, Path, directive);
            var restarts = 0;
            if (directive == SupervisionDirective.Restart && !TryCountRestart(out restarts))
            {
                Log.RestartLimitExceeded(System.Logger, Path, Strategy.MaxRestarts, Strategy.RestartWindow);
                directive = SupervisionDirective.Stop;
            }

            switch (directive)
            {
                case SupervisionDirective.Resume:
                    return;
                case SupervisionDirective.Stop:
                    await StopAsync().ConfigureAwait(false);
                    return;
            }

            Metrics.RecordRestart(TypeTag);

            // ConfigureAwait(true) on the awaits that precede user code (the factory, the constructor, OnStartedAsync):
            // the backoff completes on a timer thread and a hook or a scope may complete elsewhere; capturing the
            // actor scheduler's SynchronizationContext (installed on every worker) brings the rest of the restart back
            // to the actor pool instead of running the new instance's code on the .NET thread pool.
            await RunHookAsync(_actor!.InvokeRestartingAsync(error), "OnRestartingAsync").ConfigureAwait(true);
            CancelTimers(final: false);
            await DisposeScopeAsync().ConfigureAwait(true);
            var backoff = Strategy.BackoffFor(restarts);
            if (backoff > TimeSpan.Zero && !await WaitOutBackoffAsync(backoff).ConfigureAwait(true))
            {
                // An immediate stop came during the backoff: stop now rather than restart first.
                await StopAsync().ConfigureAwait(false);
                return;
            }

            try
            {
                CreateInstance();
            }
            catch (Exception createError)
            {
                Log.RecreateFailed(System.Logger, createError, Path);
                await StopAsync().ConfigureAwait(false);
                return;
            }

            Log.ActorRestarted(System.Logger, Path, restarts);
            try
            {
                await _actor!.InvokeStartedAsync().ConfigureAwait(false);
                return;
            }
            catch (Exception startError)
            {
                error = startError;
            }
        }
    }

    /// <summary>Waits out a restart backoff on the system's clock, unless an immediate stop is asked for first.</summary>
    /// <returns><see langword="false"/> when an immediate stop cut the backoff short (or came before it).</returns>
    private async ValueTask<bool> WaitOutBackoffAsync(TimeSpan backoff)
    {
        // The turn's suspension state is where RequestStop looks for the backoff; it exists from here on (the turn
        // suspends on this very wait), so actors that never back off never allocate it.
        var suspension = _suspension ??= new Suspension(this);
        var cancellation = new CancellationTokenSource();

        // Interlocked (full fence) before the stop request is read: pairs with RequestStop, see there.
        Interlocked.Exchange(ref suspension.BackoffCancellation, cancellation);
        try
        {
            if (Volatile.Read(ref _stopRequest) == ImmediateStop)
            {
                return false;
            }

            await Task.Delay(backoff, System.TimeProvider, cancellation.Token).ConfigureAwait(true);
            return true;
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            return false;
        }
        finally
        {
            // Interlocked: a stop racing this line either cancels the source before it is withdrawn or finds no source.
            // Not disposed: a stop may be cancelling it on another thread right now, and a source without a timer or a
            // wait handle holds nothing that needs disposing.
            Interlocked.Exchange(ref suspension.BackoffCancellation, null);
        }
    }

    private SupervisionDirective Decide(Exception error)
    {
        try
        {
            return Strategy.Decider(error);
        }
        catch (Exception deciderError)
        {
            Log.HookFailed(System.Logger, deciderError, Path, "the supervision decider");
            return SupervisionDirective.Stop;
        }
    }

    /// <summary>Counts a restart in the sliding window; <see langword="false"/> when the limit is exceeded.</summary>
    private bool TryCountRestart(out int restartsInWindow)
    {
        var now = System.TimeProvider.GetTimestamp();
        var times = (_rare ??= new RareState()).RestartTimes ??= new Queue<long>();
        while (times.Count > 0 && System.TimeProvider.GetElapsedTime(times.Peek(), now) > Strategy.RestartWindow)
        {
            times.Dequeue();
        }

        if (times.Count >= Strategy.MaxRestarts)
        {
            restartsInWindow = times.Count;
            return false;
        }

        times.Enqueue(now);
        restartsInWindow = times.Count;
        return true;
    }

    private async ValueTask StopAsync()
    {
        if (_phase >= PhaseStopping)
        {
            return;
        }

        _phase = PhaseStopping;

        // Structurally unable to stop half way: every step below is isolated (a failure is logged and the next step
        // runs), and MarkStopped, which releases everyone waiting for this stop, runs whatever happens.
        try
        {
            await StopStepsAsync().ConfigureAwait(false);
        }
        catch (Exception error)
        {
            LogStepFailed(error, "its stop");
        }
        finally
        {
            _actor = null;
            MarkStopped();
        }
    }

    /// <summary>The steps of a stop before it is marked done; see <see cref="StopAsync"/>.</summary>
    private async ValueTask StopStepsAsync()
    {
        var graceful = Volatile.Read(ref _stopRequest) == GracefulStop;

        // Refuse new messages; whatever is still queued becomes dead letters (none when draining gracefully).
        CloseMailboxAndReportDropped(includeBatch: true, System.IsShuttingDown ? DeadLetterReason.SystemShutdown : DeadLetterReason.ActorStopped);

        // Children stop first, the same way (drained on shutdown, at once otherwise).
        var children = CloseChildren();
        if (children.Length > 0)
        {
            var stops = new Task[children.Length];
            for (var i = 0; i < children.Length; i++)
            {
                try
                {
                    children[i].RequestStop(graceful);
                }
                catch (Exception error)
                {
                    LogStepFailed(error, "the stop request to a child");
                }

                stops[i] = children[i].Completion;
            }

            // ConfigureAwait(true): the children's stop signals complete on the .NET thread pool; coming back through
            // the actor scheduler's SynchronizationContext runs this actor's OnStoppedAsync on the actor pool. The
            // signals never fault: every child's stop ends in MarkStopped.
            await Task.WhenAll(stops).ConfigureAwait(true);
        }

        try
        {
            CancelTimers(final: true);
        }
        catch (Exception error)
        {
            LogStepFailed(error, "the cancellation of its timers");
        }

        if (_actor is { } actor)
        {
            await RunHookAsync(actor.InvokeStoppedAsync(), "OnStoppedAsync").ConfigureAwait(false);
        }

        await DisposeScopeAsync().ConfigureAwait(false);
        try
        {
            if (System.Logger.IsEnabled(LogLevel.Debug))
            {
                Log.ActorStopped(System.Logger, Path);
            }
        }
        catch (Exception error)
        {
            LogStepFailed(error, "the log of its stop");
        }
    }

    private async ValueTask RunHookAsync(ValueTask hook, string name)
    {
        try
        {
            await hook.ConfigureAwait(false);
        }
        catch (Exception error)
        {
            LogStepFailed(error, name);
        }
    }

    /// <summary>Creates the context once; see <see cref="Context"/>.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private ActorContext<TMsg> CreateContext()
    {
        // CAS: the actor's own code and a thread it started may ask at once; both must get the same context (its
        // logger is cached there). Volatile read above pairs with this publication: the context is seen constructed.
        var created = new ActorContext<TMsg>(this);
        return Interlocked.CompareExchange(ref _context, created, null) ?? created;
    }

    private void CreateInstance()
    {
        using (ActorContext<TMsg>.BeginConstruction(this))
        {
            IServiceScope? scope = null;
            var actor = (_factory is ActorFactory<TMsg> scoped ? scoped(System, out scope) : ((Func<Actor<TMsg>>)_factory)())
                ?? throw new ArgumentException($"The factory of actor {Path} returned null; a factory must return a new instance.");
            actor.Attach(this);
            _actor = actor;
            if (scope is not null || _rare is not null)
            {
                (_rare ??= new RareState()).Scope = scope;
            }
        }
    }

    private async ValueTask DisposeScopeAsync()
    {
        var scope = _rare?.Scope;
        if (_rare is not null)
        {
            _rare.Scope = null;
        }

        // A scoped service whose Dispose throws is the user's failure, like a hook's: log it and go on. Letting it
        // escape would abandon the stop (or restart) half way, so the actor never stopped and shutdown never ended.
        try
        {
            if (scope is IAsyncDisposable asyncScope)
            {
                await asyncScope.DisposeAsync().ConfigureAwait(false);
            }
            else
            {
                scope?.Dispose();
            }
        }
        catch (Exception error)
        {
            LogStepFailed(error, "the disposal of its DI scope");
        }
    }

    private DeadLetterReason ReasonFor(AppendOutcome outcome) =>
        outcome == AppendOutcome.Full ? DeadLetterReason.MailboxFull
        : System.IsShuttingDown ? DeadLetterReason.SystemShutdown
        : DeadLetterReason.ActorStopped;

    /// <summary>What a suspended turn waits for, and how it resumes; one per cell, reused.</summary>
    private sealed class Suspension
    {
        public Suspension(ActorCell<TMsg> cell) => Resume = () => cell.Resume(this);

        /// <summary>The cached continuation: allocated once per cell, not once per suspension.</summary>
        public Action Resume { get; }

        public ConfiguredValueTaskAwaitable.ConfiguredValueTaskAwaiter Awaiter;

        /// <summary>Whether the pending task is a message handler (its failure goes to supervision) or a lifecycle step.</summary>
        public bool AwaitingHandler;

        /// <summary>When the pending handler started, for the duration metric (0 when not measured).</summary>
        public long HandlerStarted;

        /// <summary>The pending handler's exception, handled at the start of the resumed turn.</summary>
        public Exception? Failure;

        /// <summary>Cancels the restart backoff being waited out, if any; published and withdrawn by interlocked exchange.</summary>
        public CancellationTokenSource? BackoffCancellation;

        /// <summary>Cuts a pending restart backoff short (an immediate stop); callable from any thread.</summary>
        public void CancelBackoff()
        {
            if (Volatile.Read(ref BackoffCancellation) is not { } cancellation)
            {
                return;
            }

            // Asynchronously: the backoff's continuation (the stop) must not run on the thread asking for the stop. The
            // source is never disposed, so a backoff that has just ended makes this a harmless late cancellation.
            _ = cancellation.CancelAsync();
        }

        public const int Resumed = 0;
        public const int Waiting = 1;
        public const int Abandoned = 2;

        /// <summary>
        /// <see cref="Waiting"/> while the turn is suspended; then <see cref="Resumed"/> or, if a shutdown that ran out of
        /// time claimed it first, <see cref="Abandoned"/>. Claimed by compare-and-swap.
        /// </summary>
        public int State;
    }

    /// <summary>What an actor needs only when spawned with a scope or after a failure; see <see cref="_rare"/>.</summary>
    private sealed class RareState
    {
        /// <summary>The current instance's dependency-injection scope, disposed when the instance is replaced or stops.</summary>
        public IServiceScope? Scope;

        /// <summary>When the recent restarts happened, for the strategy's sliding window.</summary>
        public Queue<long>? RestartTimes;
    }
}
