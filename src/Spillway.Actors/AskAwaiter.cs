namespace Spillway.Actors;

/// <summary>Completes an ask's <see cref="Reply{T}"/> with a time-out or a cancellation, and cleans both up when it completes.</summary>
/// <remarks>
/// Thread-safety: the reply, the timer and the cancellation race to complete the task; the task's own
/// first-completion-wins rule picks one, and the clean-up runs once, as a continuation of that completion.
/// </remarks>
internal static class AskAwaiter<TReply>
{
    public static Task<TReply> Watch(Reply<TReply> reply, PendingAsk pending, TimeSpan timeout, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        ITimer? timer = null;
        if (timeout != Timeout.InfiniteTimeSpan)
        {
            timer = timeProvider.CreateTimer(
                static state => { var (r, t) = ((Reply<TReply>, TimeSpan))state!; r.TimeOut(t); },
                (reply, timeout),
                timeout,
                Timeout.InfiniteTimeSpan);
        }

        var registration = cancellationToken.CanBeCanceled
            ? cancellationToken.UnsafeRegister(static (state, token) => ((Reply<TReply>)state!).Cancel(token), reply)
            : default;

        // However the ask ends (reply, failure, time-out, cancellation, dropped request), release the timer and the
        // registration, and forget the pending ask so the actor's list does not keep it.
        reply.Task.ContinueWith(
            static (_, state) =>
            {
                var (t, r, p) = ((ITimer?, CancellationTokenRegistration, PendingAsk))state!;
                t?.Dispose();
                r.Dispose();
                p.Unregister();
            },
            (timer, registration, pending),
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);

        return reply.Task;
    }
}
