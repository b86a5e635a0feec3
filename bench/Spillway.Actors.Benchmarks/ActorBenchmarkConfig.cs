using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;

namespace Spillway.Actors.Benchmarks;

/// <summary>
/// A short job for a 2-core machine: one process per case, 2 warm-up and 10 measured iterations of one invocation
/// (each invocation is a whole round of messages, long enough to time on its own), the memory diagnoser, and an Op/s
/// column (messages per second, since OperationsPerInvoke is the message count).
/// </summary>
public sealed class ActorBenchmarkConfig : ManualConfig
{
    public ActorBenchmarkConfig()
    {
        AddJob(Job.Default
            .WithId("TwoCore")
            .WithLaunchCount(1)
            .WithWarmupCount(2)
            .WithIterationCount(10)
            .WithInvocationCount(1)
            .WithUnrollFactor(1));
        AddDiagnoser(MemoryDiagnoser.Default);
        AddColumn(StatisticColumn.OperationsPerSecond);
    }
}
