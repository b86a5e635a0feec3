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

    /// <summary>The first instance's type, for <see cref="TypeTag"/>; <see langword="null"/> until the first instance exists.</summary>
    private Type? _typeForTag;

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

    /// <summary>
    /// Registers <paramref name="watcher"/> to be told when this actor stops, replacing an earlier registration of the
    /// same watcher (so a watch placed again by every restart still gives one notification). Runs
    /// <paramref name="notify"/> at once, outside every lock, if this actor has already stopped.
    /// </summary>
    /// <remarks>
    /// The registration is recorded on both sides, each under its own lock and never both at once: in this actor's
    /// watchers, and in the watcher's list of actors it watches, so a watcher that stops withdraws its registrations
    /// (<see cref="ReleaseRelations"/>). A watcher that is stopping registers nothing.
    /// </remarks>
    public void AddWatcher(ActorCell watcher, Action notify)
    {
        // Watcher side first: a watcher whose stop has already released its watches must not leave one behind here.
        if (!watcher.TryTrackWatched(this))
        {
            return;
        }

        var relations = EnsureRelations();
        var notifyNow = false;
        lock (relations)
        {
            if (relations.WatchersNotified)
            {
                notifyNow = true;
            }
            else
            {
                (relations.Watchers ??= new Dictionary<ActorCell, Action>(ReferenceEqualityComparer.Instance))[watcher] = notify;
            }
        }

        if (notifyNow)
        {
            watcher.UntrackWatched(this);

            // Outside the lock: the callback tells another actor.
            notify();
            return;
        }

        // The watcher may have stopped between its TryTrackWatched and our registration: its release pass could then
        // have run before the entry existed. Looking again after registering (both sides publish under their locks)
        // means either its pass removed our entry or we see it stopping here and remove the entry ourselves.
        if (watcher.IsReleasingRelations)
        {
            RemoveWatcher(watcher);
        }
    }

    /// <summary>Gets how many watchers are registered on this actor. For tests only.</summary>
    internal int WatcherCount => CountUnderLock(static relations => relations.Watchers?.Count ?? 0);

    /// <summary>Gets how many actors this actor watches. For tests only.</summary>
    internal int WatchingCount => CountUnderLock(static relations => relations.Watching?.Count ?? 0);

    /// <summary>Withdraws <paramref name="watcher"/>'s registration, if any; it is told nothing after this returns.</summary>
    public void RemoveWatcher(ActorCell watcher)
    {
        var relations = Volatile.Read(ref _relations);
        if (relations is not null)
        {
            lock (relations)
            {
                relations.Watchers?.Remove(watcher);
            }
        }

        watcher.UntrackWatched(this);
    }

    /// <summary>Tracks a timer so it dies with the actor.</summary>
    /// <exception cref="InvalidOperationException">The actor is stopping: its timers were cancelled for good.</exception>
    public void AddTimer(IDisposable timer)
    {
        var relations = EnsureRelations();
        lock (relations)
        {
            if (relations.TimersClosed)
            {
                throw new InvalidOperationException(
                    $"Actor {Path} is stopping; its timers were cancelled and it cannot schedule new ones (for example from OnStoppedAsync).");
            }

            (relations.Timers ??= []).Add(timer);
        }
    }

    public void RemoveTimer(IDisposable timer) =>
        UnderLockIfAny(timer, static (relations, timer) => relations.Timers?.Remove(timer));

    /// <summary>
    /// Cancels every timer: on a restart (<paramref name="final"/> false: the new instance may schedule again), or for
    /// good on a stop (<paramref name="final"/> true: a timer scheduled afterwards, say from
    /// <see cref="Actor{TMsg}.OnStoppedAsync"/>, is refused instead of firing forever).
    /// </summary>
    protected void CancelTimers(bool final)
    {
        var relations = final ? EnsureRelations() : Volatile.Read(ref _relations);
        if (relations is null)
        {
            return;
        }

        IDisposable[] timers;
        lock (relations)
        {
            relations.TimersClosed |= final;
            if (relations.Timers is not { Count: > 0 } set)
            {
                return;
            }

            timers = [.. set];
            set.Clear();
        }

        // Outside the lock: disposing a timer waits for nothing, but it is not ours to run under a lock.
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

    /// <summary>
    /// The relations part of a stop: tells every watcher once (later watchers are told at once), and withdraws this
    /// actor's own watches of other actors, so neither side keeps an entry for a stopped actor.
    /// </summary>
    /// <remarks>
    /// The callbacks run outside every lock. A callback that throws is logged and the others still run: a stop never
    /// ends half way because of one watcher.
    /// </remarks>
    protected void ReleaseRelations()
    {
        var relations = EnsureRelations();
        Dictionary<ActorCell, Action>? watchers;
        ActorCell[] watching;
        lock (relations)
        {
            relations.WatchersNotified = true;
            relations.Releasing = true;
            watchers = relations.Watchers;
            relations.Watchers = null;
            watching = relations.Watching is { Count: > 0 } set ? [.. set] : [];
            relations.Watching = null;
        }

        foreach (var watched in watching)
        {
            watched.RemoveWatcher(this);
        }

        if (watchers is null)
        {
            return;
        }

        foreach (var (watcher, notify) in watchers)
        {
            watcher.UntrackWatched(this);
            try
            {
                notify();
            }
            catch (Exception error)
            {
                Log.HookFailed(System.Logger, error, Path, "a watch notification");
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

    /// <summary>Gets whether this actor's stop has begun releasing its relations (it registers no new watch).</summary>
    private bool IsReleasingRelations
    {
        get
        {
            var relations = Volatile.Read(ref _relations);
            if (relations is null)
            {
                return false;
            }

            lock (relations)
            {
                return relations.Releasing;
            }
        }
    }

    /// <summary>Records that this actor watches <paramref name="watched"/>; <see langword="false"/> once this actor is stopping.</summary>
    private bool TryTrackWatched(ActorCell watched)
    {
        var relations = EnsureRelations();
        lock (relations)
        {
            if (relations.Releasing)
            {
                return false;
            }

            (relations.Watching ??= new HashSet<ActorCell>(ReferenceEqualityComparer.Instance)).Add(watched);
            return true;
        }
    }

    private void UntrackWatched(ActorCell watched) =>
        UnderLockIfAny(watched, static (relations, watched) => relations.Watching?.Remove(watched));

    /// <summary>Runs <paramref name="change"/> under the relations lock, if this actor has relations at all (none: nothing to change).</summary>
    private void UnderLockIfAny<TState>(TState state, Action<Relations, TState> change)
    {
        var relations = Volatile.Read(ref _relations);
        if (relations is null)
        {
            return;
        }

        lock (relations)
        {
            change(relations, state);
        }
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

    private int CountUnderLock(Func<Relations, int> count)
    {
        var relations = Volatile.Read(ref _relations);
        if (relations is null)
        {
            return 0;
        }

        lock (relations)
        {
            return count(relations);
        }
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

    /// <summary>
    /// Children, watchers and timers, every field guarded by <c>lock (this)</c>; and the rarely used stop bookkeeping,
    /// guarded as its comments say. Created on first use, so an idle actor with none of these carries one field.
    /// </summary>
    private sealed class Relations
    {
        /// <summary>Completed when the actor has stopped; created by the stop or by the first waiter, by compare-and-swap.</summary>
        public TaskCompletionSource? Stopped;

        /// <summary>
        /// Set once the system has counted this actor as stopped and retired its message totals; see
        /// <see cref="TryMarkStopped_NeedsLock"/>. Read and written only under the lock of the system's
        /// <see cref="MailboxTotals"/> (not this object's lock), which is what makes retirement atomic with respect to a
        /// metrics walk.
        /// </summary>
        public bool StopCounted;

        public Dictionary<string, ActorCell>? Children;
        public bool ChildrenClosed;
        /// <summary>Who is told when this actor stops, keyed by the watcher (by reference), with what to tell it.</summary>
        public Dictionary<ActorCell, Action>? Watchers;
        public bool WatchersNotified;

        /// <summary>The actors this actor watches, so its stop can withdraw its registrations from them.</summary>
        public HashSet<ActorCell>? Watching;

        /// <summary>Set when this actor's stop releases its relations: it takes no new watch from then on.</summary>
        public bool Releasing;

        public HashSet<IDisposable>? Timers;

        /// <summary>Set by the last cancellation of a stop: no timer may be added afterwards.</summary>
        public bool TimersClosed;
    }
}
