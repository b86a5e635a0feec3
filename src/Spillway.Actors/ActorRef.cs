using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace Spillway.Actors;

/// <summary>
/// A reference to an actor: the only way to send it messages. Each reference owns a lane of the actor's mailbox, so
/// the messages told through one reference are processed in the order they were told.
/// </summary>
/// <typeparam name="TMsg">The actor's message type.</typeparam>
/// <remarks>
/// Thread-safety: any number of threads may tell through one reference (they then share its lane and its order).
/// For the least contention give each producing thread its own reference (<see cref="Clone"/>). Two references to the
/// same actor are equal.
/// </remarks>
public sealed class ActorRef<TMsg> : IEquatable<ActorRef<TMsg>>
{
    /// <summary>The tag of a barrier that is no ask (a watch notification): the reader needs a tag to carry the marks.</summary>
    private static readonly object s_barrierOnly = new();

    /// <summary>Reports a waiting <see cref="TellAsync"/> refused by a seal or close; the state is the cell.</summary>
    private static readonly Action<object, TMsg> s_onWaitingTellRefused =
        static (cell, message) => ((ActorCell<TMsg>)cell).OnWaitingTellRefused(message);

    /// <summary>
    /// This reference's lane and the mailbox's lane set, held inline: a reference is never released (a mailbox closes
    /// on stop, not when references go away), so it needs no handle object of its own. The cell is the set's listener.
    /// </summary>
    private readonly LaneAppender<TMsg> _handle;

    internal ActorRef(ActorCell<TMsg> cell) => _handle = new LaneAppender<TMsg>(cell.Lanes, cell.Lanes.AcquireLane());

    /// <summary>
    /// Gets the actor's name among its siblings: the name given at spawn, or a generated one ("$" and a number unique in
    /// the system), which the actor does not keep as a string: each call builds it.
    /// </summary>
    public string Name => Cell.Name;

    /// <summary>Gets the actor's path: the system name, its ancestors' names and its own, separated by '/'.</summary>
    public string Path => Cell.Path;

    /// <summary>Gets whether the actor has stopped (it processes no more messages).</summary>
    public bool IsStopped => Cell.IsStopped;

    /// <summary>Gets the actor's cell: the listener of the lane set this reference appends to.</summary>
    internal ActorCell<TMsg> Cell => (ActorCell<TMsg>)_handle.Set.Listener;

    /// <summary>
    /// Queues a message for the actor and returns at once. Never blocks beyond this reference's lane lock. A message
    /// told to a stopped actor, a full mailbox or a shut-down system becomes a dead letter
    /// (<see cref="ActorSystem.DeadLetterReceived"/>); it is never silently dropped. For a full mailbox whose
    /// <see cref="SpawnOptions.MailboxOverflow"/> is <see cref="MailboxOverflow.DropOldest"/>, the oldest queued message
    /// becomes the dead letter instead and this one is queued. To wait for room use <see cref="TellAsync"/>; to keep a
    /// message the mailbox refuses, <see cref="TryTell"/>.
    /// </summary>
    /// <param name="message">The message.</param>
    /// <exception cref="ArgumentNullException"><paramref name="message"/> is <see langword="null"/>.</exception>
    public void Tell(TMsg message)
    {
        if (message is null)
        {
            ThrowNullMessage();
        }

        var outcome = _handle.TryAppend(message);
        if (outcome >= AppendOutcome.Closed)
        {
            OnRefused(message, outcome);
        }
    }

    /// <summary>
    /// Queues a message for the actor if it can be queued right now, without waiting and without a dead letter: the
    /// caller keeps a refused message. Never blocks beyond this reference's lane lock.
    /// </summary>
    /// <param name="message">The message.</param>
    /// <returns>
    /// <see langword="true"/> when the message was queued; <see langword="false"/> when the mailbox is full (or
    /// <see cref="TellAsync"/> calls are already waiting for its room, which is theirs first), the actor has stopped or
    /// is stopping, or the system is shutting down. A refusal raises no dead letter. During a shutdown's drain, the
    /// system's own actors are accepted exactly as <see cref="Tell"/> accepts them.
    /// </returns>
    /// <exception cref="ArgumentNullException"><paramref name="message"/> is <see langword="null"/>.</exception>
    public bool TryTell(TMsg message)
    {
        if (message is null)
        {
            ThrowNullMessage();
        }

        var outcome = _handle.TryAppend(message);
        if (outcome < AppendOutcome.Closed)
        {
            return true;
        }

        // As in OnRefused, without the dead letter: an actor's tell during a shutdown's drain takes the privileged path.
        return outcome == AppendOutcome.Closed && IsDrainWork() && _handle.TryAppendWhileSealed(message) < AppendOutcome.Closed;
    }

