namespace Spillway.Actors;

/// <summary>
/// Answers "whose code runs on this thread right now": a turn of an actor, a continuation of actor code posted through
/// the actor <see cref="SynchronizationContext"/>, or neither (another thread, a timer, a host).
/// </summary>
/// <remarks>
/// <para>
/// Asked only off the hot path: by a tell that a sealed mailbox refused during a shutdown's drain, by a spawn during a
/// shutdown, and by <see cref="ActorSystem.StopAsync{TMsg}"/> and <see cref="ActorSystem.ShutdownAsync"/>, which refuse
/// to let an actor wait for its own stop. Nothing is written per message: a dedicated worker already records the item
/// it runs (<see cref="DedicatedThreadScheduler.CurrentWorkerItem"/>); schedulers that run on threads they do not own
/// (the .NET thread pool, the systematic tests' scheduler) record it here per work item, around
/// <see cref="Enter"/>/<see cref="Exit"/>.
/// </para>
/// <para>
/// A posted continuation belongs to the system whose context it was posted to, always (only code that ran on that
/// system's workers captured that context). Which actor it belongs to is recorded when it is posted, from the item the
/// posting thread was running: right when a handler posts its own continuation (<c>await Task.Yield()</c>, an await
/// of something its own turn completes), unknown when the awaited task completes on a foreign thread (a timer), and
/// wrong when another actor's turn completed a task this actor awaits. An ask's reply, the common case of that, is
/// completed as foreign code (<see cref="EnterForeign"/>); a task of the user's own completed by one actor for
/// another remains a known limit. The actor of a continuation is trusted only while that actor's turn is in progress
/// (<see cref="ActorCell.IsTurnInProgress"/>), which its own pending handler implies: a continuation of a handler
/// that has already returned cannot deadlock its actor's stop.
/// </para>
/// <para>Thread-safety: per thread by construction (thread-static state, or the calling worker's own fields).</para>
/// </remarks>
internal static class ActorCode
{
    /// <summary>The work item running on this thread, for schedulers without workers of their own; <see langword="null"/> elsewhere.</summary>
    [ThreadStatic]
    private static IThreadPoolWorkItem? t_item;

    /// <summary>Gets the work item running on this thread, if a scheduler of this runtime runs one.</summary>
    public static IThreadPoolWorkItem? CurrentItem => t_item ?? DedicatedThreadScheduler.CurrentWorkerItem;

    /// <summary>Records that <paramref name="item"/> runs on this thread from now on; returns what to give back to <see cref="Exit"/>.</summary>
    public static IThreadPoolWorkItem? Enter(IThreadPoolWorkItem item)
    {
        var previous = t_item;
        t_item = item;
        return previous;
    }

    /// <summary>
    /// Records that the code running from now on is nobody's actor code, even on a worker: around the completion of an
    /// ask's reply, whose continuations (posted from here) are the asker's, not the replier's. Ended by <see cref="Exit"/>.
    /// </summary>
    public static IThreadPoolWorkItem? EnterForeign() => Enter(Foreign.Instance);

    /// <summary>Ends what <see cref="Enter"/> began.</summary>
    public static void Exit(IThreadPoolWorkItem? previous) => t_item = previous;

    /// <summary>Gets whether the code running now is code of an actor of the system that <paramref name="scheduler"/> runs.</summary>
    public static bool IsRunningOn(ActorScheduler scheduler) => CurrentItem switch
    {
        ActorCell cell => ReferenceEquals(cell.System.Scheduler, scheduler),
        ActorSynchronizationContext.PostedCallback callback => ReferenceEquals(callback.Scheduler, scheduler),
        _ => false,
    };

    /// <summary>
    /// Gets the actor whose turn the code running now belongs to, when that is known for sure (see the type remarks);
    /// <see langword="null"/> otherwise.
    /// </summary>
    public static ActorCell? CurrentActor => CurrentItem switch
    {
        ActorCell cell => cell,
        ActorSynchronizationContext.PostedCallback { Actor: { } actor } when actor.IsTurnInProgress => actor,
        _ => null,
    };

    /// <summary>Stands for "no actor's code" (<see cref="EnterForeign"/>).</summary>
    private sealed class Foreign : IThreadPoolWorkItem
    {
        public static readonly Foreign Instance = new();

        public void Execute()
        {
        }
    }

    /// <summary>Gets the actor to record on a continuation posted now to <paramref name="scheduler"/>'s context.</summary>
    public static ActorCell? PostingActor(ActorScheduler scheduler) => CurrentItem switch
    {
        ActorCell cell when ReferenceEquals(cell.System.Scheduler, scheduler) => cell,
        ActorSynchronizationContext.PostedCallback callback when ReferenceEquals(callback.Scheduler, scheduler) => callback.Actor,
        _ => null,
    };
}
