namespace Spillway.Actors.TestKit.Scheduling;

/// <summary>
/// The scheduler of <see cref="TestKitMode.Deterministic"/>: <see cref="Schedule"/> only queues, and
/// <see cref="RunUntilIdle"/> runs the queued work items (turns, and continuations of handlers that awaited) one at a
/// time, in the order they were queued, on the calling thread. Nothing of the system's actors runs unless the test says
/// so. <see cref="PassThrough"/> hands everything to the .NET thread pool from then on (the kit calls it before it
/// shuts the system down, so the shutdown can run by itself).
/// </summary>
/// <remarks>
/// Thread-safety: <see cref="Schedule"/> from any thread (a timer callback, a test's continuation); the queue and the
/// mode are guarded by <see cref="_gate"/>. <see cref="RunUntilIdle"/> by one thread at a time, never from a work item
/// it runs. No work item runs under the lock.
/// </remarks>
internal sealed class DeterministicScheduler : ActorScheduler
{
    private readonly object _gate = new();

    /// <summary>Work items waiting for <see cref="RunUntilIdle"/>; guarded by <see cref="_gate"/>.</summary>
    private readonly Queue<IThreadPoolWorkItem> _queue = new();

    /// <summary>The work item running on this thread and its scheduler: <see cref="RunningItem"/>'s answer.</summary>
    [ThreadStatic]
    private static Running? t_running;

    /// <summary>Set once by <see cref="PassThrough"/>; guarded by <see cref="_gate"/>.</summary>
    private bool _passThrough;

    /// <summary>1 while <see cref="RunUntilIdle"/> runs; Interlocked, so two threads stepping at once is caught, not raced.</summary>
    private int _stepping;

    /// <summary>How many work items run right now (0 or 1 while stepping; any number after <see cref="PassThrough"/>); Interlocked.</summary>
    private int _busy;

    /// <inheritdoc/>
    public override int BusyWorkers => Volatile.Read(ref _busy);

    /// <inheritdoc/>
    public override int ReadyCount
    {
        get
        {
            lock (_gate)
            {
                return _queue.Count;
            }
        }
    }

    /// <inheritdoc/>
    public override IThreadPoolWorkItem? RunningItem => t_running is { } running && ReferenceEquals(running.Owner, this) ? running.Item : null;

    /// <summary>Gets the most work items one <see cref="RunUntilIdle"/> runs before it gives up: actors that tell each other forever never go idle.</summary>
    public int MaxStepsPerRun { get; init; } = 100_000;

    /// <inheritdoc/>
    public override void Schedule(IThreadPoolWorkItem item)
    {
        lock (_gate)
        {
            if (!_passThrough)
            {
                _queue.Enqueue(item);
                return;
            }
        }

        ThreadPool.UnsafeQueueUserWorkItem(new PoolRunner(this, item), preferLocal: false);
    }

    /// <summary>
    /// Runs queued work items, and those they queue, one at a time on this thread until none is left.
    /// </summary>
    /// <returns>How many ran.</returns>
    /// <exception cref="InvalidOperationException">
    /// Called from a work item of this scheduler (a handler), or by two threads at once; or the actors did not go idle
    /// within <see cref="MaxStepsPerRun"/> work items.
    /// </exception>
    public int RunUntilIdle()
    {
        if (RunningItem is not null)
        {
            throw new InvalidOperationException("RunUntilIdle was called from an actor's own code; call it from the test.");
        }

        // Interlocked: a second thread stepping at the same time would run turns concurrently, which this mode promises not to.
        if (Interlocked.Exchange(ref _stepping, 1) != 0)
        {
            throw new InvalidOperationException("RunUntilIdle is already running on another thread; step the system from one thread at a time.");
        }

        try
        {
            var ran = 0;
            while (true)
            {
                // Checked before taking an item: a work item taken and not run would be lost for good (its mailbox
                // believes it is scheduled), so the queue is left whole for the next call or the shutdown.
                if (ran == MaxStepsPerRun && ReadyCount > 0)
                {
                    throw new InvalidOperationException(
                        $"The actors did not go idle within {MaxStepsPerRun} turns: do some of them tell each other (or themselves) forever?");
                }

                if (!TryDequeue(out var item))
                {
                    return ran;
                }

                Execute(item);
                ran++;
            }
        }
        finally
        {
            Volatile.Write(ref _stepping, 0);
        }
    }

    /// <summary>From now on every work item goes to the .NET thread pool, the queued ones first, in their order.</summary>
    public void PassThrough()
    {
        IThreadPoolWorkItem[] queued;
        lock (_gate)
        {
            _passThrough = true;
            queued = [.. _queue];
            _queue.Clear();
        }

        foreach (var item in queued)
        {
            ThreadPool.UnsafeQueueUserWorkItem(new PoolRunner(this, item), preferLocal: false);
        }
    }

    /// <inheritdoc/>
    public override void Start()
    {
    }

    /// <inheritdoc/>
    public override Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private bool TryDequeue(out IThreadPoolWorkItem item)
    {
        lock (_gate)
        {
            return _queue.TryDequeue(out item!);
        }
    }

    /// <summary>Runs one item as a worker would: the actor synchronization context installed, the item recorded as running.</summary>
    private void Execute(IThreadPoolWorkItem item)
    {
        var previousContext = SynchronizationContext.Current;
        var previousRunning = t_running;
        SynchronizationContext.SetSynchronizationContext(SynchronizationContext);
        t_running = new Running(this, item);

        // Interlocked: after PassThrough, pool threads run items concurrently.
        Interlocked.Increment(ref _busy);
        try
        {
            item.Execute();
        }
        catch (Exception error)
        {
            // Cells and posted callbacks catch their own failures; this keeps anything else off the test's thread (and
            // off a pool thread, where it would end the process). The failure logger never throws.
            Log.WorkItemFailed(FailureLogger, error);
        }
        finally
        {
            Interlocked.Decrement(ref _busy);
            t_running = previousRunning;
            SynchronizationContext.SetSynchronizationContext(previousContext);
        }
    }

    private sealed record Running(DeterministicScheduler Owner, IThreadPoolWorkItem Item);

    /// <summary>Runs an item on the .NET thread pool once the scheduler passes through.</summary>
    private sealed class PoolRunner(DeterministicScheduler owner, IThreadPoolWorkItem item) : IThreadPoolWorkItem
    {
        public void Execute() => owner.Execute(item);
    }
}
