using BenchmarkDotNet.Attributes;

namespace Spillway.Actors.Benchmarks;

/// <summary>
/// Request-reply: <see cref="Askers"/> concurrent askers each await <see cref="AsksPerRound"/> / <see cref="Askers"/>
/// asks in a row to one actor that answers. Akka.NET is the baseline; the hand-written ActionBlock with a
/// TaskCompletionSource per request is measured four ways (<see cref="HandWrittenReply"/>): continuations inline (the
/// floor: one thread, no time-out), asynchronous, awaited with the runtimes' time-out, and both. Bytes per ask from the memory
/// diagnoser (the asking side's allocations included).
/// </summary>
[Config(typeof(ActorBenchmarkConfig))]
public class AskBenchmarks
{
    public const int AsksPerRound = 100_000;

    private AskContestant _contestant = null!;

    [Params(1, 4)]
    public int Askers { get; set; }

    [GlobalSetup(Target = nameof(AkkaNet))]
    public void SetupAkka() => _contestant = new AkkaAskContestant();

    [GlobalSetup(Target = nameof(ProtoActorNet))]
    public void SetupProto() => _contestant = new ProtoAskContestant();

    [GlobalSetup(Target = nameof(ActionBlockByHand))]
    public void SetupActionBlock() => _contestant = new ActionBlockAskContestant();

    [GlobalSetup(Target = nameof(ActionBlockAsyncContinuations))]
    public void SetupActionBlockAsync() => _contestant = new ActionBlockAskContestant(HandWrittenReply.AsynchronousContinuations);

    [GlobalSetup(Target = nameof(ActionBlockWithTimeout))]
    public void SetupActionBlockWithTimeout() => _contestant = new ActionBlockAskContestant(HandWrittenReply.WithTimeout);

    [GlobalSetup(Target = nameof(ActionBlockAsyncWithTimeout))]
    public void SetupActionBlockAsyncWithTimeout() => _contestant = new ActionBlockAskContestant(HandWrittenReply.AsynchronousContinuationsWithTimeout);

    [GlobalSetup(Target = nameof(Spillway))]
    public void SetupSpillway() => _contestant = new SpillwayAskContestant();

    [GlobalCleanup]
    public void Cleanup() => _contestant.DisposeAsync().AsTask().GetAwaiter().GetResult();

    [Benchmark(Baseline = true, OperationsPerInvoke = AsksPerRound)]
    public Task AkkaNet() => Round();

    [Benchmark(OperationsPerInvoke = AsksPerRound)]
    public Task ProtoActorNet() => Round();

    [Benchmark(OperationsPerInvoke = AsksPerRound)]
    public Task ActionBlockByHand() => Round();

    [Benchmark(OperationsPerInvoke = AsksPerRound)]
    public Task ActionBlockAsyncContinuations() => Round();

    [Benchmark(OperationsPerInvoke = AsksPerRound)]
    public Task ActionBlockWithTimeout() => Round();

    [Benchmark(OperationsPerInvoke = AsksPerRound)]
    public Task ActionBlockAsyncWithTimeout() => Round();

    [Benchmark(OperationsPerInvoke = AsksPerRound)]
    public Task Spillway() => Round();

    private Task Round() => _contestant.RunAsync(Askers, AsksPerRound / Askers);
}
