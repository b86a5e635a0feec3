using BenchmarkDotNet.Attributes;

namespace Spillway.Benchmarks;

/// <summary>
/// Many producers, one reader: <see cref="Producers"/> dedicated threads send <see cref="TotalMessages"/> ints in
/// total (an equal share each) to one reader that drains with <c>TryRead</c> and parks in <c>WaitToReadAsync</c>.
/// Results are per message (<c>OperationsPerInvoke</c> is the message count), so Op/s is messages per second.
/// </summary>
/// <remarks>
/// Like for like: every channel contestant gets the same message type, the same producer threads (reused across
/// invocations through a barrier), the same reader loop and the same sizes; only the channel differs. The channel
/// and threads are built once per case, so the numbers are steady state. <see cref="QueueSingleThread"/> has no
/// threads at all: one thread enqueues and dequeues, the cost of the data structure alone, an upper bound.
/// </remarks>
[Config(typeof(TwoCoreConfig))]
public class ChannelThroughputBenchmarks
{
    /// <summary>Messages per invocation, across all producers; divisible by every <see cref="Producers"/> value.</summary>
    public const int TotalMessages = 4_000_000;

    private ThroughputRig? _rig;
    private Queue<int>? _queue;

    [Params(1, 2, 4, 8)]
    public int Producers { get; set; }

    [GlobalSetup(Target = nameof(BclUnbounded))]
    public void SetupBclUnbounded() => _rig = ThroughputRig.BclUnbounded(Producers, TotalMessages);

    [GlobalSetup(Target = nameof(BclUnboundedSingleReader))]
    public void SetupBclUnboundedSingleReader() => _rig = ThroughputRig.BclUnboundedSingleReader(Producers, TotalMessages);

    [GlobalSetup(Target = nameof(BclBounded1024))]
    public void SetupBclBounded() => _rig = ThroughputRig.BclBounded(Producers, TotalMessages);

    [GlobalSetup(Target = nameof(SpillwayTryRead))]
    public void SetupSpillway() => _rig = ThroughputRig.Spillway(Producers, TotalMessages);

    [GlobalSetup(Target = nameof(SpillwayTryReadBatch))]
    public void SetupSpillwayBatch() => _rig = ThroughputRig.SpillwayBatch(Producers, TotalMessages);

    [GlobalSetup(Target = nameof(QueueSingleThread))]
    public void SetupQueue() => _queue = new Queue<int>();

    [GlobalCleanup]
    public void Cleanup()
    {
        _rig?.Dispose();
        _rig = null;
    }

    /// <summary><c>Channel.CreateUnbounded&lt;int&gt;()</c> with default options: the baseline.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = TotalMessages)]
    public ValueTask<long> BclUnbounded() => _rig!.RunRoundAsync();

    /// <summary>The same, with <c>SingleReader = true</c> (the BCL's single-consumer channel).</summary>
    [Benchmark(OperationsPerInvoke = TotalMessages)]
    public ValueTask<long> BclUnboundedSingleReader() => _rig!.RunRoundAsync();

    /// <summary><c>Channel.CreateBounded&lt;int&gt;(1024)</c>, FullMode Wait; producers block in WaitToWriteAsync when full.</summary>
    [Benchmark(OperationsPerInvoke = TotalMessages)]
    public ValueTask<long> BclBounded1024() => _rig!.RunRoundAsync();

    /// <summary>Spillway, unbounded, 8 lanes, one cloned sender per producer; reader uses TryRead.</summary>
    [Benchmark(OperationsPerInvoke = TotalMessages)]
    public ValueTask<long> SpillwayTryRead() => _rig!.RunRoundAsync();

    /// <summary>As <see cref="SpillwayTryRead"/>, the reader taking whole lane batches with TryReadBatch.</summary>
    [Benchmark(OperationsPerInvoke = TotalMessages)]
    public ValueTask<long> SpillwayTryReadBatch() => _rig!.RunRoundAsync();

    /// <summary>One thread, <see cref="Queue{T}"/> enqueue then dequeue, no synchronization: the practical upper limit.</summary>
    [Benchmark(OperationsPerInvoke = TotalMessages)]
    public long QueueSingleThread()
    {
        var queue = _queue!;
        long sum = 0;
        for (var i = 0; i < TotalMessages; i++)
        {
            queue.Enqueue(i);
            sum += queue.Dequeue();
        }

        return sum;
    }
}
