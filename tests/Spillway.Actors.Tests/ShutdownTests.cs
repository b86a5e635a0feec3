using System.Collections.Concurrent;
using Spillway.Actors.Tests.TestKit;

namespace Spillway.Actors.Tests;

/// <summary>
/// Shutdown: every message told before it is processed, every actor's <see cref="Actor{TMsg}.OnStoppedAsync"/> runs
/// (children before parents), the worker threads exit, and later tells are dead letters.
/// </summary>
public sealed class ShutdownTests
{
    private sealed record Item(int Value, Task? Gate = null);

    [Test]
    public async Task ShutdownAsync_BacklogOfAMillionMessages_ProcessesAllThenStops()
    {
        const int backlog = 1_000_000;
        var system = ActorSystem.Create(new ActorSystemOptions { WorkerCount = 2 });
        await using (system)
        {
            var processed = 0;
            var processedAtStop = Wait.Signal<int>();
            var gate = Wait.Signal();
            var entered = Wait.Signal();
            var actor = system.Spawn(() => new DelegateActor<Item>
            {
                OnReceive = async (_, item) =>
                {
                    if (item.Gate is { } itemGate)
                    {
                        entered.TrySetResult();
                        await itemGate;
                    }

                    processed++;
                },
                OnStopped = _ =>
                {
                    processedAtStop.TrySetResult(processed);
                    return default;
                },
            });

            // The first message holds the actor, so the whole backlog is queued when the shutdown begins.
            actor.Tell(new Item(0, gate.Task));
            await entered.Task.OrTimeout();
            var item = new Item(1);
            for (var i = 0; i < backlog; i++)
            {
                actor.Tell(item);
            }

            var shutdown = system.ShutdownAsync();
            Assert.That(shutdown.IsCompleted, Is.False);
            actor.Tell(item);
            gate.TrySetResult();
            await shutdown.OrTimeout();

            Assert.That(await processedAtStop.Task.OrTimeout(), Is.EqualTo(backlog + 1));
            Assert.That(system.DeadLetterCount, Is.EqualTo(1), "only the tell after ShutdownAsync is refused");
            Assert.That(system.ActorCount, Is.Zero);
            AssertWorkersExited(system);
        }
    }

    [Test]
    public async Task ShutdownAsync_TreeOfActorsWithBacklogs_DrainsAllAndStopsChildrenBeforeParents()
    {
        var system = ActorSystem.Create();
        await using (system)
        {
            var events = new ConcurrentQueue<string>();
            var processed = 0;
            void Count() => Interlocked.Increment(ref processed);
            var grandchild = Wait.Signal<ActorRef<int>>();
            var root = system.Spawn(
                () => Node(events, "root", Count, context =>
                {
                    context.Spawn(() => Node(events, "a", Count, a => grandchild.TrySetResult(a.Spawn(() => Node(events, "a1", Count), "a1"))), "a");
                    context.Spawn(() => Node(events, "b", Count), "b");
                }),
                "root");
            var a1 = await grandchild.Task.OrTimeout();
            for (var i = 0; i < 10_000; i++)
            {
                root.Tell(i);
                a1.Tell(i);
            }

            await system.ShutdownAsync().OrTimeout();

            Assert.That(processed, Is.EqualTo(20_000));
            var order = events.ToList();
            Assert.That(order, Is.EquivalentTo(new[] { "stopped root", "stopped a", "stopped b", "stopped a1" }));
            Assert.That(order.IndexOf("stopped a1"), Is.LessThan(order.IndexOf("stopped a")));
            Assert.That(order.IndexOf("stopped a"), Is.LessThan(order.IndexOf("stopped root")));
            Assert.That(order.IndexOf("stopped b"), Is.LessThan(order.IndexOf("stopped root")));
            AssertWorkersExited(system);
        }
    }

    [Test]
    public async Task DisposeAsync_AfterWork_NoWorkerThreadAlive()
    {
        var system = ActorSystem.Create(new ActorSystemOptions { WorkerCount = 4 });
        var workers = ((DedicatedThreadScheduler)system.Scheduler).Threads;
        await using (system)
        {
            Assert.That(workers, Has.Count.EqualTo(4));
            Assert.That(workers, Has.All.Matches<Thread>(thread => thread.IsAlive));
            var actors = Enumerable.Range(0, 100).Select(_ => system.Spawn(() => DelegateActor<Reply<int>>.Of(reply => reply.Send(1)))).ToArray();
            var replies = await Task.WhenAll(actors.Select(actor => actor.Ask<int>(reply => reply, Wait.Timeout).AsTask()));
            Assert.That(replies.Sum(), Is.EqualTo(100));
        }

        Assert.That(workers, Has.None.Matches<Thread>(thread => thread.IsAlive));
    }

    [Test]
    public async Task ShutdownAsync_CalledConcurrently_AllCallersSeeOneShutdown()
    {
        var system = ActorSystem.Create();
        await using (system)
        {
            var stops = 0;
            system.Spawn(() => new DelegateActor<int>
            {
                OnStopped = _ =>
                {
                    Interlocked.Increment(ref stops);
                    return default;
                },
            });

            await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => system.ShutdownAsync()))).OrTimeout();
            await system.DisposeAsync();

            Assert.That(stops, Is.EqualTo(1));
            Assert.That(system.IsShuttingDown, Is.True);
        }
    }

    [Test]
    public async Task ShutdownAsync_TokenCancelledWhileAHandlerBlocks_ReturnsWithoutWaitingForIt()
    {
        var system = ActorSystem.Create(new ActorSystemOptions { WorkerCount = 2 });
        using var release = new ManualResetEventSlim();
        var entered = Wait.Signal();
        var actor = system.Spawn(() => DelegateActor<int>.Of(_ =>
        {
            entered.TrySetResult();
            release.Wait();
        }));
        actor.Tell(1);
        actor.Tell(2);
        await entered.Task.OrTimeout();
        using var cancellation = new CancellationTokenSource();

        var shutdown = system.ShutdownAsync(cancellation.Token);
        Assert.That(shutdown.IsCompleted, Is.False);
        await cancellation.CancelAsync();
        await shutdown.OrTimeout();

        Assert.That(release.IsSet, Is.False, "ShutdownAsync returned only after the handler was released");
        release.Set();
        await system.DisposeAsync();
    }

    private static void AssertWorkersExited(ActorSystem system) =>
        Assert.That(((DedicatedThreadScheduler)system.Scheduler).Threads, Has.None.Matches<Thread>(thread => thread.IsAlive));

    private static DelegateActor<int> Node(ConcurrentQueue<string> events, string name, Action onMessage, Action<ActorContext<int>>? onStarted = null) => new()
    {
        OnStarted = context =>
        {
            onStarted?.Invoke(context);
            return default;
        },
        OnReceive = (_, _) =>
        {
            onMessage();
            return default;
        },
        OnStopped = _ =>
        {
            events.Enqueue($"stopped {name}");
            return default;
        },
    };
}
