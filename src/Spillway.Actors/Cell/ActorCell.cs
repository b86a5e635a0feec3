namespace Spillway.Actors;

/// <summary>
/// The part of an actor's runtime state that does not depend on its message type: identity, family, watchers and the
/// stop signal. <see cref="ActorCell{TMsg}"/> adds the mailbox and the turn loop.
/// </summary>
/// <remarks>
/// Thread-safety: identity is immutable. Children, watchers and timers live in <see cref="Relations"/>, created on
/// first use and guarded by its own lock, so an actor that never spawns, watches or schedules pays for none of them.
/// </remarks>
internal abstract partial class ActorCell : IThreadPoolWorkItem
{
    private Relations? _relations;

    /// <summary>The first instance's type, for <see cref="TypeTag"/>; <see langword="null"/> until the first instance exists.</summary>
    private Type? _typeForTag;

    protected ActorCell(ActorSystem system, ActorCell? parent, ActorName name, SupervisionStrategy strategy)
    {
        System = system;
        Parent = parent;
        ActorName = name;
        Strategy = strategy;
    }

    public ActorSystem System { get; }

    public ActorCell? Parent { get; }

    /// <summary>Gets the name as spawned: given, or generated and not yet made into a string (see <see cref="Actors.ActorName"/>).</summary>
    public ActorName ActorName { get; }

    /// <summary>Gets the actor's name among its siblings; a generated name is made into a new string on each call.</summary>
    public string Name => ActorName.ToString();

    /// <summary>Gets the actor's path, built on each call: only slow paths (logs, dead letters, errors) ask, and an idle actor keeps no copy.</summary>
    public string Path => (Parent?.Path ?? System.RootPath) + "/" + Name;

    public SupervisionStrategy Strategy { get; }

    /// <summary>Gets the <c>spillway.actor.type</c> metric attribute: the class name of the first instance.</summary>
    public KeyValuePair<string, object?> TypeTag => _typeForTag is null ? default : ActorMetrics.TypeTag(_typeForTag);

    /// <summary>
    /// Sets the type named by <see cref="TypeTag"/> (the first instance's type). The cell keeps the type, not the tag:
    /// the tag is rebuilt per use from the runtime's cached type name, which saves an idle actor a field.
    /// </summary>
    protected Type TypeForTag
    {
        set => _typeForTag = value;
    }

    public abstract Type ActorType { get; }

    public abstract bool IsStopped { get; }

    /// <summary>Gets a racy snapshot of the messages waiting in the mailbox, for the queued gauge.</summary>
    public abstract long QueuedCount { get; }

    /// <summary>Gets the messages appended to this actor's lanes so far (the running total behind the sent counter).</summary>
    public abstract long SentTotal { get; }

    /// <summary>Gets the messages this actor handed to its handlers so far (the running total behind the processed counter).</summary>
    public abstract long ProcessedTotal { get; }

    /// <summary>
    /// Gets whether a turn of this actor is in progress: queued, running, or suspended on a pending task (a handler or a
    /// lifecycle step), and the actor not stopped. Code of this actor's turn may then run as a posted continuation (see
    /// <see cref="ActorCode"/>). A racy snapshot.
    /// </summary>
    public abstract bool IsTurnInProgress { get; }

    /// <summary>
    /// Gets whether nothing is going on in this mailbox right now: stopped, or idle (no turn queued, running or
    /// suspended) with no message in its lanes. A racy snapshot, for a shutdown's quiescence scan.
    /// </summary>
    public abstract bool IsMailboxQuiet { get; }

    /// <summary>Gets whether the system has counted this actor as stopped. Caller holds the <see cref="MailboxTotals"/> lock.</summary>
    public bool IsStopCounted_NeedsLock => Volatile.Read(ref _relations)?.StopCounted ?? false;

    /// <summary>Gets a task that completes when the actor has fully stopped (children, hooks, watchers done).</summary>
    public Task Completion => EnsureStoppedSignal().Task;

