namespace Spillway.Actors.TestKit;

/// <summary>A <see cref="Reply{T}"/> made for a test, and the task its first <see cref="Reply{T}.Send"/> or <see cref="Reply{T}.Fail"/> completes.</summary>
/// <typeparam name="T">The reply type.</typeparam>
/// <remarks>
/// The reply behaves exactly as one made by an ask: the first completion wins, later ones are ignored. It never times
/// out. Thread-safety: any thread may complete the reply or await the task.
/// </remarks>
public sealed class TestReply<T>
{
    internal TestReply()
    {
        // The same pooled source an ask uses, armed with no time-out and no token; its task is taken once, here.
        var source = AskSource<T>.Rent();
        source.Start(StandaloneAsk.Scheduler, StandaloneAsk.Timeouts, Timeout.InfiniteTimeSpan, CancellationToken.None);
        Reply = new Reply<T>(source, source.Version);
        Task = new ValueTask<T>(source, source.Token).AsTask();
    }

    /// <summary>Gets the reply to put in the request message.</summary>
    public Reply<T> Reply { get; }

    /// <summary>Gets the task of the answer: its value, or the exception given to <see cref="Reply{T}.Fail"/>. May be awaited any number of times.</summary>
    public Task<T> Task { get; }

    /// <summary>Gets whether the reply has been sent or failed.</summary>
    public bool IsCompleted => Reply.IsCompleted;
}
