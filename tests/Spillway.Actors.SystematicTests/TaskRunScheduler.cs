using Microsoft.Coyote.Specifications;

namespace Spillway.Actors.SystematicTests;

/// <summary>
/// An <see cref="ActorScheduler"/> that runs every work item with <see cref="Task.Run(Action)"/>, which Coyote controls:
/// each turn of a mailbox becomes a Coyote operation, so the engine chooses when it runs against the tellers.
/// </summary>
/// <remarks>
/// <para>
/// Why not the runtime's own schedulers: the dedicated pool parks its threads on a <c>SemaphoreSlim</c> fed by a
/// <c>ConcurrentQueue</c>, and the thread-pool one calls <c>ThreadPool.UnsafeQueueUserWorkItem</c>; Coyote controls
/// neither. The mailbox logic under test (<c>ActorMailbox</c> and the turn of <c>ActorCell</c>) is the same whichever
/// scheduler runs it.
/// </para>
/// <para>
/// It does not install the actor <see cref="SynchronizationContext"/>: Coyote runs its operations under a
/// synchronization context of its own, and an <c>await</c> in a test handler must resume under that one.
/// </para>
/// <para>
/// It checks the scheduler's contract as it goes: a work item is never handed to <see cref="Schedule"/> again while it
/// is still queued (a mailbox is scheduled at most once at a time). Thread-safety: any thread; the set of queued items
/// is guarded by <see cref="_gate"/> (a plain <c>lock (object)</c>, which Coyote sees).
/// </para>
/// </remarks>
internal sealed class TaskRunScheduler : ActorScheduler
{
    private readonly object _gate = new();

    /// <summary>Items handed to <see cref="Schedule"/> whose run has not started yet; guarded by <see cref="_gate"/>.</summary>
    private readonly HashSet<IThreadPoolWorkItem> _queued = new(ReferenceEqualityComparer.Instance);

    /// <summary>The item running on this thread, if this scheduler runs one here: <see cref="RunningItem"/>'s answer.</summary>
    [ThreadStatic]
    private static IThreadPoolWorkItem? t_running;

    private int _busy;

    public override int BusyWorkers => Volatile.Read(ref _busy);

    // Per thread, not per scheduler: ActorCode checks the item's owner (a cell's system, a callback's scheduler).
    public override IThreadPoolWorkItem? RunningItem => t_running;

    public override int ReadyCount
    {
        get
        {
            lock (_gate)
            {
                return _queued.Count;
            }
        }
    }

    /// <summary>
    /// Gets whether nothing waits to run, as the dedicated pool reports it (its ready queue is empty): a turn that runs
    /// dry then lingers for more messages before going idle, and that window is explored too.
    /// </summary>
    public override bool IsQuiet
    {
        get
        {
            lock (_gate)
            {
                return _queued.Count == 0;
            }
        }
    }

    public override void Schedule(IThreadPoolWorkItem item)
    {
        bool added;
        lock (_gate)
        {
            added = _queued.Add(item);
        }

        Specification.Assert(added, $"{item} was scheduled again while it was still queued");
        _ = Task.Run(() => Run(item));
    }

    public override void Start()
    {
    }

    public override Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private void Run(IThreadPoolWorkItem item)
    {
        lock (_gate)
        {
            _queued.Remove(item);
        }

        Interlocked.Increment(ref _busy);

        // Record the item, as the thread-pool scheduler does (RunningItem), so the runtime knows actor code from other
        // code (a shutdown's drain admits tells from actors only).
        var previous = t_running;
        t_running = item;
        try
        {
            item.Execute();
        }
        finally
        {
            t_running = previous;
            Interlocked.Decrement(ref _busy);
        }
    }
}
