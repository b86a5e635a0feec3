using Proto;
using AkkaActor = Akka.Actor;
using ProtoActor = Proto;

namespace Spillway.Actors.Benchmarks;

/// <summary>
/// Measures the bytes each idle actor holds in each runtime: spawn N actors that have processed one message each,
/// force a full collection, and divide the growth of the live heap by N. Each runtime runs in its own fresh system;
/// the figure includes the actor instance, its mailbox, its reference and the runtime's bookkeeping.
/// </summary>
public static class IdleActorMemory
{
    public static async Task RunAsync(TextWriter output, int count)
    {
        output.WriteLine($"Idle actor memory, {count:N0} actors per runtime, {Environment.ProcessorCount} cores, .NET {Environment.Version}");
        var spillway = await MeasureAsync(count, SpawnSpillwayAsync);
        var akka = await MeasureAsync(count, SpawnAkkaAsync);
        var proto = await MeasureAsync(count, SpawnProtoAsync);
        output.WriteLine("| runtime | bytes per idle actor | ratio to Akka.NET |");
        output.WriteLine("|---|---:|---:|");
        output.WriteLine($"| Akka.NET 1.5.74 | {akka:N0} | 1.00 |");
        output.WriteLine($"| Proto.Actor 1.8.0 | {proto:N0} | {proto / akka:F2} |");
        output.WriteLine($"| Spillway.Actors | {spillway:N0} | {spillway / akka:F2} |");
    }

    private static async Task<double> MeasureAsync(int count, Func<int, Task<Func<Task>>> spawn)
    {
        ForceCollect();
        var before = GC.GetTotalMemory(forceFullCollection: true);
        var cleanup = await spawn(count);
        ForceCollect();
        var after = GC.GetTotalMemory(forceFullCollection: true);
        await cleanup();
        return (after - before) / (double)count;
    }

    private static void ForceCollect()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
    }

    private static async Task<Func<Task>> SpawnSpillwayAsync(int count)
    {
        var system = ActorSystem.Create();
        var countdown = new Countdown();
        countdown.Reset(count);
        var refs = new ActorRef<int>[count];
        for (var i = 0; i < count; i++)
        {
            refs[i] = system.Spawn(() => new SpillwayCountingActor(countdown));
            refs[i].Tell(1);
        }

        await countdown.Done;
        GC.KeepAlive(refs);
        return async () => await system.DisposeAsync();
    }

    private static async Task<Func<Task>> SpawnAkkaAsync(int count)
    {
        var system = AkkaActor.ActorSystem.Create("idle");
        var countdown = new Countdown();
        countdown.Reset(count);
        var refs = new AkkaActor.IActorRef[count];
        for (var i = 0; i < count; i++)
        {
            refs[i] = system.ActorOf(AkkaActor.Props.Create(() => new AkkaIdle(countdown)));
            refs[i].Tell(Ping.Instance, AkkaActor.ActorRefs.NoSender);
        }

        await countdown.Done;
        GC.KeepAlive(refs);
        return () => system.Terminate();
    }

    private static async Task<Func<Task>> SpawnProtoAsync(int count)
    {
        var system = new ProtoActor.ActorSystem();
        var countdown = new Countdown();
        countdown.Reset(count);
        var pids = new PID[count];
        for (var i = 0; i < count; i++)
        {
            pids[i] = system.Root.Spawn(ProtoActor.Props.FromProducer(() => new ProtoIdle(countdown)));
            system.Root.Send(pids[i], Ping.Instance);
        }

        await countdown.Done;
        GC.KeepAlive(pids);
        return () => system.ShutdownAsync();
    }

    private sealed class AkkaIdle(Countdown countdown) : AkkaActor.UntypedActor
    {
        protected override void OnReceive(object message) => countdown.Signal();
    }

    private sealed class ProtoIdle(Countdown countdown) : ProtoActor.IActor
    {
        public Task ReceiveAsync(IContext context)
        {
            if (context.Message is Ping)
            {
                countdown.Signal();
            }

            return Task.CompletedTask;
        }
    }
}
