using System.Threading.Tasks.Sources;

namespace Spillway;

/// <summary>
/// The awaitable of one parked <c>WaitToReadAsync</c>. The receiver reuses one instance as long as each wait is
/// consumed before the next one parks (no allocation in steady state); a wait still outstanding when the next one
/// parks (abandoned, e.g. by <c>Task.WhenAny</c> with a timeout) keeps its instance and the next wait gets a new one.
/// </summary>
/// <remarks>
/// Thread-safety: the reader resets and arms it while holding the reader guard; exactly one claimer (see
/// <c>ReceiverCore</c>) completes it; the awaiter consumes it once. Consuming a wait disposes its cancellation
/// registration, and only the consumer of the version that was handed out can do that: a stale or repeated
/// <see cref="IValueTaskSource{TResult}.GetResult"/> throws <see cref="InvalidOperationException"/> (stale) or just
/// returns the result again (repeated), and never touches a newer wait.
/// </remarks>
internal sealed class ReaderWaiter : IValueTaskSource<bool>
{
    /// <summary><see cref="_outstanding"/> when no wait of this instance is handed out: it may be reset.</summary>
    private const int NotOutstanding = -1;

    /// <summary><see cref="_outstanding"/> while its consumer disposes the registration.</summary>
    private const int Consuming = -2;

    private ManualResetValueTaskSourceCore<bool> _core = new() { RunContinuationsAsynchronously = true };

    /// <summary>
    /// The token (0..65535) of the wait handed out and not yet consumed, or <see cref="NotOutstanding"/> /
    /// <see cref="Consuming"/>. Moved from a token to <see cref="Consuming"/> by compare-and-swap, so exactly the one
    /// consumer of that version disposes its registration.
    /// </summary>
    private int _outstanding = NotOutstanding;

    /// <summary>The registration of the wait's token; written by the reader before the wait can be claimed.</summary>
    private CancellationTokenRegistration _registration;

    public ReaderWaiter(object owner) => Owner = owner;

    /// <summary>Gets the receiver this waiter belongs to (the state of the cancellation callback).</summary>
    public object Owner { get; }

    /// <summary>Gets whether no wait of this instance is outstanding, so it may be reset for the next one.</summary>
    public bool IsReusable => Volatile.Read(ref _outstanding) == NotOutstanding;

    /// <summary>Gets the version of the current wait.</summary>
    public short Version => _core.Version;

    /// <summary>Prepares a new wait: resets the completion and registers the token. Only while <see cref="IsReusable"/>.</summary>
    public void Arm(Action<object?, CancellationToken> onCancelled, CancellationToken cancellationToken)
    {
        _core.Reset();

        // Volatile: marks the new version handed out before anyone can complete (and so consume) it.
        Volatile.Write(ref _outstanding, _core.Version & 0xFFFF);
        if (cancellationToken.CanBeCanceled)
        {
            _registration = cancellationToken.UnsafeRegister(onCancelled, this);
        }
    }

    /// <summary>Withdraws a wait that the reader decided synchronously (it was never handed out).</summary>
    public void Disarm() => ReleaseRegistration(_core.Version);

    public void SetResult(bool result) => _core.SetResult(result);

    public void SetException(Exception error) => _core.SetException(error);

    bool IValueTaskSource<bool>.GetResult(short token)
    {
        // GetStatus throws InvalidOperationException for a stale token, before anything is touched.
        if (_core.GetStatus(token) == ValueTaskSourceStatus.Pending)
        {
            throw new InvalidOperationException("The wait has not completed yet; await it instead of reading its result.");
        }

        try
        {
            return _core.GetResult(token);
        }
        finally
        {
            ReleaseRegistration(token);
        }
    }

    ValueTaskSourceStatus IValueTaskSource<bool>.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource<bool>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);

    private void ReleaseRegistration(short token)
    {
        var handedOut = token & 0xFFFF;

        // Compare-and-swap: a repeated or racing GetResult of the same wait, or a stale one of an older wait, must not
        // dispose the registration twice or dispose a newer wait's registration.
        if (Interlocked.CompareExchange(ref _outstanding, Consuming, handedOut) != handedOut)
        {
            return;
        }

        // Dispose (not Unregister) waits for a running callback, so a late callback can never claim the next wait of
        // this instance.
        _registration.Dispose();
        _registration = default;

        // Volatile: the reader may reset this instance once it sees this, after the registration is gone.
        Volatile.Write(ref _outstanding, NotOutstanding);
    }
}
