namespace Spillway.Actors;

/// <summary>
/// The part of a pooled ask that does not depend on the reply type: who may complete it (the version stamp), its place
/// among the system's pending time-outs (<see cref="AskTimeouts"/>), its cancellation registration, and how its asker is
/// resumed.
/// </summary>
/// <remarks>
/// <para>
/// Thread-safety: a reply, a handler failure, a dead letter, the time-out and the cancellation race to complete an
/// ask; <see cref="_stamp"/> picks exactly one winner by compare-and-swap. The stamp is <c>version * 2</c> while the ask
/// is pending and <c>version * 2 + 1</c> once it is claimed; recycling moves it to the next version, so a completer that
/// holds an older version (a late <see cref="Reply{T}"/>, a stale tag) can never claim a later ask of the same object.
/// </para>
/// <para>
/// Only the winner touches the operation after its claim: it disposes the cancellation registration and signals the
/// asker. The asker recycles the operation when it takes the result, which is after the signal. The time-out heap keeps
/// the operation while it is reused (see <see cref="AskTimeouts"/>): the tick tells the armed ask by the version and
/// the deadline (<see cref="IsArmed"/>), and a cancellation callback carries the version it was registered for.
/// </para>
/// </remarks>
internal abstract class AskOperation : IThreadPoolWorkItem
{
    /// <summary>Versions wrap around below this mask, so the stamp never overflows.</summary>
    private const int MaxVersion = 0x3FFF_FFFF;

    /// <summary>
    /// One spare operation per thread, of whatever reply type it served last: an asker in a loop reuses the same object.
    /// In this non-generic class (not one per reply type) because a generic class's thread-static costs a runtime lookup
    /// on every access, twice per ask.
    /// </summary>
    [ThreadStatic]
    private static AskOperation? t_spare;

    /// <summary>See the type remarks; Interlocked compare-and-swap by every completer, plain writes only while nobody else can see it.</summary>
    private int _stamp;

    private CancellationTokenRegistration _registration;

    /// <summary>The scheduler of the asked actor's system: where a reply sent from one of its turns resumes the asker.</summary>
    private ActorScheduler? _scheduler;

    /// <summary>
    /// When the pending ask times out, in the units of its <see cref="AskTimeouts"/>'s clock; <see cref="long.MaxValue"/>
    /// when no ask is armed. Stored by the asker with a full fence (see <see cref="AskTimeouts"/>), reset by
    /// <see cref="ResetForReuse"/> before the next version is published, read by the tick.
    /// </summary>
    internal long Deadline = long.MaxValue;

    /// <summary>
    /// The heap this operation is in (it stays there while it is reused, see <see cref="AskTimeouts"/>), or
    /// <see langword="null"/>. Written under that heap's lock; read without it by <see cref="AskTimeouts.Add"/>.
    /// </summary>
    internal AskTimeouts? HeapOwner;

    /// <summary>The key that orders it in <see cref="HeapOwner"/>: never later than the armed deadline. Written under that heap's lock.</summary>
    internal long HeapKey;

    /// <summary>
    /// The next (older) asker in a worker's stack of askers to resume (see <c>DedicatedThreadScheduler.Worker.Resume</c>);
    /// written before the compare-and-swap that pushes this operation, and by whoever took the stack.
    /// </summary>
    internal AskOperation? NextResume;

    /// <summary>Gets or sets the position in <see cref="HeapOwner"/>'s heap, -1 when not in it; guarded by that heap's lock.</summary>
    internal int HeapIndex { get; set; } = -1;

    /// <summary>Gets or sets the next operation the time-out tick claimed; only that tick touches it, between claim and signal.</summary>
    internal AskOperation? NextExpired { get; set; }

    /// <summary>Gets the time-out, for the <see cref="TimeoutException"/> message.</summary>
    private protected TimeSpan Timeout { get; private set; }

    /// <summary>Gets the version of the current ask (the stamp without its claimed bit).</summary>
    internal int Version => Volatile.Read(ref _stamp) >> 1;

    /// <summary>Gets whether the ask of <paramref name="version"/> is no longer pending (claimed, or already recycled).</summary>
    internal bool IsClaimed(int version) => Volatile.Read(ref _stamp) != version << 1;

