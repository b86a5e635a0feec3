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
/// <para>
/// Each posted callback records its scheduler and that actor (see <see cref="ActorCode"/>), and posted and finished
/// callbacks are counted (Interlocked), so a shutdown's drain can tell that no continuation of actor code is queued or
/// running (<see cref="OutstandingCallbacks"/>).
/// </para>
/// <para>Thread-safety: any thread posts; the counters are Interlocked, the rest is the scheduler's, which is thread-safe.</para>
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

    private void OnCallbackFailed(Exception error, ActorCell? owner) =>
        Log.PostedCallbackFailed(_scheduler.FailureLogger, error, owner?.Path ?? "?");

    /// <summary>A continuation of actor code, queued on the actor scheduler.</summary>
    internal sealed class PostedCallback(ActorSynchronizationContext context, SendOrPostCallback callback, object? state, ActorCell? owner) : IThreadPoolWorkItem
    {
        /// <summary>Gets the scheduler of the system whose actor code posted this callback.</summary>
        public ActorScheduler Scheduler => context._scheduler;

        /// <summary>Gets the actor whose code posted this callback, if known (see <see cref="ActorCode"/>).</summary>
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
            finally
            {
                // Interlocked: callbacks finish on many workers at once.
                Interlocked.Increment(ref context._finished);
            }
        }
    }
}
