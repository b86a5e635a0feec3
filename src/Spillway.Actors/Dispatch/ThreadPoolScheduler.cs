namespace Spillway.Actors;

/// <summary>Runs mailboxes on the .NET thread pool.</summary>
/// <remarks>Thread-safety: fully thread-safe; the counters are updated with Interlocked.</remarks>
internal sealed class ThreadPoolScheduler : ActorScheduler
{
    /// <summary>The runner executing on this pool thread, if any: <see cref="RunningItem"/>'s answer.</summary>
    [ThreadStatic]
    private static Runner? t_runner;

    private int _busy;
    private int _ready;

    public override int BusyWorkers => Volatile.Read(ref _busy);

    public override int ReadyCount => Volatile.Read(ref _ready);

    public override IThreadPoolWorkItem? RunningItem => t_runner is { } runner && ReferenceEquals(runner.Owner, this) ? runner.Item : null;

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
        public ThreadPoolScheduler Owner => owner;

        public IThreadPoolWorkItem Item => item;

        public void Execute()
        {
            Interlocked.Decrement(ref owner._ready);
            Interlocked.Increment(ref owner._busy);
            var previousRunner = t_runner;
            using var context = new SynchronizationContextScope(owner.SynchronizationContext);
            t_runner = this;
            try
            {
                item.Execute();
            }
            catch (Exception error)
            {
                // Cells and posted callbacks catch their own failures; this is the last line that keeps an exception off
                // the pool thread, where it would end the process. The failure logger never throws.
                Log.WorkItemFailed(owner.FailureLogger, error);
            }
            finally
            {
                t_runner = previousRunner;
                Interlocked.Decrement(ref owner._busy);
            }
        }
    }
}