    /// <summary>
    /// Gets whether the operation serves a pending ask whose time-out is armed, with that ask's version and deadline: the
    /// tick's question. The stamp first, then the deadline: <see cref="ResetForReuse"/> clears the deadline before it
    /// publishes the next version, so the deadline read belongs to <paramref name="version"/> or to a later ask (whose
    /// claim by that older version then fails).
    /// </summary>
    internal bool IsArmed(out int version, out long deadline)
    {
        var stamp = Volatile.Read(ref _stamp);
        version = stamp >> 1;
        deadline = Volatile.Read(ref Deadline);
        return (stamp & 1) == 0 && deadline != long.MaxValue;
    }

    /// <summary>
    /// Arms the time-out and the cancellation of a freshly rented operation, before anything can complete it (before
    /// its reply exists). The time-out comes first: a cancellation that fires during registration finds it to remove.
    /// </summary>
    internal void Start(ActorScheduler scheduler, AskTimeouts timeouts, TimeSpan timeout, CancellationToken cancellationToken)
    {
        _scheduler = scheduler;
        Timeout = timeout;
        if (timeout != System.Threading.Timeout.InfiniteTimeSpan)
        {
            timeouts.Add(this, timeout);
        }

        if (cancellationToken.CanBeCanceled)
        {
            // A token cancelled meanwhile runs the callback right here: the ask completes as cancelled, and its request
            // is still appended (as when the token is cancelled just after the append).
            try
            {
                _registration = RegisterCancellation(cancellationToken);
            }
            catch
            {
                // The token's source was disposed: the ask never starts. Claimed so nothing else completes it (the
                // time-out tick then drops it from the heap); the object is left to the collector.
                TryClaim(Version);
                throw;
            }
        }
    }

    /// <remarks>
    /// The callback carries the version it was registered for (one small object, for cancellable asks only): a callback
    /// that runs late, or a registration whose disposal raced with a completion, can never claim a later ask.
    /// </remarks>
    private CancellationTokenRegistration RegisterCancellation(CancellationToken cancellationToken) =>
        cancellationToken.UnsafeRegister(
            static (state, token) =>
            {
                var (operation, version) = (Tuple<AskOperation, int>)state!;
                if (operation.TryClaim(version))
                {
                    operation.CompleteCancelled(token);
                }
            },
            Tuple.Create(this, Version));

    /// <summary>
    /// Claims the ask of <paramref name="version"/> for the caller, who must then complete it. The compare-and-swap
    /// decides the race between every completer; see the type remarks.
    /// </summary>
    internal bool TryClaim(int version) =>
        Interlocked.CompareExchange(ref _stamp, (version << 1) | 1, version << 1) == version << 1;

    /// <summary>Completes a claimed ask with a <see cref="TimeoutException"/>; called by the time-out tick, which took it off the heap.</summary>
    internal abstract void CompleteTimedOut();

    /// <summary>Completes a claimed ask as cancelled.</summary>
    private protected abstract void CompleteCancelled(CancellationToken token);

    /// <summary>Signals the asker of a claimed ask whose outcome is stored (see <see cref="AskSource{T}"/>).</summary>
    private protected abstract void SignalNow(bool inline);

    /// <summary>
    /// Called by the winner after storing the outcome: drops the cancellation registration, then resumes the asker. The
    /// time-out heap needs nothing: a claimed operation serves no armed ask, and the tick drops or re-keys it lazily
    /// (see <see cref="AskTimeouts"/>).
    /// </summary>
    /// <remarks>
    /// A reply sent from a turn on a dedicated worker does not resume the asker inside the handler: the operation goes
    /// to that worker's askers to resume, and the asker's continuation runs right after the turn, on the same warm
    /// thread, without waking any thread (see its <c>IThreadPoolWorkItem.Execute</c>). Anywhere else (a pool scheduler,
    /// a timer, a foreign thread) the asker resumes on the .NET thread pool, or on the context it awaited on.
    /// </remarks>
    private protected void Finish()
    {
        LeaveEagerTimeouts();
        DisposeRegistration();

        if (_scheduler is DedicatedThreadScheduler dedicated && dedicated.TryResumeAfterItem(this))
        {
            return;
        }

        // The asker's continuation is scheduled from here (posted to the pool or to the context it awaited on), and it is
        // the asker's code, not that of an actor whose turn may be running on this thread (the replier's): marked foreign
        // so that a post to an actor's context is not taken for the replier's (see ActorCode). The next-slot path above
        // schedules no continuation: the asker resumes later, in the operation's own work item, marked foreign there.
        var previous = ActorCode.EnterForeign();
        try
        {
            SignalNow(inline: false);
        }
        finally
        {
            ActorCode.Exit(previous);
        }
    }

