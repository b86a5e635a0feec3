namespace Spillway.Actors;

/// <summary>Completes an ask's <see cref="Reply{T}"/> with a time-out or a cancellation, and cleans both up when it completes.</summary>
/// <remarks>
/// Thread-safety: the reply, the timer and the cancellation race to complete the task; the task's own
/// first-completion-wins rule picks one, and the clean-up runs once, as a continuation of that completion.
/// </remarks>
internal static class AskAwaiter<TReply>
{
    public static Task<TReply> Watch(Reply<TReply> reply, TimeSpan timeout, TimeProvider timeProvider, CancellationToken cancellationToken)
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

        if (timer is not null || cancellationToken.CanBeCanceled)
        {
            reply.Task.ContinueWith(
                static (_, state) =>
                {
                    var (t, r) = ((ITimer?, CancellationTokenRegistration))state!;
                    t?.Dispose();
                    r.Dispose();
                },
                (timer, registration),
                CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
        }

        return reply.Task;
    }
}
