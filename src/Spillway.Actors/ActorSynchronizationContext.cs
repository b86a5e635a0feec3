namespace Spillway.Actors;

/// <summary>
/// Installed while actor code runs: an <c>await</c> in a handler captures it and posts its continuation back to the
/// actor scheduler instead of the .NET thread pool.
/// </summary>
/// <remarks>
/// <para>
/// A posted callback that throws is logged (through the scheduler's <see cref="ActorScheduler.FailureLogger"/>) and
/// ignored, never rethrown on a worker or pool thread: that is where an <c>async void</c> method of actor code sends its
/// exception, and on the .NET thread pool a rethrow would end the process. The log names the actor that posted the
/// callback when it is known: when the post came from that actor's turn, or from a callback that actor posted.
/// </para>
/// <para>Thread-safety: stateless apart from the scheduler, which is thread-safe.</para>
/// </remarks>
internal sealed class ActorSynchronizationContext : SynchronizationContext
{
    private readonly ActorScheduler _scheduler;

    public ActorSynchronizationContext(ActorScheduler scheduler) => _scheduler = scheduler;

    public override void Post(SendOrPostCallback d, object? state)
    {
        ArgumentNullException.ThrowIfNull(d);
        _scheduler.Schedule(new PostedCallback(this, d, state, OwnerOfRunningItem()));
    }

    public override void Send(SendOrPostCallback d, object? state)
    {
        ArgumentNullException.ThrowIfNull(d);
        d(state);
    }

    public override SynchronizationContext CreateCopy() => this;

    /// <summary>The actor whose code is running on this thread, if the scheduler can tell.</summary>
    private ActorCell? OwnerOfRunningItem() => _scheduler.RunningItem switch
    {
        ActorCell cell => cell,
        PostedCallback posted => posted.Owner,
        _ => null,
    };

    private void OnCallbackFailed(Exception error, ActorCell? owner) =>
        Log.PostedCallbackFailed(_scheduler.FailureLogger, error, owner?.Path ?? "?");

    private sealed class PostedCallback(ActorSynchronizationContext context, SendOrPostCallback callback, object? state, ActorCell? owner) : IThreadPoolWorkItem
    {
        /// <summary>Gets the actor whose code posted this callback, if known.</summary>
        public ActorCell? Owner => owner;

        public void Execute()
        {
            try
            {
                callback(state);
            }
            catch (Exception error)
            {
                context.OnCallbackFailed(error, owner);
            }
        }
    }
}
