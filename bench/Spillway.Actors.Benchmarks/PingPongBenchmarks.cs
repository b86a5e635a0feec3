using Akka.Actor;
using BenchmarkDotNet.Attributes;
using Proto;
using AkkaActor = Akka.Actor;
using ProtoActor = Proto;

namespace Spillway.Actors.Benchmarks;

/// <summary>
/// K pairs of actors bounce a message back and forth, <see cref="HopsPerPair"/> hops in all (split across the pairs); the round ends when every
/// pair is done. This measures the latency path (a tell to an idle mailbox, a schedule, a turn of one message) rather
/// than batching. Akka.NET is the baseline.
/// </summary>
[Config(typeof(ActorBenchmarkConfig))]
public class PingPongBenchmarks
{
    public const int HopsPerPair = 200_000;

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

    [GlobalSetup]
    public void Setup()
    {
        var countdown = _countdown;
        _balls = Enumerable.Range(0, Pairs).Select(_ => new Ball()).ToArray();
        _spillway = ActorSystem.Create();
        _spillwayStarters = new ActorRef<int>[Pairs];
        for (var p = 0; p < Pairs; p++)
        {
            var partnerOfA = new PartnerBox<ActorRef<int>>();
            var a = _spillway.Spawn(() => new SpillwayPlayer(partnerOfA, countdown));
            var b = _spillway.Spawn(() => new SpillwayPlayer(new PartnerBox<ActorRef<int>> { Partner = a }, countdown));
            partnerOfA.Partner = b;
            _spillwayStarters[p] = a;
        }

        _spillwayOnThreadPool = ActorSystem.Create(new ActorSystemOptions { Scheduler = SchedulerKind.ThreadPool });
        _threadPoolStarters = new ActorRef<int>[Pairs];
        for (var p = 0; p < Pairs; p++)
        {
            var partnerOfA = new PartnerBox<ActorRef<int>>();
            var a = _spillwayOnThreadPool.Spawn(() => new SpillwayPlayer(partnerOfA, countdown));
            var b = _spillwayOnThreadPool.Spawn(() => new SpillwayPlayer(new PartnerBox<ActorRef<int>> { Partner = a }, countdown));
            partnerOfA.Partner = b;
            _threadPoolStarters[p] = a;
        }

        _akka = AkkaActor.ActorSystem.Create("pingpong");
        _akkaPairs = new (IActorRef, IActorRef)[Pairs];
        for (var p = 0; p < Pairs; p++)
        {
            var a = _akka.ActorOf(AkkaActor.Props.Create(() => new AkkaPlayer(countdown)));
            var b = _akka.ActorOf(AkkaActor.Props.Create(() => new AkkaPlayer(countdown)));
            _akkaPairs[p] = (a, b);
        }

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

    [GlobalCleanup]
    public void Cleanup()
    {
        _spillway.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _spillwayOnThreadPool.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _akka.Terminate().GetAwaiter().GetResult();
        _proto.ShutdownAsync().GetAwaiter().GetResult();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = HopsPerPair)]
    public Task AkkaNet()
    {
        _countdown.Reset(Pairs);
        for (var p = 0; p < Pairs; p++)
        {
            _balls[p].HopsLeft = HopsPerPair / Pairs;
            _akkaPairs[p].A.Tell(_balls[p], _akkaPairs[p].B);
        }

        return _countdown.Done;
    }

    [Benchmark(OperationsPerInvoke = HopsPerPair)]
    public Task ProtoActorNet()
    {
        _countdown.Reset(Pairs);
        for (var p = 0; p < Pairs; p++)
        {
            _balls[p].HopsLeft = HopsPerPair / Pairs;
            _proto.Root.Send(_protoPairs[p].A, _balls[p]);
        }

        return _countdown.Done;
    }

    [Benchmark(OperationsPerInvoke = HopsPerPair)]
    public Task Spillway()
    {
        _countdown.Reset(Pairs);
        foreach (var a in _spillwayStarters)
        {
            a.Tell(HopsPerPair / Pairs);
        }

        return _countdown.Done;
    }

    /// <summary>The same Spillway pairs on <see cref="SchedulerKind.ThreadPool"/>: the dedicated workers' comparison.</summary>
    [Benchmark(OperationsPerInvoke = HopsPerPair)]
    public Task SpillwayThreadPool()
    {
        _countdown.Reset(Pairs);
        foreach (var a in _threadPoolStarters)
        {
            a.Tell(HopsPerPair / Pairs);
        }

        return _countdown.Done;
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
    private sealed class AkkaPlayer(Countdown countdown) : UntypedActor
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
