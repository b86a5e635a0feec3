using System.Threading.Tasks.Sources;

namespace Spillway;

/// <summary>
/// One writer waiting for room on a full bounded channel: a node of one of the <see cref="LaneSet{T}"/> writer queues
/// and the awaitable that its <c>WriteAsync</c> (with <see cref="HasItem"/>, carrying the message) or
/// <c>WaitToWriteAsync</c> returned. One allocation per call that has to wait; never reused, so a late cancellation
/// callback or a stale awaiter can only ever reach its own waiter.
/// </summary>
/// <remarks>
/// Thread-safety: the queue links, <see cref="IsQueued"/>, <see cref="Item"/> and the outcome fields are touched only
/// under the lane set's writer-waiter lock. Exactly one thread completes a waiter: the one that took it out of its
/// queue under that lock (or that refused to queue it), and it does so after leaving the lock
/// (<see cref="Complete"/>), so no continuation or cancellation callback ever runs under the lock.
/// </remarks>
internal sealed class WriterWaiter<T> : IValueTaskSource, IValueTaskSource<bool>
{
    private ManualResetValueTaskSourceCore<bool> _core = new() { RunContinuationsAsynchronously = true };

    public WriterWaiter(LaneHandle<T> handle, bool hasItem, T item)
    {
        Handle = handle;
        HasItem = hasItem;
        Item = item;
    }

    /// <summary>Gets the handle the waiting call was made through: its release fails this waiter.</summary>
    public LaneHandle<T> Handle { get; }

    /// <summary>Gets whether this is a <c>WriteAsync</c> (it carries <see cref="Item"/>) rather than a <c>WaitToWriteAsync</c>.</summary>
    public bool HasItem { get; }

    /// <summary>Gets the version of the awaitable, for the <see cref="ValueTask"/> handed to the caller.</summary>
    public short Version => _core.Version;

    /// <summary>The message of a <c>WriteAsync</c>; cleared once it is handed to the lane or dropped.</summary>
    public T? Item;

    /// <summary>Queue links; under the waiter lock.</summary>
    public WriterWaiter<T>? Previous;

    /// <summary>Queue links; under the waiter lock.</summary>
    public WriterWaiter<T>? Next;

    /// <summary>Whether the waiter is in its queue; the one who clears it (under the lock) completes the waiter.</summary>
    public bool IsQueued;

    /// <summary>Links the waiters that one pass took out of the queues, to be completed after the lock is left.</summary>
    public WriterWaiter<T>? NextToComplete;

    /// <summary>
    /// The registration of the caller's token; written before the waiter is queued (so before anyone can complete it),
    /// unregistered by whoever completes it.
    /// </summary>
    public CancellationTokenRegistration Registration;

    /// <summary>
    /// For a write whose refusal is no error (an actor's <c>TellAsync</c>: a message to a stopped actor is a dead
    /// letter, not an exception): called by <see cref="Complete"/>, outside the lock, with the refused message and
    /// <see cref="RefusalState"/>, and the write then completes normally. Must not throw. Set before the waiter is queued.
    /// </summary>
    public Action<object, T>? RefusalSink;

    /// <summary>The state passed to <see cref="RefusalSink"/>.</summary>
    public object? RefusalState;

    /// <summary>Set under the lock when a write with a <see cref="RefusalSink"/> was refused: <see cref="Item"/> is kept for the sink.</summary>
    public bool Refused;

    /// <summary>The failure to complete with, or <see langword="null"/> for <see cref="Result"/>.</summary>
    public Exception? Error;

    /// <summary>The result to complete with when <see cref="Error"/> is <see langword="null"/>.</summary>
    public bool Result;

    /// <summary>Completes the awaitable with the outcome set under the lock. Called once, by the owner, outside the lock.</summary>
    public void Complete()
    {
        // Unregister, not Dispose: it never blocks. A callback already running finds the waiter out of its queue and
        // does nothing, and the waiter is never reused, so it cannot reach another wait.
        Registration.Unregister();
        Registration = default;
        if (Refused)
        {
            // Before the write completes: whoever awaits it sees the refusal already reported.
            var item = Item!;
            Item = default;
            RefusalSink!(RefusalState!, item);
        }

        if (Error is { } error)
        {
            _core.SetException(error);
        }
        else
        {
            _core.SetResult(Result);
        }
    }

    void IValueTaskSource.GetResult(short token) => _core.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);

    bool IValueTaskSource<bool>.GetResult(short token) => _core.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<bool>.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource<bool>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);
}