    /// <summary>
    /// Queues a message for the actor, waiting while its bounded mailbox (<see cref="SpawnOptions.MailboxCapacity"/>)
    /// is full: backpressure instead of a dead letter.
    /// </summary>
    /// <param name="message">The message.</param>
    /// <param name="cancellationToken">Cancels the wait for room.</param>
    /// <returns>A task that completes when the message is queued, or when it became a dead letter (see the remarks).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="message"/> is <see langword="null"/>.</exception>
    /// <exception cref="OperationCanceledException">
    /// <paramref name="cancellationToken"/> was cancelled before the message was queued (also when it already was at the
    /// call): nothing was sent and no dead letter raised; the caller still has the message.
    /// </exception>
    /// <remarks>
    /// <para>
    /// When there is room, or the mailbox is unbounded, the message is queued at once and the task completes
    /// synchronously, without allocating. Otherwise the call waits: room comes back each time the actor has handled a
    /// message, and the waiting calls get it in the order they started waiting, whatever their reference, so each
    /// reference's messages keep their order. While calls wait, the room is theirs: a <see cref="Tell"/> or
    /// <see cref="TryTell"/> that comes later finds the mailbox full. The bound stays soft (see
    /// <see cref="SpawnOptions.MailboxCapacity"/>). Only a call that waits allocates (its waiter, and a handle on this
    /// reference's lane for the waiter queue).
    /// </para>
    /// <para>
    /// A message to a stopped actor or a shut-down system becomes a dead letter, as with <see cref="Tell"/>, and the
    /// task completes normally: like <see cref="Tell"/>, this never throws for a stopped recipient (watch
    /// <see cref="ActorSystem.DeadLetterReceived"/> or <see cref="IsStopped"/>). If the actor stops (gracefully or not)
    /// or the system begins to shut down while the call waits, the wait ends at once and the message becomes a dead
    /// letter (<see cref="DeadLetterReason.ActorStopped"/> or <see cref="DeadLetterReason.SystemShutdown"/>), raised
    /// before the task completes. During a shutdown's drain the system's own actors tell exactly as with
    /// <see cref="Tell"/> (the sealed mailbox still takes their messages) and never wait: a full mailbox then makes
    /// the message a dead letter.
    /// </para>
    /// <para>
    /// An actor that awaits this in its handler suspends its own turn while it waits: an actor waiting on its own full
    /// mailbox, or two actors waiting on each other's, never resume until a stop or a shutdown ends the wait.
    /// </para>
    /// </remarks>
    public ValueTask TellAsync(TMsg message, CancellationToken cancellationToken = default)
    {
        if (message is null)
        {
            ThrowNullMessage();
        }

        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled(cancellationToken);
        }

        var outcome = _handle.TryAppend(message);
        if (outcome < AppendOutcome.Closed)
        {
            return default;
        }

        if (outcome == AppendOutcome.Full)
        {
            // The set's FIFO writer-waiter queue: the message is handed to this reference's lane when room appears; a
            // seal or close before that hands it back to the cell as a dead letter and completes the task normally.
            return _handle.AppendWhenRoomAsync(message, s_onWaitingTellRefused, Cell, cancellationToken);
        }

