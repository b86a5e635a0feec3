namespace Spillway.Actors.TestKit.Scheduling;

/// <summary>
/// The scheduler of <see cref="TestKitMode.Systematic"/>: runs every work item with <see cref="Task.Run(Action)"/>, which
/// the Coyote systematic testing engine controls once the assemblies are rewritten, so each turn of a mailbox is an
/// operation whose timing the engine chooses against everything else the test does.
/// </summary>
/// <remarks>
/// <para>
/// The runtime's own schedulers park threads on a semaphore fed by a concurrent queue, or call
/// <c>ThreadPool.UnsafeQueueUserWorkItem</c>; Coyote controls neither. The mailbox logic is the same whichever scheduler
/// runs it. (The same design as the scheduler of this repository's own systematic tests.)
/// </para>
/// <para>
/// It installs the actor <see cref="SynchronizationContext"/> while an item runs, as the runtime's schedulers do: an
/// <c>await</c> in a handler then resumes through <see cref="Schedule"/> (so in a task the engine controls), and the
/// system's shutdown sees such continuations as work in progress. Without it, a handler's continuation ran under the
/// engine's own context, unseen by the shutdown, and could still be running when an iteration ended; the engine then
/// interrupted it outside its control and the test process crashed.
/// </para>
/// <para>
/// Thread-safety: any thread. The count of queued items is guarded by <see cref="_gate"/> (a plain <c>lock (object)</c>,
/// which Coyote sees).
/// </para>
/// </remarks>
internal sealed class SystematicScheduler : ActorScheduler
{
    /// <summary>A replayed schedule must meet the same scheduling points: see <see cref="ActorScheduler.WantsDeterministicAskTimeouts"/>.</summary>
    public override bool WantsDeterministicAskTimeouts => true;

    private readonly object _gate = new();

    /// <summary>The item running on this thread, if this scheduler runs one here: <see cref="RunningItem"/>'s answer.</summary>
    [ThreadStatic]
    private static IThreadPoolWorkItem? t_running;

    /// <summary>Items handed to <see cref="Schedule"/> whose run has not started; guarded by <see cref="_gate"/>.</summary>
    private int _queued;

    /// <summary>Items running now; Interlocked (several run at once).</summary>
    private int _busy;

    /// <inheritdoc/>
    public override int BusyWorkers => Volatile.Read(ref _busy);

    /// <inheritdoc/>
    /// <remarks>Per thread, not per scheduler: the runtime checks the item's owner (a cell's system, a callback's scheduler).</remarks>
    public override IThreadPoolWorkItem? RunningItem => t_running;

    /// <inheritdoc/>
    public override int ReadyCount
    {
        get
        {
            lock (_gate)
            {
                return _queued;
            }
        }
    }

    /// <inheritdoc/>
    public override void Schedule(IThreadPoolWorkItem item)
    {
        lock (_gate)
        {
            _queued++;
        }

        _ = Task.Run(() => Run(item));
    }

    /// <inheritdoc/>
    public override void Start()
    {
    }

    /// <inheritdoc/>
    public override Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private void Run(IThreadPoolWorkItem item)
    {
        lock (_gate)
        {
            _queued--;
        }

        // Interlocked: items run concurrently; the count is only for the scheduler-load metric.
        Interlocked.Increment(ref _busy);
        var previous = t_running;
        var previousContext = SynchronizationContext.Current;
        t_running = item;
        SynchronizationContext.SetSynchronizationContext(SynchronizationContext);
        try
        {
            item.Execute();
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(previousContext);
            t_running = previous;
            Interlocked.Decrement(ref _busy);
        }
    }
}
