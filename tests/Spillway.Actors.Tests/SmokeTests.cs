namespace Spillway.Actors.Tests;

public sealed class SmokeTests
{
    private sealed record CounterMessage(int Add, Reply<long>? Get = null);

    private sealed class Counter : Actor<CounterMessage>
    {
        private long _total;

        protected override ValueTask ReceiveAsync(CounterMessage message)
        {
            _total += message.Add;
            message.Get?.Send(_total);
            return default;
        }
    }

    [Test]
    public async Task Tell_ManyMessages_AllProcessedBeforeAsk()
    {
        await using var system = ActorSystem.Create();
        var counter = system.Spawn<Counter, CounterMessage>("counter");
        var one = new CounterMessage(1);
        for (var i = 0; i < 1_000_000; i++)
        {
            counter.Tell(one);
        }

        var total = await counter.Ask<long>(reply => new CounterMessage(0, reply), TimeSpan.FromSeconds(30));
        Assert.That(total, Is.EqualTo(1_000_000));
    }

    [Test]
    public async Task Shutdown_DrainsBacklog_ThenStopsThreads()
    {
        var system = ActorSystem.Create(new ActorSystemOptions { WorkerCount = 2 });
        var processed = 0L;
        var actor = system.Spawn(() => new Lambda(() => Interlocked.Increment(ref processed)));
        for (var i = 0; i < 100_000; i++)
        {
            actor.Tell(i);
        }

        await system.ShutdownAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.That(Interlocked.Read(ref processed), Is.EqualTo(100_000));
        var scheduler = (DedicatedThreadScheduler)system.Scheduler;
        Assert.That(scheduler.Threads.All(t => !t.IsAlive), Is.True);
        actor.Tell(1);
        Assert.That(system.DeadLetterCount, Is.EqualTo(1));
    }

    private sealed class Lambda(Action onMessage) : Actor<int>
    {
        protected override ValueTask ReceiveAsync(int message)
        {
            onMessage();
            return default;
        }
    }
}
