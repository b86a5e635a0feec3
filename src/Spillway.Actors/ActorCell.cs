namespace Spillway.Actors;

/// <summary>
/// The part of an actor's runtime state that does not depend on its message type: identity, family, watchers and the
/// stop signal. <see cref="ActorCell{TMsg}"/> adds the mailbox and the turn loop.
/// </summary>
/// <remarks>
/// Thread-safety: identity is immutable. Children, watchers and timers live in <see cref="Relations"/>, created on
/// first use and guarded by its own lock, so an actor that never spawns, watches or schedules pays for none of them.
/// </remarks>
internal abstract class ActorCell : IThreadPoolWorkItem
{
    private Relations? _relations;
    private TaskCompletionSource? _stopped;
    private string? _path;

    /// <summary>
    /// Set once the system has counted this actor as stopped and retired its message totals; see
    /// <see cref="TryMarkStopped_NeedsLock"/>. Read and written only under the lock of the system's
    /// <see cref="MailboxTotals"/>, which is what makes retirement atomic with respect to a metrics walk.
    /// </summary>
    private bool _stopCounted;

    protected ActorCell(ActorSystem system, ActorCell? parent, string name, SupervisionStrategy strategy)
    {
        System = system;
        Parent = parent;
        Name = name;
        Strategy = strategy;
    }

    public ActorSystem System { get; }

    public ActorCell? Parent { get; }

    public string Name { get; }

    public string Path => _path ??= (Parent?.Path ?? System.RootPath) + "/" + Name;

    public SupervisionStrategy Strategy { get; }

    /// <summary>Gets the <c>spillway.actor.type</c> metric attribute: the class name of the first instance.</summary>
    public KeyValuePair<string, object?> TypeTag { get; protected set; }

    public abstract Type ActorType { get; }

    public abstract bool IsStopped { get; }

    /// <summary>Gets a racy snapshot of the messages waiting in the mailbox, for the queued gauge.</summary>
    public abstract long QueuedCount { get; }

    /// <summary>Gets the messages this actor took out of its lanes so far (the running total behind the sent counter).</summary>
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
    public bool IsStopCounted_NeedsLock => _stopCounted;

    /// <summary>Gets a task that completes when the actor has fully stopped (children, hooks, watchers done).</summary>
    public Task Completion => EnsureStoppedSignal().Task;

    /// <summary>Runs one turn; the entry point of schedulers without workers of their own (the .NET thread pool).</summary>
    public void Execute() => Execute(worker: null);

    /// <summary>Runs one turn on <paramref name="worker"/>, or on a thread the runtime does not own when it is <see langword="null"/>.</summary>
    public abstract void Execute(SchedulerWorker? worker);

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

    /// <summary>Registers a child; <see langword="false"/> when the name is taken.</summary>
    /// <exception cref="InvalidOperationException">This actor is stopping.</exception>
    public bool TryAddChild(ActorCell child)
    {
        var relations = EnsureRelations();
        lock (relations)
        {
            if (relations.ChildrenClosed)
            {
                throw new InvalidOperationException($"Actor {Path} is stopping; it cannot spawn children.");
            }

            relations.Children ??= new Dictionary<string, ActorCell>(StringComparer.Ordinal);
            return relations.Children.TryAdd(child.Name, child);
        }
    }

    public void RemoveChild(ActorCell child)
    {
        var relations = Volatile.Read(ref _relations);
        if (relations is null)
        {
            return;
        }

        lock (relations)
        {
            if (relations.Children is { } children && children.TryGetValue(child.Name, out var current) && ReferenceEquals(current, child))
            {
                children.Remove(child.Name);
            }
        }
    }

    /// <summary>Pushes the current children onto <paramref name="pending"/> (a metrics walk), without allocating.</summary>
    public void PushChildren(Stack<ActorCell> pending)
    {
        var relations = Volatile.Read(ref _relations);
        if (relations is null)
        {
            return;
        }

        lock (relations)
        {
            if (relations.Children is { } children)
            {
                foreach (var child in children.Values)
                {
                    pending.Push(child);
                }
            }
        }
    }

