namespace Spillway.Actors.Tests.TestKit;

/// <summary>
/// A scheduler that runs nothing until the test says so: turns queue up, and <see cref="RunUntilIdle"/> runs them one by
/// one on the test's thread, so a test decides exactly what happens between two turns. <see cref="PassThrough"/> hands
/// everything to the .NET thread pool from then on (call it before disposing the system, so the shutdown can run).
/// </summary>
/// <remarks>Thread-safety: <see cref="Schedule"/> from any thread; the queue is guarded by <see cref="_gate"/>.</remarks>
internal sealed class ManualScheduler : ActorScheduler
{
    private readonly object _gate = new();
    private readonly Queue<IThreadPoolWorkItem> _queue = new();
    private bool _passThrough;

    public override int BusyWorkers => 0;

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

        ThreadPool.UnsafeQueueUserWorkItem(item, preferLocal: false);
    }

    /// <summary>Runs queued turns (and those they queue) on this thread until none is left; returns how many ran.</summary>
    public int RunUntilIdle()
    {
        var ran = 0;
        while (true)
        {
            IThreadPoolWorkItem item;
            lock (_gate)
            {
                if (!_queue.TryDequeue(out item!))
                {
                    return ran;
                }
            }

            item.Execute();
            ran++;
        }
    }

    /// <summary>From now on every turn goes to the .NET thread pool, the queued ones first.</summary>
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
            ThreadPool.UnsafeQueueUserWorkItem(item, preferLocal: false);
        }
    }

    public override void Start()
    {
    }

    public override Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
