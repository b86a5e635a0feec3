using BenchmarkDotNet.Attributes;
using AkkaActor = Akka.Actor;
using Proto;
using ProtoActor = Proto;

namespace Spillway.Actors.Benchmarks;

/// <summary>
/// P sender threads tell one actor <see cref="TotalMessages"/> messages in all; the round ends when the actor has
/// received every one. Same senders, same counting actor, in each runtime; Akka.NET is the baseline. Spillway sends a
/// struct (<see cref="int"/>); Akka.NET and Proto.Actor send one shared object, so none allocates a message.
/// </summary>
[Config(typeof(ActorBenchmarkConfig))]
public class TellBenchmarks
{
    public const int TotalMessages = 2_000_000;

    private readonly Countdown _countdown = new();
    private ActorSystem _spillway = null!;
    private ActorRef<int>[] _spillwayRefs = null!;
    private ActorSystem _spillwayOnThreadPool = null!;
    private ActorRef<int>[] _spillwayThreadPoolRefs = null!;
    private AkkaActor.ActorSystem _akka = null!;
    private AkkaActor.IActorRef _akkaActor = null!;
    private ProtoActor.ActorSystem _proto = null!;
    private ProtoActor.PID _protoActor = null!;

    [Params(1, 2, 4)]
    public int Senders { get; set; }

    // One setup and cleanup per contestant: each case runs in its own process with only its own runtime alive, so no
    // other runtime's idle threads and timers share the two cores with it.
    [GlobalSetup(Target = nameof(AkkaNet))]
    public void SetupAkka()
    {
        var countdown = _countdown;
        _akka = AkkaActor.ActorSystem.Create("bench");
        _akkaActor = _akka.ActorOf(AkkaActor.Props.Create(() => new AkkaCounter(countdown)));
    }

    [GlobalCleanup(Target = nameof(AkkaNet))]
    public void CleanupAkka() => _akka.Terminate().GetAwaiter().GetResult();

    [GlobalSetup(Target = nameof(ProtoActorNet))]
    public void SetupProto()
    {
        var countdown = _countdown;
        _proto = new ProtoActor.ActorSystem();
        _protoActor = _proto.Root.Spawn(ProtoActor.Props.FromProducer(() => new ProtoCounter(countdown)));
    }

    [GlobalCleanup(Target = nameof(ProtoActorNet))]
    public void CleanupProto() => _proto.ShutdownAsync().GetAwaiter().GetResult();

    [GlobalSetup(Target = nameof(Spillway))]
    public void SetupSpillway() => (_spillway, _spillwayRefs) = CreateSpillwayActor(new ActorSystemOptions());

    [GlobalCleanup(Target = nameof(Spillway))]
    public void CleanupSpillway() => _spillway.DisposeAsync().AsTask().GetAwaiter().GetResult();

    [GlobalSetup(Target = nameof(SpillwayThreadPool))]
    public void SetupSpillwayThreadPool() =>
        (_spillwayOnThreadPool, _spillwayThreadPoolRefs) = CreateSpillwayActor(new ActorSystemOptions { Scheduler = SchedulerKind.ThreadPool });

    [GlobalCleanup(Target = nameof(SpillwayThreadPool))]
    public void CleanupSpillwayThreadPool() => _spillwayOnThreadPool.DisposeAsync().AsTask().GetAwaiter().GetResult();

    [Benchmark(Baseline = true, OperationsPerInvoke = TotalMessages)]
    public Task AkkaNet() => Run(_ =>
    {
        var actor = _akkaActor;
        var ping = Ping.Instance;
        return () =>
        {
            for (var i = 0; i < TotalMessages / Senders; i++)
            {
                actor.Tell(ping, AkkaActor.ActorRefs.NoSender);
            }
        };
    });

    [Benchmark(OperationsPerInvoke = TotalMessages)]
    public Task ProtoActorNet() => Run(_ =>
    {
        var root = _proto.Root;
        var pid = _protoActor;
        var ping = Ping.Instance;
        return () =>
        {
            for (var i = 0; i < TotalMessages / Senders; i++)
            {
                root.Send(pid, ping);
            }
        };
    });

    [Benchmark(OperationsPerInvoke = TotalMessages)]
    public Task Spillway() => RunSpillway(_spillwayRefs);

    /// <summary>The same Spillway actor on <see cref="SchedulerKind.ThreadPool"/>: the dedicated workers' comparison.</summary>
    [Benchmark(OperationsPerInvoke = TotalMessages)]
    public Task SpillwayThreadPool() => RunSpillway(_spillwayThreadPoolRefs);

    private Task RunSpillway(ActorRef<int>[] refs) => Run(sender =>
    {
        var actor = refs[sender];
        return () =>
        {
            for (var i = 0; i < TotalMessages / Senders; i++)
            {
                actor.Tell(i);
            }
        };
    });

    private (ActorSystem System, ActorRef<int>[] Refs) CreateSpillwayActor(ActorSystemOptions options)
    {
        var countdown = _countdown;
        var system = ActorSystem.Create(options);
        var actor = system.Spawn(() => new SpillwayCountingActor(countdown));
        return (system, Enumerable.Range(0, Senders).Select(_ => actor.Clone()).ToArray());
    }

    private Task Run(Func<int, Action> createSender)
    {
        _countdown.Reset(TotalMessages / Senders * Senders);
        SenderThreads.Run(Senders, createSender);
        return _countdown.Done;
    }

    internal sealed class AkkaCounter(Countdown countdown) : AkkaActor.UntypedActor
    {
        protected override void OnReceive(object message) => countdown.Signal();
    }

    private sealed class ProtoCounter(Countdown countdown) : ProtoActor.IActor
    {
        public Task ReceiveAsync(ProtoActor.IContext context)
        {
            if (context.Message is Ping)
            {
                countdown.Signal();
            }

            return Task.CompletedTask;
        }
    }
}