    /// <summary>Drops a claimed ask's cancellation registration, without signalling anyone (the heap needs nothing, see <see cref="Finish"/>).</summary>
    private protected void Disarm()
    {
        LeaveEagerTimeouts();
        DisposeRegistration();
    }

    /// <summary>An eager heap (see <see cref="AskTimeouts.IsEager"/>) loses the operation as soon as its ask is claimed.</summary>
    private void LeaveEagerTimeouts()
    {
        if (Volatile.Read(ref HeapOwner) is { IsEager: true } eager)
        {
            eager.Forget(this);
        }
    }

    /// <summary>Takes the operation out of the time-out heap for good: it leaves the pool (see <see cref="AskTimeouts.Forget"/>).</summary>
    private protected void LeaveTimeouts() => Volatile.Read(ref HeapOwner)?.Forget(this);

    /// <summary>
    /// Waits for a cancellation callback that is running now (it lost the claim and returns at once); a callback of this
    /// very thread (the cancellation won) is not waited for.
    /// </summary>
    /// <remarks>
    /// Read-only here: the field is written only by <see cref="Start"/> and by the asker's reset, so a completer that
    /// races with <see cref="Start"/> at worst disposes nothing, and the reset disposes the registration for good.
    /// </remarks>
    private void DisposeRegistration() => _registration.Dispose();

    /// <summary>
    /// Runs on a dedicated worker right after the item that replied (see <see cref="Finish"/>): resumes the asker inline,
    /// as nobody's actor code and without the actor synchronization context, so the asker's own awaits do not take it
    /// for actor code.
    /// </summary>
    /// <remarks>
    /// Trade-off: the asker's code, up to its next await, runs on an actor worker. Code that blocks there holds that
    /// worker (the starvation check then adds workers), as any blocking handler would; in exchange a request-reply loop
    /// needs no thread hop and no wake-up per ask. Not inside the replier's turn: there, a blocking asker would hold that
    /// actor too, and no added worker could run it. An asker that awaited on a context of its own (an actor handler, a
    /// UI) is posted to that context instead.
    /// </remarks>
    void IThreadPoolWorkItem.Execute()
    {
        var foreign = ActorCode.EnterForeign();
        try
        {
            using var noContext = new SynchronizationContextScope(null);
            SignalNow(inline: true);
        }
        finally
        {
            ActorCode.Exit(foreign);
        }
    }

    /// <summary>Gets or sets the thread's spare operation (see <see cref="t_spare"/>); only the thread itself touches it.</summary>
    private protected static AskOperation? ThreadSpare
    {
        get => t_spare;
        set => t_spare = value;
    }

    /// <summary>Moves the stamp to the next version, pending: called only by the asker when it has taken the result.</summary>
    private protected void ResetForReuse()
    {
        // The asker took the result, so the ask is complete and its completer done: no callback of this version can
        // claim anything any more (it carries its version); disposing frees the token's node.
        _registration.Dispose();
        _registration = default;
        _scheduler = null;
        NextExpired = null;

        // Unarmed before the next version is published (the stamp's volatile write releases it): the tick reads the stamp
        // first, so it never pairs the next version with this ask's deadline (see IsArmed).
        Volatile.Write(ref Deadline, long.MaxValue);

        // Volatile: a stale completer reads the stamp to compare; it must see either the claimed old stamp or the new one.
        Volatile.Write(ref _stamp, (((_stamp >> 1) + 1) & MaxVersion) << 1);
    }

    /// <inheritdoc/>
    public override string ToString() => "ask continuation";
}