        OnRefused(message, outcome);
        return default;
    }

    /// <summary>
    /// Tells <paramref name="message"/> as a barrier: the actor handles it only after every message told to it, through
    /// any reference, before this call. Used for watch notifications, which must come after what the stopped actor
    /// told the watcher before it stopped.
    /// </summary>
    internal void TellAfterEverythingToldBefore(TMsg message)
    {
        var outcome = _handle.TryAppendBarrier(message, s_barrierOnly);
        if (outcome == AppendOutcome.Closed && IsDrainWork())
        {
            // As for a tell: an actor stopping during a shutdown's drain still notifies its watchers.
            outcome = _handle.TryAppendWhileSealed(message, s_barrierOnly, barrier: true);
        }

        if (outcome >= AppendOutcome.Closed)
        {
            Cell.OnRejected(message, outcome);
        }
    }

    /// <summary>Creates another reference to the same actor, with a lane of its own and so an order of its own.</summary>
    /// <returns>The new reference.</returns>
    public ActorRef<TMsg> Clone() => new(Cell);

    /// <summary>
    /// Sends a request built around a <see cref="Reply{T}"/> and waits for the actor to answer through it.
    /// </summary>
    /// <typeparam name="TReply">The reply type.</typeparam>
    /// <param name="createMessage">Builds the request message from the reply handle.</param>
    /// <param name="timeout">How long to wait for the reply; must be positive or <see cref="Timeout.InfiniteTimeSpan"/>.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>
    /// The reply, as a <see cref="ValueTask{TResult}"/> over a pooled source: await it once (or call
    /// <see cref="ValueTask{TResult}.AsTask"/> once), as any such value task.
    /// </returns>
    /// <exception cref="TimeoutException">No reply came within <paramref name="timeout"/>.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled first.</exception>
    /// <exception cref="DeadLetterException">
    /// The request became a dead letter: the mailbox refused it (the actor had stopped, its mailbox was full, or the
    /// system was shutting down), or the actor stopped, or a shutdown gave up, before handling it.
    /// </exception>
    /// <remarks>
    /// <para>
    /// The task throws the exception the actor passed to <see cref="Reply{T}.Fail"/>, if it did. If the handler of the
    /// request throws, the task fails at once with that exception (and the actor's supervision strategy still applies).
    /// A request that becomes a dead letter at any point fails the task at once with <see cref="DeadLetterException"/>.
    /// Only a handler that returns without answering leaves the task to its timeout.
    /// </para>
    /// <para>
    /// The runtime recognises the request by its place in the mailbox, never by the message type's equality: requests
    /// need not be distinguishable.
    /// </para>
    /// <para>
    /// Where the asker resumes: when the reply is sent from a turn on a dedicated worker (the default scheduler) and the
    /// asker awaited without a context of its own, its continuation runs on that worker right after the turn (never
    /// inside the handler, never under a lock), with no thread hop or wake-up. Asker code that blocks there holds an actor
    /// worker until it returns, as a blocking handler would. Otherwise the asker resumes on the .NET thread pool, or on
    /// the context it awaited on.
    /// </para>
    /// </remarks>
#pragma warning disable RS0026 // Two Ask methods with optional parameters: their generic arity differs, so no call is ambiguous.
    public ValueTask<TReply> Ask<TReply>(Func<Reply<TReply>, TMsg> createMessage, TimeSpan timeout, CancellationToken cancellationToken = default)
#pragma warning restore RS0026
    {
        ArgumentNullException.ThrowIfNull(createMessage);
        return Ask(static (Reply<TReply> reply, Func<Reply<TReply>, TMsg> create) => create(reply), createMessage, timeout, cancellationToken);
    }

    /// <summary>
    /// Sends a request built around a <see cref="Reply{T}"/> and a caller's state, and waits for the actor to answer
    /// through the reply: <see cref="Ask{TReply}"/> for a factory that needs no closure, so a <see langword="static"/>
    /// lambda builds the request and the call allocates no delegate.
    /// </summary>
    /// <typeparam name="TReply">The reply type.</typeparam>
    /// <typeparam name="TState">The type of the state handed to the factory.</typeparam>
    /// <param name="createMessage">Builds the request message from the reply handle and <paramref name="state"/>.</param>
    /// <param name="state">Passed to <paramref name="createMessage"/>, once, on the calling thread.</param>
    /// <param name="timeout">How long to wait for the reply; must be positive or <see cref="Timeout.InfiniteTimeSpan"/>.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>
    /// The reply, as a <see cref="ValueTask{TResult}"/> over a pooled source: await it once (or call
    /// <see cref="ValueTask{TResult}.AsTask"/> once), as any such value task.
    /// </returns>
    /// <exception cref="TimeoutException">No reply came within <paramref name="timeout"/>.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled first.</exception>
    /// <exception cref="DeadLetterException">
    /// The request became a dead letter: the mailbox refused it (the actor had stopped, its mailbox was full, or the
    /// system was shutting down), or the actor stopped, or a shutdown gave up, before handling it.
    /// </exception>
    /// <remarks>Every guarantee of <see cref="Ask{TReply}"/> holds: ordering after earlier tells, failure with the handler's exception, dead letters, time-out, where the asker resumes.</remarks>