    /// <summary>Runs one turn; the entry point of schedulers without workers of their own (the .NET thread pool).</summary>
    public void Execute() => Execute(worker: null);

    /// <summary>Runs one turn on <paramref name="worker"/>, or on a thread the runtime does not own when it is <see langword="null"/>.</summary>
    public abstract void Execute(SchedulerWorker? worker);

    /// <summary>
    /// Runs one turn on a dedicated <paramref name="worker"/> whose own catch block calls <see cref="OnTurnFailed"/> for
    /// whatever escapes: <see cref="Execute(SchedulerWorker)"/> without a try/catch frame of its own, one frame fewer on
    /// every one-message turn (the ping-pong path).
    /// </summary>
    public abstract void ExecuteUnguarded(SchedulerWorker worker);

    /// <summary>
    /// A turn run through <see cref="ExecuteUnguarded"/> threw: what <see cref="Execute(SchedulerWorker)"/>'s own catch
    /// does (log, and stop the actor rather than leave it wedged). Never throws.
    /// </summary>
    public abstract void OnTurnFailed(Exception error);

    /// <summary>Asks the actor to stop: at once (after the current message), or gracefully once its mailbox is drained.</summary>
    public abstract void RequestStop(bool graceful);

    /// <summary>Refuses new messages to this actor and all its descendants, keeping what is queued (shutdown).</summary>
    public void SealTree()
    {
        SealMailbox();
        foreach (var child in SnapshotChildren())
        {
            child.SealTree();
        }
    }

    /// <summary>
    /// Closes the mailboxes of this actor and its descendants that have not stopped, from outside their turns, turning
    /// what is queued in their lanes into dead letters (a shutdown ran out of time).
    /// </summary>
    public void ForceCloseTree()
    {
        ForceCloseMailbox();
        foreach (var child in SnapshotChildren())
        {
            child.ForceCloseTree();
        }
    }

    /// <summary>Gets whether this actor is <paramref name="ancestor"/> or one of its descendants.</summary>
    public bool IsSelfOrDescendantOf(ActorCell ancestor)
    {
        for (var cell = this; cell is not null; cell = cell.Parent)
        {
            if (ReferenceEquals(cell, ancestor))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Claims the one-time "this actor has stopped" bookkeeping. A shutdown that gives up on a suspended actor and the
    /// actor's own stop, should it finish later, may both get here; only the first counts. Caller holds the
    /// <see cref="MailboxTotals"/> lock (so a plain check and write suffice: every writer holds it).
    /// </summary>
    public bool TryMarkStopped_NeedsLock()
    {
        var relations = EnsureRelations();
        if (relations.StopCounted)
        {
            return false;
        }

        relations.StopCounted = true;
        return true;
    }

    /// <summary>Logs a failed step of a stop (or restart); never throws (a throwing logger must not stop the stop either).</summary>
    protected void LogStepFailed(Exception error, string step)
    {
        try
        {
            Log.HookFailed(System.Logger, error, Path, step);
        }
        catch (Exception)
        {
            // Nothing left to report to: the stop goes on regardless.
        }
    }

    protected void SignalStopped() => EnsureStoppedSignal().TrySetResult();

    protected abstract void SealMailbox();

    protected abstract void ForceCloseMailbox();

    private TaskCompletionSource EnsureStoppedSignal()
    {
        // Kept with the relations: only a stop, or a caller waiting for one, needs the signal.
        var relations = EnsureRelations();
        var signal = Volatile.Read(ref relations.Stopped);
        if (signal is not null)
        {
            return signal;
        }

        // CAS: the stopping actor and a StopAsync caller may create the signal at once; both must share one.
        var created = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        return Interlocked.CompareExchange(ref relations.Stopped, created, null) ?? created;
    }

    private Relations EnsureRelations()
    {
        var relations = Volatile.Read(ref _relations);
        if (relations is not null)
        {
            return relations;
        }

        // CAS: two threads may add the first child and the first watcher at once; both must use one object.
        var created = new Relations();
        return Interlocked.CompareExchange(ref _relations, created, null) ?? created;
    }
}