    public ActorCell[] SnapshotChildren()
    {
        var relations = Volatile.Read(ref _relations);
        if (relations is null)
        {
            return [];
        }

        lock (relations)
        {
            return relations.Children is { Count: > 0 } children ? [.. children.Values] : [];
        }
    }

    /// <summary>Registers a callback for when this actor stops; runs it at once if it already has.</summary>
    public void AddWatcher(Action notify)
    {
        var relations = EnsureRelations();
        lock (relations)
        {
            if (!relations.WatchersNotified)
            {
                (relations.Watchers ??= []).Add(notify);
                return;
            }
        }

        // Outside the lock: the callback tells another actor.
        notify();
    }

    /// <summary>Tracks a timer so it dies with the actor.</summary>
    public void AddTimer(IDisposable timer)
    {
        var relations = EnsureRelations();
        lock (relations)
        {
            (relations.Timers ??= []).Add(timer);
        }
    }

    public void RemoveTimer(IDisposable timer)
    {
        var relations = Volatile.Read(ref _relations);
        if (relations is null)
        {
            return;
        }

        lock (relations)
        {
            relations.Timers?.Remove(timer);
        }
    }

    /// <summary>Cancels every timer (stop or restart).</summary>
    protected void CancelTimers()
    {
        var relations = Volatile.Read(ref _relations);
        if (relations is null)
        {
            return;
        }

        IDisposable[] timers;
        lock (relations)
        {
            if (relations.Timers is not { Count: > 0 } set)
            {
                return;
            }

            timers = [.. set];
            set.Clear();
        }

        foreach (var timer in timers)
        {
            timer.Dispose();
        }
    }

    /// <summary>Takes the children for stopping and refuses new ones from now on.</summary>
    protected ActorCell[] CloseChildren()
    {
        var relations = EnsureRelations();
        lock (relations)
        {
            relations.ChildrenClosed = true;
            return relations.Children is { Count: > 0 } children ? [.. children.Values] : [];
        }
    }

    /// <summary>Runs every watcher's callback once; later watchers run at once.</summary>
    protected void NotifyWatchers()
    {
        var relations = EnsureRelations();
        List<Action>? watchers;
        lock (relations)
        {
            relations.WatchersNotified = true;
            watchers = relations.Watchers;
            relations.Watchers = null;
        }

        if (watchers is null)
        {
            return;
        }

        foreach (var notify in watchers)
        {
            // Each watcher on its own: one whose callback throws (its tell failed) must neither stop the others from
            // being told nor the stop from finishing.
            try
            {
                notify();
            }
            catch (Exception error)
            {
                LogStepFailed(error, "a watcher's notification");
            }
        }
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

    /// <summary>
    /// Claims the one-time "this actor has stopped" bookkeeping. A shutdown that gives up on a suspended actor and the
    /// actor's own stop, should it finish later, may both get here; only the first counts. Caller holds the
    /// <see cref="MailboxTotals"/> lock (so a plain check and write suffice: every writer holds it).
    /// </summary>
    public bool TryMarkStopped_NeedsLock()
    {
        if (_stopCounted)
        {
            return false;
        }

        _stopCounted = true;
        return true;
    }

    protected void SignalStopped() => EnsureStoppedSignal().TrySetResult();

    protected abstract void SealMailbox();

    protected abstract void ForceCloseMailbox();

    private TaskCompletionSource EnsureStoppedSignal()
    {
        var signal = Volatile.Read(ref _stopped);
        if (signal is not null)
        {
            return signal;
        }

        // CAS: the stopping actor and a StopAsync caller may create the signal at once; both must share one.
        var created = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        return Interlocked.CompareExchange(ref _stopped, created, null) ?? created;
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

    /// <summary>Children, watchers and timers; every field guarded by <c>lock (this)</c>.</summary>
    private sealed class Relations
    {
        public Dictionary<string, ActorCell>? Children;
        public bool ChildrenClosed;
        public List<Action>? Watchers;
        public bool WatchersNotified;
        public HashSet<IDisposable>? Timers;
    }
}
