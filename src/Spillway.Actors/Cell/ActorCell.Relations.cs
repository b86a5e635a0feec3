namespace Spillway.Actors;

/// <summary>
/// The actor's relations: its children, its watchers and the actors it watches, and its timers, all kept in one
/// <see cref="Relations"/> object created on first use and guarded by its own lock.
/// </summary>
internal abstract partial class ActorCell
{
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

            relations.Children ??= new HashSet<ActorCell>(ActorRegistryComparer.Instance);
            return relations.Children.Add(child);
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
            // Only this cell: a sibling that took the same name later is another entry (the comparer matches names).
            if (relations.Children is { } children && children.TryGetValue(child, out var current) && ReferenceEquals(current, child))
            {
                children.Remove(child);
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
                foreach (var child in children)
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
            return relations.Children is { Count: > 0 } children ? [.. children] : [];
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
            return relations.Children is { Count: > 0 } children ? [.. children] : [];
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

        /// <summary>The children, matched by name (see <see cref="ActorRegistryComparer"/>).</summary>
        public HashSet<ActorCell>? Children;
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
