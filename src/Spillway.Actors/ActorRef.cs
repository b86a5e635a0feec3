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

    /// <summary>
    /// This reference's lane and the mailbox's lane set, held inline: a reference is never released (a mailbox closes
    /// on stop, not when references go away), so it needs no handle object of its own. The cell is the set's listener.
    /// </summary>
    private readonly LaneAppender<TMsg> _handle;

    internal ActorRef(ActorCell<TMsg> cell) => _handle = new LaneAppender<TMsg>(cell.Set, cell.Set.AcquireLane());

    /// <summary>Gets the actor's name among its siblings.</summary>
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
    /// (<see cref="ActorSystem.DeadLetterReceived"/>); it is never silently dropped.
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
    public ValueTask<TReply> Ask<TReply>(Func<Reply<TReply>, TMsg> createMessage, TimeSpan timeout, CancellationToken cancellationToken = default)
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
        var system = Cell.System;
        var source = AskSource<TReply>.Rent();
        source.Start(system.Scheduler, system.AskTimeouts, timeout, cancellationToken);
        var task = new ValueTask<TReply>(source, source.Token);
        var reply = new Reply<TReply>(source, source.Version);
        TMsg message;
        try
        {
            message = createMessage(reply);
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
        // message reports the tag (the ask fails as a dead letter).
        var outcome = _handle.TryAppendBarrier(message, reply);
        if (outcome == AppendOutcome.Closed && IsDrainWork())
        {
            // Slow path: an ask made by one of the system's actors during a shutdown's drain still lands (see OnRefused).
            outcome = _handle.TryAppendWhileSealed(message, reply, barrier: true);
        }

        if (outcome >= AppendOutcome.Closed)
        {
            var reason = Cell.OnRejected(message, outcome);
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
    /// system's actors still lands (see <see cref="ActorSystem.AcceptsDrainWork"/>); anything else is a dead letter.
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

        Cell.OnRejected(message, outcome);
    }

    /// <summary>Gets whether a refused append comes from one of the system's actors while a shutdown drains.</summary>
    private bool IsDrainWork() => Cell.System.IsShuttingDown && Cell.System.AcceptsDrainWork();

    [DoesNotReturn]
    private static void ThrowNullMessage() =>
        throw new ArgumentNullException("message", "A message must not be null.");
}
