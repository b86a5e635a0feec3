using System.Threading.Channels;

namespace Spillway;

/// <summary>
/// One sender's grip on one lane of a <see cref="LaneSet{T}"/>: the code path of every send. A channel's
/// <see cref="Sender{T}"/> and an actor's reference each hold one.
/// </summary>
/// <remarks>
/// Thread-safety: any number of threads may append through one handle; their messages are ordered by the lane lock.
/// <see cref="_released"/> is read and written only under the lane lock, which is what makes a release and a
/// concurrent append on the same handle split cleanly: an append either lands before the release (and so before the
/// sender count drops) or fails.
/// </remarks>
internal sealed class LaneHandle<T>
{
    /// <summary>The set and the lane; the append paths live there (see <see cref="LaneAppender{T}"/>).</summary>
    private readonly LaneAppender<T> _appender;
    private readonly bool _counted;

    /// <summary>Set under the lane lock when the handle is released; appends through it fail after that.</summary>
    private bool _released;

    /// <summary>The error the handle was completed with, if any; written with <see cref="_released"/>, under the lane lock.</summary>
    private Exception? _completionError;

    private LaneHandle(LaneSet<T> set, bool counted)
    {
        _appender = new LaneAppender<T>(set, set.AcquireLane());
        _counted = counted;
    }

    private LaneHandle(LaneAppender<T> appender) => _appender = appender;

    /// <summary>Gets the lane set this handle writes to.</summary>
    public LaneSet<T> Set => _appender.Set;

    /// <summary>Creates the first counted handle of a new channel.</summary>
    public static LaneHandle<T> CreateFirst(LaneSet<T> set)
    {
        set.AddFirstSender();
        return new LaneHandle<T>(set, counted: true);
    }

    /// <summary>Creates another counted handle on the next lane, or <see langword="null"/> if every sender has already been released.</summary>
    public static LaneHandle<T>? TryCreateCounted(LaneSet<T> set) =>
        set.TryAddSender() ? new LaneHandle<T>(set, counted: true) : null;

    /// <summary>Creates a handle that does not keep the channel open (an actor reference: mailboxes close on stop, not when references go away).</summary>
    public static LaneHandle<T> CreateUncounted(LaneSet<T> set) => new(set, counted: false);

    /// <summary>
    /// Creates an uncounted handle on the lane <paramref name="appender"/> already appends to (no new lane), for a sender
    /// that holds no handle of its own (an actor reference) while it waits for room: the writer-waiter queue keys its
    /// waiters by handle. Never released by anyone, so the wait ends only by landing, a seal or close, or cancellation.
    /// </summary>
    public static LaneHandle<T> ForWaitOn(LaneAppender<T> appender) => new(appender);

    /// <summary>Offers one message to this handle's lane and tells the reader if the lane was empty.</summary>
    public AppendOutcome TryAppend(T item) => _appender.TryAppend(item, this);

    /// <summary>
    /// Offers one message like <see cref="TryAppend"/>, except that a sealed set still takes it (see
    /// <see cref="LaneAppender{T}.TryAppendWhileSealed"/>). Not a hot path.
    /// </summary>
    public AppendOutcome TryAppendWhileSealed(T item, object? tag = null, bool barrier = false) =>
        _appender.TryAppendWhileSealed(item, tag, barrier, this);

    /// <summary>
    /// Offers one message, like <see cref="TryAppend"/>, tagged with <paramref name="tag"/> (see
    /// <see cref="LaneAppender{T}.TryAppendTagged"/>).
    /// </summary>
    public AppendOutcome TryAppendTagged(T item, object tag) => _appender.TryAppendTagged(item, tag, this);

    /// <summary>Offers one message as a barrier (see <see cref="LaneAppender{T}.TryAppendBarrier"/>).</summary>
    public AppendOutcome TryAppendBarrier(T item, object tag) => _appender.TryAppendBarrier(item, tag, this);

    /// <summary>
    /// Gets how many messages were ever appended to this handle's lane (through every handle that shares it); only grows.
    /// </summary>
    public long LaneAppendedCount => _appender.LaneAppendedCount;

    /// <summary>Offers a batch to this handle's lane, atomically: all of it lands contiguously, or none of it.</summary>
    public AppendOutcome TryAppendMany(ReadOnlySpan<T> items) => _appender.TryAppendMany(items, this);

    /// <summary>Gets whether the handle was released; the caller holds the lane lock.</summary>
    internal bool IsReleased_NeedsLock => _released;

    /// <summary>
    /// Appends one message whose room the caller already reserved, without telling the reader (a blocked writer's
    /// message handed over by the waiter dispatch, which tells the reader after leaving its lock).
    /// </summary>
    public AppendOutcome AppendReserved(T item)
    {
        var lane = _appender.Lane;
        using (lane.Lock())
        {
            if (_released || _appender.Set.IsClosed)
            {
                return AppendOutcome.Closed;
            }

            return lane.Append_NeedsLock(item) ? AppendOutcome.AppendedToEmptyLane : AppendOutcome.Appended;
        }
    }

    /// <summary>
    /// Offers one message to a full set that drops its oldest message to make room (see
    /// <see cref="LaneAppender{T}.TryAppendDroppingOldest"/>). Not a hot path.
    /// </summary>
    public AppendOutcome TryAppendDroppingOldest(T item, out bool droppedOne, out T? dropped, out object? droppedTag) =>
        _appender.TryAppendDroppingOldest(item, out droppedOne, out dropped, out droppedTag, this);

    /// <summary>Gets the error this handle was completed with; meaningful once <see cref="IsReleased"/>.</summary>
    // Volatile: read after the lane lock showed the release, or from a waiter pass that came after it.
    public Exception? CompletionError => Volatile.Read(ref _completionError);

    /// <summary>Gets whether the handle was released (completed or disposed).</summary>
    public bool IsReleased()
    {
        using (_appender.Lane.Lock())
        {
            return _released;
        }
    }

    /// <summary>
    /// Creates the exception a write through this handle fails with when it is not open: the handle's own completion
    /// (carrying its error, as the BCL channels do), else the receiver's close.
    /// </summary>
    public Exception CreateRejection() => IsReleased()
        ? ChannelErrors.ForCompletedWriter(CompletionError)
        : new ChannelClosedException("The channel was closed by its receiver.");

    /// <summary>Gets whether a send through this handle could succeed right now.</summary>
    public bool IsOpen() => _appender.IsOpen(this);

    /// <summary>Releases the handle; idempotent. Returns <see langword="true"/> for the call that released it.</summary>
    public bool Release(Exception? error)
    {
        using (_appender.Lane.Lock())
        {
            if (_released)
            {
                return false;
            }

            _released = true;
            _completionError = error;
        }

        if (_appender.Set.IsBounded)
        {
            // This handle's writes waiting for room fail now (other handles' keep waiting): a producer that completes
            // or disposes its handle must not hang in its own pending WriteAsync.
            _appender.Set.FailWriterWaiters(this);
        }

        if (_counted)
        {
            _appender.Set.ReleaseSender(error);
        }

        return true;
    }
}
