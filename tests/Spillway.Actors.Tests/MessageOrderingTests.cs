using Spillway.Actors.Tests.TestKit;

namespace Spillway.Actors.Tests;

/// <summary>
/// What telling guarantees: the messages told through one reference are processed in the order they were told, however
/// many references and threads there are, and every accepted message is processed exactly once; an ask is handled after
/// every message told before it, through any reference.
/// </summary>
public sealed class MessageOrderingTests
{
    private readonly record struct Stamped(int Producer, int Sequence);

    private sealed record CounterMessage(Reply<long>? Get);

    [TestCase(64, 4)]
    [TestCase(1, 4)]
    [TestCase(64, 1)]
    public Task Tell_ClonedRefPerThread_EachRefKeepsItsOrder(int turnSize, int lanes) =>
        TellFromClonedRefs(turnSize, lanes, producers: 16, perProducer: 20_000);

    [Test]
    [Category("Stress")]
    [Explicit("Long form: run by hand.")]
    public Task Tell_ClonedRefPerThread_LongForm_EachRefKeepsItsOrder() =>
        TellFromClonedRefs(turnSize: 64, lanes: 4, producers: 32, perProducer: 500_000);

    [Test]
    public async Task Tell_OneRefSharedByManyThreads_EachThreadKeepsItsOrder()
    {
        const int producers = 8;
        const int perProducer = 20_000;
        await using var system = ActorSystem.Create(new ActorSystemOptions { WorkerCount = 2 });
        var next = new int[producers];
        var outOfOrder = 0;
        var received = 0;
        var done = Wait.Signal();
        var actor = system.Spawn(() => DelegateActor<Stamped>.Of(message =>
        {
            if (message.Sequence != next[message.Producer])
            {
                outOfOrder++;
            }

            next[message.Producer] = message.Sequence + 1;
            if (++received == producers * perProducer)
            {
                done.TrySetResult();
            }
        }));

        RunProducers(producers, producer =>
        {
            for (var i = 0; i < perProducer; i++)
            {
                actor.Tell(new Stamped(producer, i));
            }
        });

        await done.Task.OrTimeout();
        Assert.That(outOfOrder, Is.Zero);
        Assert.That(next, Is.All.EqualTo(perProducer));
    }

    [Test]
    public async Task Tell_ManyThreadsManyRefs_EveryMessageProcessedExactlyOnce()
    {
        const int producers = 8;
        const int perProducer = 50_000;
        const int total = producers * perProducer;
        await using var system = ActorSystem.Create(new ActorSystemOptions
        {
            WorkerCount = 2,
            TurnSize = 16,
            DefaultSpawnOptions = new SpawnOptions { MailboxLanes = 2 },
        });
        var seen = new int[total];
        var received = 0;
        var done = Wait.Signal();
        var actor = system.Spawn(() => DelegateActor<int>.Of(id =>
        {
            seen[id]++;
            if (++received == total)
            {
                done.TrySetResult();
            }
        }));

        RunProducers(producers, producer =>
        {
            // Half the producers share the spawned reference, half have their own.
            var reference = producer % 2 == 0 ? actor : actor.Clone();
            for (var i = 0; i < perProducer; i++)
            {
                reference.Tell((producer * perProducer) + i);
            }
        });

        await done.Task.OrTimeout();
        Assert.That(seen, Is.All.EqualTo(1));
        Assert.That(system.DeadLetterCount, Is.Zero);
    }

    [Test]
    public async Task Ask_AfterAMillionTellsThroughTheSameRef_SeesEveryOne()
    {
        await using var system = ActorSystem.Create();
        var counter = SpawnCounter(system);

        var increment = new CounterMessage(null);
        for (var i = 0; i < 1_000_000; i++)
        {
            counter.Tell(increment);
        }

        var seen = await counter.Ask<long>(reply => new CounterMessage(reply), Wait.Timeout);

        Assert.That(seen, Is.EqualTo(1_000_000));
    }

    [Test]
    public async Task Ask_AfterTellsThroughOtherReferences_SeesEveryOne()
    {
        // The README's quick start: tell through a clone, ask through the original. Each round on a busy mailbox, so the
        // ask's lane is often taken before the tells' lanes.
        await using var system = ActorSystem.Create(new ActorSystemOptions { WorkerCount = 2 });
        var counter = SpawnCounter(system);
        var tellers = Enumerable.Range(0, 3).Select(_ => counter.Clone()).ToArray();
        var increment = new CounterMessage(null);

        var expected = 0L;
        for (var round = 0; round < 300; round++)
        {
            foreach (var teller in tellers)
            {
                for (var i = 0; i <= round % 7; i++)
                {
                    teller.Tell(increment);
                    expected++;
                }
            }

            var seen = await counter.Ask<long>(reply => new CounterMessage(reply), Wait.Timeout);
            Assert.That(seen, Is.EqualTo(expected), $"round {round}: the ask overtook tells made before it");
        }
    }

