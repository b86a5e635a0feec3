using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;

namespace Spillway.Actors.Benchmarks;

/// <summary>
/// A job for a 2-core machine: three processes (launches) per case, each with 15 warm-up and 20 measured iterations of
/// one invocation (each invocation is a whole round of messages, long enough to time on its own), the memory
/// diagnoser, and an Op/s column (messages per second, since OperationsPerInvoke is the message count).
/// </summary>
/// <remarks>
/// The warm-up is long on purpose: each round takes only tens of milliseconds, and the first few hundred milliseconds of
/// a process run code the JIT has not yet recompiled at full optimisation (tiered compilation), which made the first
/// measured rounds of every runtime several times slower than the rest and the means bimodal. The figures are steady
/// state; docs/performance.md says what the first rounds cost. Three launches because a runtime's threads settle
/// differently from one process to the next (Akka.NET's one-pair ping-pong ran at about 110 ns per hop in one process
/// and 210 ns in another, steadily within each), and one process would report whichever it happened to get.
/// </remarks>
public sealed class ActorBenchmarkConfig : ManualConfig
{
    public ActorBenchmarkConfig()
        => Configure(this, "TwoCore", iterations: 20);

    /// <summary>
    /// Adds the job (three launches, 15 warm-ups, one invocation per iteration), the memory diagnoser and the Op/s
    /// column to <paramref name="config"/>: the settings every actor benchmark shares.
    /// </summary>
    internal static void Configure(ManualConfig config, string id, int iterations)
    {
        config.AddJob(Job.Default
            .WithId(id)
            .WithLaunchCount(3)
            .WithWarmupCount(15)
            .WithIterationCount(iterations)
            .WithInvocationCount(1)
            .WithUnrollFactor(1));
        config.AddDiagnoser(MemoryDiagnoser.Default);
        config.AddColumn(StatisticColumn.OperationsPerSecond);
    }
}
