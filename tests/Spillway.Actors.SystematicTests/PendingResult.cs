using System.Threading.Tasks.Sources;

namespace Spillway.Actors.SystematicTests;

/// <summary>
/// A one-shot <see cref="ValueTask"/> that a test completes from another Coyote-controlled task, so that a handler
/// returns a pending task and the mailbox takes its suspend/resume path.
/// </summary>
/// <remarks>
/// <para>
/// Why not an <c>async</c> handler with <c>await Task.Yield()</c>: the mailbox suspends a turn by calling
/// <c>UnsafeOnCompleted</c> on the pending task's awaiter itself (no async state machine), and Coyote 1.7.11 only
/// controls continuations registered through a rewritten async method builder. On a task built by Coyote's builder
/// the runtime then queues the resumption to the real thread pool (the current synchronization context is Coyote's,
/// so the continuation may not run inline), outside the engine's control, and the test host crashes. Continuations
/// stored by <see cref="ManualResetValueTaskSourceCore{TResult}"/> with
/// <see cref="ManualResetValueTaskSourceCore{TResult}.RunContinuationsAsynchronously"/> off run inline on the thread
/// that completes the source, which here is always a Coyote-controlled task: the resumption stays under control.
/// </para>
/// <para>Thread-safety: one <see cref="Complete"/> or <see cref="Fail"/>, from any thread; awaited once.</para>
/// </remarks>
internal sealed class PendingResult : IValueTaskSource
{
    /// <summary>How many times a continuation was registered on a pending result, over the whole process.</summary>
    private static int s_suspensions;

    private ManualResetValueTaskSourceCore<bool> _core = new() { RunContinuationsAsynchronously = false };

    /// <summary>
    /// Gets how many times, in this process, the mailbox suspended a turn on a pending result (registered a
    /// continuation): a scenario meant to cover the suspend/resume path checks that it grew.
    /// </summary>
    public static int Suspensions => Volatile.Read(ref s_suspensions);

    /// <summary>Gets the pending task; it completes when <see cref="Complete"/> or <see cref="Fail"/> is called.</summary>
    public ValueTask Task => new(this, _core.Version);

    public void Complete() => _core.SetResult(true);

    public void Fail(Exception error) => _core.SetException(error);

    void IValueTaskSource.GetResult(short token) => _core.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
    {
        Interlocked.Increment(ref s_suspensions);
        _core.OnCompleted(continuation, state, token, flags);
    }
}