    [Test]
    public async Task Ask_AfterTellsOfOtherThreadsPublishedToTheAsker_SeesEveryOne()
    {
        await using var system = ActorSystem.Create(new ActorSystemOptions { WorkerCount = 2 });
        var counter = SpawnCounter(system);
        const int Producers = 4;
        const int PerProducer = 50_000;
        var told = new long[Producers];
        var violations = 0;
        var asker = Task.Run(async () =>
        {
            // Each ask must see at least what the producers had published as told before it was made.
            while (Volatile.Read(ref told[0]) + Volatile.Read(ref told[1]) + Volatile.Read(ref told[2]) + Volatile.Read(ref told[3]) < Producers * PerProducer)
            {
                var before = 0L;
                for (var p = 0; p < Producers; p++)
                {
                    before += Volatile.Read(ref told[p]);
                }

                if (await counter.Ask<long>(reply => new CounterMessage(reply), Wait.Timeout) < before)
                {
                    Interlocked.Increment(ref violations);
                }
            }
        });
        RunProducers(Producers, producer =>
        {
            var mine = counter.Clone();
            var increment = new CounterMessage(null);
            for (var i = 0; i < PerProducer; i++)
            {
                mine.Tell(increment);
                Volatile.Write(ref told[producer], i + 1);
            }
        });

        await asker.OrTimeout();
        Assert.That(violations, Is.Zero);
    }

    [Test]
    public async Task Clone_SameActor_EqualToTheOriginalWithTheSamePath()
    {
        await using var system = ActorSystem.Create();
        var actor = system.Spawn(() => new DelegateActor<int>(), "cloned");
        var other = system.Spawn(() => new DelegateActor<int>(), "other");

        var clone = actor.Clone();

        Assert.That(clone, Is.Not.SameAs(actor));
        Assert.That(clone, Is.EqualTo(actor));
        Assert.That(clone.GetHashCode(), Is.EqualTo(actor.GetHashCode()));
        Assert.That(clone.Path, Is.EqualTo(actor.Path).And.EndsWith("/cloned"));
        Assert.That(clone, Is.Not.EqualTo(other));
    }

    /// <summary>An actor that counts the messages without a reply and answers the count to those with one.</summary>
    private static ActorRef<CounterMessage> SpawnCounter(ActorSystem system)
    {
        long total = 0;
        return system.Spawn(() => DelegateActor<CounterMessage>.Of(message =>
        {
            if (message.Get is null)
            {
                total++;
            }
            else
            {
                message.Get.Send(total);
            }
        }));
    }

    private static async Task TellFromClonedRefs(int turnSize, int lanes, int producers, int perProducer)
    {
        await using var system = ActorSystem.Create(new ActorSystemOptions
        {
            WorkerCount = 2,
            TurnSize = turnSize,
            DefaultSpawnOptions = new SpawnOptions { MailboxLanes = lanes },
        });
        var next = new int[producers];
        var outOfOrder = 0;
        var received = 0;
        var done = Wait.Signal();
        var actor = system.Spawn(() => DelegateActor<Stamped>.Of(message =>
        {
            // Only the actor touches these until `done`, whose completion publishes them to the test.
            if (message.Sequence != next[message.Producer])
            {
                outOfOrder++;
            }

            next[message.Producer] = message.Sequence + 1;
            if (++received == producers * perProducer)
            {
                done.TrySetResult();
            }
        }));

        RunProducers(producers, producer =>
        {
            // More references than lanes: several references share a lane, and each must still keep its own order.
            var reference = actor.Clone();
            for (var i = 0; i < perProducer; i++)
            {
                reference.Tell(new Stamped(producer, i));
            }
        });

        await done.Task.OrTimeout();
        Assert.That(outOfOrder, Is.Zero);
        Assert.That(next, Is.All.EqualTo(perProducer));
    }

    private static void RunProducers(int count, Action<int> produce)
    {
        using var start = new Barrier(count);
        var threads = new Thread[count];
        for (var p = 0; p < count; p++)
        {
            var producer = p;
            threads[p] = new Thread(() =>
            {
                start.SignalAndWait();
                produce(producer);
            })
            {
                IsBackground = true,
                Name = $"producer {producer}",
            };
            threads[p].Start();
        }

        foreach (var thread in threads)
        {
            Assert.That(thread.Join(Wait.Timeout), Is.True, "a producer thread did not finish");
        }
    }
}
