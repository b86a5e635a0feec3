using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;

namespace Spillway.Benchmarks;

/// <summary>
/// A short job sized for a 2-core machine: one process per case, 3 warm-up and 15 measured iterations of exactly one
/// invocation each (an invocation is a whole round of <see cref="ChannelThroughputBenchmarks.TotalMessages"/>
/// messages, about 50-500 ms on 2 cores), plus the memory diagnoser and an Op/s column (messages per second). The
/// channel suite (24 cases) finishes in about 3 minutes on 2 cores.
/// </summary>
/// <remarks>
/// One invocation per iteration because a round is long enough to time on its own, and the producer threads must be
/// released and joined once per round; BenchmarkDotNet's warning that iterations under 100 ms are short applies only
/// to the single-thread <c>Queue</c> bound.
/// </remarks>
public sealed class TwoCoreConfig : ManualConfig
{
    public TwoCoreConfig()
    {
        AddJob(Job.Default
            .WithId("TwoCore")
            .WithLaunchCount(1)
            .WithWarmupCount(3)
            .WithIterationCount(15)
            .WithInvocationCount(1)
            .WithUnrollFactor(1));
        AddDiagnoser(MemoryDiagnoser.Default);
        AddColumn(StatisticColumn.OperationsPerSecond);
    }
}
