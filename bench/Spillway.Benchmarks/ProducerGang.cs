namespace Spillway.Benchmarks;

/// <summary>
/// A fixed set of dedicated producer threads that run one round of work each time the benchmark thread asks, so
/// thread start-up is paid once per benchmark case instead of once per invocation. Every contestant uses it the same
/// way.
/// </summary>
/// <remarks>
/// One <see cref="Barrier"/> with producers + 1 participants, two phases a round: <see cref="Start"/> releases the
/// producers, <see cref="WaitForProducers"/> waits until every producer has returned from its last send. Nothing here
/// allocates per round.
/// </remarks>
internal sealed class ProducerGang : IDisposable
{
    private readonly Barrier _barrier;
    private readonly Thread[] _threads;

    /// <summary>Set by <see cref="Dispose"/> before the last barrier phase; the barrier publishes it to the producers.</summary>
    private bool _stopping;

    /// <summary>Starts <paramref name="producers"/> threads; each runs <paramref name="produce"/>(its index) once a round.</summary>
    public ProducerGang(int producers, Action<int> produce)
    {
        _barrier = new Barrier(producers + 1);
        _threads = new Thread[producers];
        for (var i = 0; i < producers; i++)
        {
            var index = i;
            _threads[i] = new Thread(() => Loop(index, produce))
            {
                IsBackground = true,
                Name = $"producer {index}",
            };
            _threads[i].Start();
        }
    }

    /// <summary>Releases every producer into one round. Blocks until all of them finished the previous one.</summary>
    public void Start() => _barrier.SignalAndWait();

    /// <summary>Waits until every producer has finished the current round.</summary>
    public void WaitForProducers() => _barrier.SignalAndWait();

    /// <summary>Stops the producers. Call between rounds (after <see cref="WaitForProducers"/>).</summary>
    public void Dispose()
    {
        _stopping = true;
        _barrier.SignalAndWait();
        foreach (var thread in _threads)
        {
            thread.Join();
        }

        _barrier.Dispose();
    }

    private void Loop(int index, Action<int> produce)
    {
        while (true)
        {
            _barrier.SignalAndWait();
            if (_stopping)
            {
                return;
            }

            produce(index);
            _barrier.SignalAndWait();
        }
    }
}
