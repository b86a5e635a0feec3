namespace Spillway.Actors;

/// <summary>
/// Installed while actor code runs: an <c>await</c> in a handler captures it and posts its continuation back to the
/// actor scheduler instead of the .NET thread pool.
/// </summary>
/// <remarks>
/// Thread-safety: any thread posts. Each posted callback records its scheduler and, when known, the actor whose code
/// posted it (see <see cref="ActorCode"/>). Posted and finished callbacks are counted (Interlocked), so a shutdown's
/// drain can tell that no continuation of actor code is queued or running (<see cref="OutstandingCallbacks"/>).
/// </remarks>
internal sealed class ActorSynchronizationContext : SynchronizationContext
{
    private readonly ActorScheduler _scheduler;

    /// <summary>Callbacks posted so far; Interlocked (many threads post at once).</summary>
    private long _posted;

    /// <summary>Callbacks that have finished running so far; Interlocked (many workers finish at once).</summary>
    private long _finished;

    public ActorSynchronizationContext(ActorScheduler scheduler) => _scheduler = scheduler;

    /// <summary>Gets how many posted callbacks have not finished yet (queued or running).</summary>
    // Finished read first: a callback finishing between the two reads can only make the answer larger, never hide one.
    public long OutstandingCallbacks => -Volatile.Read(ref _finished) + Volatile.Read(ref _posted);

    /// <summary>Gets how many posted callbacks have finished so far.</summary>
    public long FinishedCallbacks => Volatile.Read(ref _finished);

    public override void Post(SendOrPostCallback d, object? state)
    {
        ArgumentNullException.ThrowIfNull(d);

        // Interlocked, before the callback can run: its finish must never be counted before its post.
        Interlocked.Increment(ref _posted);
        _scheduler.Schedule(new PostedCallback(this, d, state, ActorCode.PostingActor(_scheduler)));
    }

    public override void Send(SendOrPostCallback d, object? state)
    {
        ArgumentNullException.ThrowIfNull(d);
        d(state);
    }

    public override SynchronizationContext CreateCopy() => this;

    /// <summary>A continuation of actor code, queued on the actor scheduler.</summary>
    internal sealed class PostedCallback(ActorSynchronizationContext owner, SendOrPostCallback callback, object? state, ActorCell? actor) : IThreadPoolWorkItem
    {
        /// <summary>Gets the scheduler of the system whose actor code posted this callback.</summary>
        public ActorScheduler Scheduler => owner._scheduler;

        /// <summary>Gets the actor whose code was running when this callback was posted, if any (see <see cref="ActorCode"/>).</summary>
        public ActorCell? Actor => actor;

        public void Execute()
        {
            try
            {
                callback(state);
            }
            finally
            {
                // Interlocked: callbacks finish on many workers at once.
                Interlocked.Increment(ref owner._finished);
            }
        }
    }
}
