namespace Spillway.Actors;

/// <summary>Runs mailboxes on the .NET thread pool.</summary>
/// <remarks>Thread-safety: fully thread-safe; the counters are updated with Interlocked.</remarks>
internal sealed class ThreadPoolScheduler : ActorScheduler
{
    private int _busy;
    private int _ready;

    public override int BusyWorkers => Volatile.Read(ref _busy);

    public override int ReadyCount => Volatile.Read(ref _ready);

    public override void Schedule(IThreadPoolWorkItem item)
    {
        // Interlocked: many threads schedule at once; the count is only for the scheduler-load metric.
        Interlocked.Increment(ref _ready);
        ThreadPool.UnsafeQueueUserWorkItem(new Runner(this, item), preferLocal: false);
    }

    public override void Start()
    {
    }

    public override Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private sealed class Runner(ThreadPoolScheduler owner, IThreadPoolWorkItem item) : IThreadPoolWorkItem
    {
        public void Execute()
        {
            Interlocked.Decrement(ref owner._ready);
            Interlocked.Increment(ref owner._busy);
            var previous = SynchronizationContext.Current;
            SynchronizationContext.SetSynchronizationContext(owner.SynchronizationContext);

            // Per work item, not per message: this path already allocates a runner per item (see ActorCode).
            var previousItem = ActorCode.Enter(item);
            try
            {
                item.Execute();
            }
            finally
            {
                ActorCode.Exit(previousItem);
                SynchronizationContext.SetSynchronizationContext(previous);
                Interlocked.Decrement(ref owner._busy);
            }
        }
    }
}
