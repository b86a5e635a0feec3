using Akka.Actor;
using BenchmarkDotNet.Attributes;
using Proto;
using AkkaActor = Akka.Actor;
using ProtoActor = Proto;

namespace Spillway.Actors.Benchmarks;

/// <summary>
/// K pairs of actors bounce a message back and forth, <see cref="HopsPerRound"/> hops in all (split across the pairs); the round ends when every
/// pair is done. This measures the latency path (a tell to an idle mailbox, a schedule, a turn of one message) rather
/// than batching. Akka.NET is the baseline.
/// </summary>
[Config(typeof(ActorBenchmarkConfig))]
public class PingPongBenchmarks
{
    public const int HopsPerRound = 1_000_000;

    private readonly Countdown _countdown = new();
    private ActorSystem _spillway = null!;
    private ActorRef<int>[] _spillwayStarters = null!;
    private ActorSystem _spillwayOnThreadPool = null!;
    private ActorRef<int>[] _threadPoolStarters = null!;
    private AkkaActor.ActorSystem _akka = null!;
    private (IActorRef A, IActorRef B)[] _akkaPairs = null!;
    private ProtoActor.ActorSystem _proto = null!;
    private (PID A, PID B)[] _protoPairs = null!;
    private Ball[] _balls = null!;

    [Params(1, 4)]
    public int Pairs { get; set; }

    // One setup and cleanup per contestant: each case runs in its own process with only its own runtime alive, so no
    // other runtime's idle threads and timers share the two cores with it.
    [GlobalSetup(Target = nameof(AkkaNet))]
    public void SetupAkka()
    {
        var countdown = _countdown;
        _balls = CreateBalls();
        _akka = AkkaActor.ActorSystem.Create("pingpong");
        _akkaPairs = new (IActorRef, IActorRef)[Pairs];
        for (var p = 0; p < Pairs; p++)
        {
            var a = _akka.ActorOf(AkkaActor.Props.Create(() => new AkkaPlayer(countdown)));
            var b = _akka.ActorOf(AkkaActor.Props.Create(() => new AkkaPlayer(countdown)));
            _akkaPairs[p] = (a, b);
        }
    }

    [GlobalCleanup(Target = nameof(AkkaNet))]
    public void CleanupAkka() => _akka.Terminate().GetAwaiter().GetResult();

    [GlobalSetup(Target = nameof(ProtoActorNet))]
    public void SetupProto()
    {
        var countdown = _countdown;
        _balls = CreateBalls();
        _proto = new ProtoActor.ActorSystem();
        _protoPairs = new (PID, PID)[Pairs];
        for (var p = 0; p < Pairs; p++)
        {
            var partnerOfA = new PartnerBox<PID>();
            var a = _proto.Root.Spawn(ProtoActor.Props.FromProducer(() => new ProtoPlayer(partnerOfA, countdown)));
            var b = _proto.Root.Spawn(ProtoActor.Props.FromProducer(() => new ProtoPlayer(new PartnerBox<PID> { Partner = a }, countdown)));
            partnerOfA.Partner = b;
            _protoPairs[p] = (a, b);
        }
    }

    [GlobalCleanup(Target = nameof(ProtoActorNet))]
    public void CleanupProto() => _proto.ShutdownAsync().GetAwaiter().GetResult();

    [GlobalSetup(Target = nameof(Spillway))]
    public void SetupSpillway() => (_spillway, _spillwayStarters) = CreateSpillwayPairs(new ActorSystemOptions());

    [GlobalCleanup(Target = nameof(Spillway))]
    public void CleanupSpillway() => _spillway.DisposeAsync().AsTask().GetAwaiter().GetResult();

    [GlobalSetup(Target = nameof(SpillwayThreadPool))]
    public void SetupSpillwayThreadPool() =>
        (_spillwayOnThreadPool, _threadPoolStarters) = CreateSpillwayPairs(new ActorSystemOptions { Scheduler = SchedulerKind.ThreadPool });

    [GlobalCleanup(Target = nameof(SpillwayThreadPool))]
    public void CleanupSpillwayThreadPool() => _spillwayOnThreadPool.DisposeAsync().AsTask().GetAwaiter().GetResult();

