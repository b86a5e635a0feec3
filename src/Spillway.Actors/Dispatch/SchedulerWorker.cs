namespace Spillway.Actors;

/// <summary>
/// A worker thread of a scheduler that runs turns on threads of its own. The turns it runs are handed the worker, so a
/// turn can ask about its own worker without a thread-static lookup, which costs several nanoseconds on the
/// one-message turn of a ping-pong.
/// </summary>
/// <remarks>Thread-safety: <see cref="IsQuiet"/> is asked only by the turn running on this worker.</remarks>
internal abstract class SchedulerWorker
{
    /// <summary>
    /// Gets whether nothing waits for this worker right now: the question of <see cref="ActorScheduler.IsQuiet"/>,
    /// asked from a turn running on this worker.
    /// </summary>
    public abstract bool IsQuiet { get; }

    /// <summary>
    /// Tells the worker that the turn running on it used its budget and goes on with a new one (nothing else waited):
    /// the watchdogs must see a new turn, not one long turn.
    /// </summary>
    public virtual void NoteTurnRenewed()
    {
    }
}