#pragma warning disable RS0026 // See the other Ask.
    public ValueTask<TReply> Ask<TReply, TState>(Func<Reply<TReply>, TState, TMsg> createMessage, TState state, TimeSpan timeout, CancellationToken cancellationToken = default)
#pragma warning restore RS0026
    {
        ArgumentNullException.ThrowIfNull(createMessage);
        if (timeout <= TimeSpan.Zero && timeout != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "The timeout must be positive, or Timeout.InfiniteTimeSpan.");
        }

        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<TReply>(cancellationToken);
        }

        // A pooled source (see AskSource), its time-out and cancellation armed before the reply exists: whoever gets the
        // reply (the message factory, the handler, another thread) may complete the ask at once. The reply carries the
        // source's version, so a reply kept past this ask cannot complete a later ask of the same source.
        var cell = Cell;
        var system = cell.System;
        var source = AskSource<TReply>.Rent();
        source.Start(system.Scheduler, system.AskTimeouts, timeout, cancellationToken);
        var task = new ValueTask<TReply>(source, source.Token);
        var reply = new Reply<TReply>(source, source.Version);
        TMsg message;
        try
        {
            message = createMessage(reply, state);
        }
        catch
        {
            source.Abandon();
            throw;
        }

        if (message is null)
        {
            source.Abandon();
            ThrowNullMessage();
        }

        // A barrier tagged with its reply: the reader hands it to the handler only after every message told to the actor
        // before this call, through any reference (and the messages behind it in this reference's lane wait behind it);
        // the tag comes back with exactly this message (a handler failure fails the ask), and a close that drops the
        // message reports the tag (the ask fails as a dead letter). When everything told before has been handled
        // already (an idle actor with empty lanes, the request-reply loop's case), the barrier has nothing to wait for:
        // a plain tagged append, without reading every lane's count or allocating the marks.
        var outcome = cell.HasHandledEverythingAppended ? _handle.TryAppendTagged(message, reply) : _handle.TryAppendBarrier(message, reply);
        if (outcome == AppendOutcome.Closed && IsDrainWork())
        {
            // Slow path: an ask made by one of the system's actors during a shutdown's drain still lands (see OnRefused).
            outcome = _handle.TryAppendWhileSealed(message, reply, barrier: true);
        }

        if (outcome >= AppendOutcome.Closed)
        {
            var reason = cell.OnRejected(message, outcome);
            ((IPendingReply)reply).FailUndelivered(Path, reason);
        }

        return task;
    }

    /// <inheritdoc/>
    public bool Equals(ActorRef<TMsg>? other) => other is not null && ReferenceEquals(Cell, other.Cell);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is ActorRef<TMsg> other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => Cell.GetHashCode();

    /// <summary>Returns the actor's path.</summary>
    /// <returns>The path.</returns>
    public override string ToString() => Path;

    /// <summary>
    /// The slow path of a refused tell: during a shutdown's drain the mailbox is sealed, and a tell from one of the
    /// system's actors still lands (see <see cref="ActorSystem.AcceptsDrainWork"/>); a full mailbox whose overflow policy
    /// is <see cref="MailboxOverflow.DropOldest"/> drops its oldest queued message instead; anything else is a dead letter.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void OnRefused(TMsg message, AppendOutcome outcome)
    {
        if (outcome == AppendOutcome.Closed && IsDrainWork())
        {
            outcome = _handle.TryAppendWhileSealed(message);
            if (outcome < AppendOutcome.Closed)
            {
                return;
            }
        }
        else if (outcome == AppendOutcome.Full && _handle.Set.DropsOldestWhenFull)
        {
            outcome = _handle.TryAppendDroppingOldest(message, out var droppedOne, out var dropped, out var droppedTag);
            if (droppedOne)
            {
                // Outside every lock: publishing a dead letter runs the system's handlers.
                Cell.OnDroppedOldest(dropped!, droppedTag);
            }

            if (outcome < AppendOutcome.Closed)
            {
                return;
            }
        }

        Cell.OnRejected(message, outcome);
    }

    /// <summary>Gets whether a refused append comes from one of the system's actors while a shutdown drains.</summary>
    private bool IsDrainWork() => Cell.System.IsShuttingDown && Cell.System.AcceptsDrainWork();

    [DoesNotReturn]
    private static void ThrowNullMessage() =>
        throw new ArgumentNullException("message", "A message must not be null.");
}