    [Benchmark(Baseline = true, OperationsPerInvoke = HopsPerRound)]
    public Task AkkaNet()
    {
        _countdown.Reset(Pairs);
        for (var p = 0; p < Pairs; p++)
        {
            _balls[p].HopsLeft = HopsPerRound / Pairs;
            _akkaPairs[p].A.Tell(_balls[p], _akkaPairs[p].B);
        }

        return _countdown.Done;
    }

    [Benchmark(OperationsPerInvoke = HopsPerRound)]
    public Task ProtoActorNet()
    {
        _countdown.Reset(Pairs);
        for (var p = 0; p < Pairs; p++)
        {
            _balls[p].HopsLeft = HopsPerRound / Pairs;
            _proto.Root.Send(_protoPairs[p].A, _balls[p]);
        }

        return _countdown.Done;
    }

    [Benchmark(OperationsPerInvoke = HopsPerRound)]
    public Task Spillway() => StartRound(_spillwayStarters, _countdown);

    /// <summary>The same Spillway pairs on <see cref="SchedulerKind.ThreadPool"/>: the dedicated workers' comparison.</summary>
    [Benchmark(OperationsPerInvoke = HopsPerRound)]
    public Task SpillwayThreadPool() => StartRound(_threadPoolStarters, _countdown);

    /// <summary>
    /// Spawns <paramref name="pairs"/> Spillway ping-pong pairs in <paramref name="system"/> and returns the first player
    /// of each (the one a round starts with); every pair signals <paramref name="countdown"/> when its ball runs out.
    /// </summary>
    internal static ActorRef<int>[] SpawnSpillwayPairs(ActorSystem system, int pairs, Countdown countdown)
    {
        var starters = new ActorRef<int>[pairs];
        for (var p = 0; p < pairs; p++)
        {
            var partnerOfA = new PartnerBox<ActorRef<int>>();
            var a = system.Spawn(() => new SpillwayPlayer(partnerOfA, countdown));
            var b = system.Spawn(() => new SpillwayPlayer(new PartnerBox<ActorRef<int>> { Partner = a }, countdown));
            partnerOfA.Partner = b;
            starters[p] = a;
        }

        return starters;
    }

    /// <summary>Starts one round of <see cref="HopsPerRound"/> hops split across the pairs; the task completes when every pair is done.</summary>
    internal static Task StartRound(ActorRef<int>[] starters, Countdown countdown)
    {
        countdown.Reset(starters.Length);
        foreach (var starter in starters)
        {
            starter.Tell(HopsPerRound / starters.Length);
        }

        return countdown.Done;
    }

    private Ball[] CreateBalls() => Enumerable.Range(0, Pairs).Select(_ => new Ball()).ToArray();

    private (ActorSystem System, ActorRef<int>[] Starters) CreateSpillwayPairs(ActorSystemOptions options)
    {
        var system = ActorSystem.Create(options);
        return (system, SpawnSpillwayPairs(system, Pairs, _countdown));
    }

    /// <summary>Set once before the first message, then only read by the owning actor.</summary>
    private sealed class PartnerBox<T>
    {
        public T? Partner;
    }

    /// <summary>Spillway player: the message is the number of hops left (a struct: no allocation per hop).</summary>
    private sealed class SpillwayPlayer(PartnerBox<ActorRef<int>> partner, Countdown countdown) : Actor<int>
    {
        protected override ValueTask ReceiveAsync(int hopsLeft)
        {
            if (hopsLeft == 0)
            {
                countdown.Signal();
            }
            else
            {
                partner.Partner!.Tell(hopsLeft - 1);
            }

            return default;
        }
    }

    /// <summary>Akka.NET player: hands the ball back to its sender.</summary>
    internal sealed class AkkaPlayer(Countdown countdown) : UntypedActor
    {
        protected override void OnReceive(object message)
        {
            var ball = (Ball)message;
            if (ball.HopsLeft == 0)
            {
                countdown.Signal();
                return;
            }

            ball.HopsLeft--;
            Sender.Tell(ball, Self);
        }
    }

    /// <summary>Proto.Actor player: hands the ball to its partner.</summary>
    private sealed class ProtoPlayer(PartnerBox<PID> partner, Countdown countdown) : ProtoActor.IActor
    {
        public Task ReceiveAsync(IContext context)
        {
            if (context.Message is Ball ball)
            {
                if (ball.HopsLeft == 0)
                {
                    countdown.Signal();
                }
                else
                {
                    ball.HopsLeft--;
                    context.Send(partner.Partner!, ball);
                }
            }

            return Task.CompletedTask;
        }
    }
}
