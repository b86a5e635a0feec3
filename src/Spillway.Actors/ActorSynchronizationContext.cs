namespace Spillway.Actors;

/// <summary>
/// Installed while actor code runs: an <c>await</c> in a handler captures it and posts its continuation back to the
/// actor scheduler instead of the .NET thread pool.
/// </summary>
/// <remarks>Thread-safety: stateless apart from the scheduler, which is thread-safe.</remarks>
internal sealed class ActorSynchronizationContext : SynchronizationContext
{
    private readonly ActorScheduler _scheduler;

    public ActorSynchronizationContext(ActorScheduler scheduler) => _scheduler = scheduler;

    public override void Post(SendOrPostCallback d, object? state)
    {
        ArgumentNullException.ThrowIfNull(d);
        _scheduler.Schedule(new PostedCallback(d, state));
    }

    public override void Send(SendOrPostCallback d, object? state)
    {
        ArgumentNullException.ThrowIfNull(d);
        d(state);
    }

    public override SynchronizationContext CreateCopy() => this;

    private sealed class PostedCallback(SendOrPostCallback callback, object? state) : IThreadPoolWorkItem
    {
        public void Execute() => callback(state);
    }
}
