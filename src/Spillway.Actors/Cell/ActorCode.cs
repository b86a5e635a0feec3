namespace Spillway.Actors;

/// <summary>
/// Answers "whose code runs on this thread right now": a turn of an actor, a continuation of actor code posted through
/// the actor <see cref="SynchronizationContext"/>, or neither (another thread, a timer, a host).
/// </summary>
/// <remarks>
/// <para>
/// Asked only off the hot path: by a tell that a sealed mailbox refused during a shutdown's drain, by a spawn during a
/// shutdown, by a post to the actor context, and by <see cref="ActorSystem.StopAsync{TMsg}"/> and
/// <see cref="ActorSystem.ShutdownAsync"/>, which refuse to let an actor wait for its own stop. Nothing is written per
/// message: the schedulers already know the item each of their threads runs (<see cref="ActorScheduler.RunningItem"/>).
/// </para>
/// <para>
/// A posted continuation belongs to the system whose context it was posted to, always (only code that ran on that
/// system's threads captured that context). Which actor it belongs to is recorded when it is posted, from the item the
/// posting thread was running: right when a handler posts its own continuation (<c>await Task.Yield()</c>, an await
/// of something its own turn completes), unknown when the awaited task completes on a foreign thread (a timer), and
/// wrong when another actor's turn completed a task this actor awaits. An ask's reply, the common case of that, is
/// completed as foreign code (<see cref="EnterForeign"/>); a task of the user's own completed by one actor for
/// another remains a known limit. The actor of a continuation is trusted only while that actor's turn is in progress
/// (<see cref="ActorCell.IsTurnInProgress"/>), which its own pending handler implies: a continuation of a handler
/// that has already returned cannot deadlock its actor's stop.
/// </para>
/// <para>Thread-safety: per thread by construction (thread-static state, or the calling thread's own scheduler state).</para>
/// </remarks>
internal static class ActorCode
{
    /// <summary>Set while the code running on this thread must count as nobody's actor code (<see cref="EnterForeign"/>).</summary>
    [ThreadStatic]
    private static bool t_foreign;

    /// <summary>
    /// Records that the code running from now on is nobody's actor code, even on a worker: around the completion of an
    /// ask's reply, whose continuations (posted from here) are the asker's, not the replier's. Ended by <see cref="Exit"/>.
    /// </summary>
    /// <returns>What to give back to <see cref="Exit"/>.</returns>
    public static bool EnterForeign()
    {
        var previous = t_foreign;
        t_foreign = true;
        return previous;
    }

    /// <summary>Ends what <see cref="EnterForeign"/> began.</summary>
    public static void Exit(bool previous) => t_foreign = previous;

    /// <summary>Gets whether the code running now is code of an actor of the system that <paramref name="scheduler"/> runs.</summary>
    public static bool IsRunningOn(ActorScheduler scheduler) => RunningItem(scheduler) is not null;

    /// <summary>
    /// Gets the actor of <paramref name="scheduler"/>'s system whose turn the code running now belongs to, when that is
    /// known for sure (see the type remarks); <see langword="null"/> otherwise.
    /// </summary>
    public static ActorCell? CurrentActorOn(ActorScheduler scheduler) => RunningItem(scheduler) switch
    {
        ActorCell cell => cell,
        ActorSynchronizationContext.PostedCallback { Owner: { } owner } when owner.IsTurnInProgress => owner,
        _ => null,
    };

    /// <summary>Gets the actor to record on a continuation posted now to <paramref name="scheduler"/>'s context.</summary>
    public static ActorCell? PostingActor(ActorScheduler scheduler) => RunningItem(scheduler) switch
    {
        ActorCell cell => cell,
        ActorSynchronizationContext.PostedCallback posted => posted.Owner,
        _ => null,
    };

    /// <summary>
    /// Gets the actor work item of <paramref name="scheduler"/>'s system running on this thread: a cell's turn or a
    /// continuation posted to that system's context. Checked against the item's owner too, so a scheduler whose answer
    /// is per thread rather than per scheduler (a test scheduler) cannot mistake another system's item for its own.
    /// </summary>
    private static IThreadPoolWorkItem? RunningItem(ActorScheduler scheduler) => t_foreign ? null : scheduler.RunningItem switch
    {
        ActorCell cell when ReferenceEquals(cell.System.Scheduler, scheduler) => cell,
        ActorSynchronizationContext.PostedCallback posted when ReferenceEquals(posted.Scheduler, scheduler) => posted,
        _ => null,
    };
}
