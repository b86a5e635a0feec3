using System.Collections.Concurrent;
using Spillway.Actors.Tests.TestKit;

namespace Spillway.Actors.Tests;

/// <summary>
/// Asynchronous handlers: while a handler's task is pending no other message of that actor runs, and an <c>await</c>
/// in actor code resumes on the actor system's workers, not on the .NET thread pool.
/// </summary>
public sealed class AsyncHandlerTests
{
    private sealed record Step(string Name, Task? Gate = null, Reply<string>? Reply = null);

    [Test]
    public async Task ReceiveAsync_HandlerPending_NextMessageWaitsForIt()
    {
        await using var system = ActorSystem.Create();
        var gate = Wait.Signal();
        var entered = Wait.Signal();
        var events = new ConcurrentQueue<string>();
        var actor = system.Spawn(() => new DelegateActor<Step>
        {
            OnReceive = async (_, step) =>
            {
                events.Enqueue($"{step.Name} begins");
                if (step.Gate is { } stepGate)
                {
                    entered.TrySetResult();
                    await stepGate;
                }

                events.Enqueue($"{step.Name} ends (gate open: {gate.Task.IsCompleted})");
                step.Reply?.Send(step.Name);
            },
        });

        actor.Tell(new Step("first", gate.Task));
        await entered.Task.OrTimeout();

        // Told through another reference, so lane order alone would not hold it back.
        var second = actor.Clone().Ask<string>(reply => new Step("second", Reply: reply), Wait.Timeout);
        Assert.That(events, Is.EqualTo(new[] { "first begins" }));
        gate.TrySetResult();
        await second;

        Assert.That(events, Is.EqualTo(new[]
        {
            "first begins",
            "first ends (gate open: True)",
            "second begins",
            "second ends (gate open: True)",
        }));
    }

    [Test]
    public async Task ReceiveAsync_ManyAwaitingHandlersFromManyRefs_NeverOverlap()
    {
        const int perRef = 500;
        const int refs = 4;
        await using var system = ActorSystem.Create(new ActorSystemOptions { WorkerCount = 2 });
        var inside = 0;
        var overlaps = 0;
        using var done = new CountdownEvent(perRef * refs);
        var actor = system.Spawn(() => new DelegateActor<int>
        {
            OnReceive = async (_, _) =>
            {
                if (Interlocked.Increment(ref inside) != 1)
                {
                    Interlocked.Increment(ref overlaps);
                }

                await Task.Yield();
                await Task.Run(static () => { });
                Interlocked.Decrement(ref inside);
                done.Signal();
            },
        });

        await Task.WhenAll(Enumerable.Range(0, refs).Select(_ => Task.Run(() =>
        {
            var reference = actor.Clone();
            for (var i = 0; i < perRef; i++)
            {
                reference.Tell(i);
            }
        })));

        Assert.That(Wait.For(done), Is.True);
        Assert.That(overlaps, Is.Zero);
    }

    [Test]
    public async Task ReceiveAsync_AwaitTaskCompletedElsewhere_ResumesOnAnActorWorker()
    {
        await using var system = ActorSystem.Create(new ActorSystemOptions { WorkerCount = 2 });
        var workers = ((DedicatedThreadScheduler)system.Scheduler).Threads;
        var external = new TaskCompletionSource();
        var actor = system.Spawn(() => new DelegateActor<Reply<Thread[]>>
        {
            OnReceive = async (_, reply) =>
            {
                var before = Thread.CurrentThread;

                // Completed on the thread pool, and by the test thread without RunContinuationsAsynchronously: either
                // would run the continuation there if the runtime did not bring it back to its own workers.
                await Task.Run(static () => { });
                var afterPool = Thread.CurrentThread;
                await external.Task;
                var afterExternal = Thread.CurrentThread;
                await Task.Yield();
                reply.Send([before, afterPool, afterExternal, Thread.CurrentThread]);
            },
        });

        var ask = actor.Ask<Thread[]>(reply => reply, Wait.Timeout);
        external.SetResult();
        var threads = await ask;

        Assert.That(threads, Has.All.Matches<Thread>(thread => workers.Contains(thread)));
        Assert.That(threads.Select(thread => thread.Name), Has.All.Contains("actor worker"));
    }

    [Test]
    public async Task OnStartedAsync_Await_ResumesOnAnActorWorker()
    {
        await using var system = ActorSystem.Create();
        var workers = ((DedicatedThreadScheduler)system.Scheduler).Threads;
        var startedOn = Wait.Signal<Thread>();
        system.Spawn(() => new DelegateActor<int>
        {
            OnStarted = async _ =>
            {
                await Task.Run(static () => { });
                startedOn.TrySetResult(Thread.CurrentThread);
            },
        });

        var thread = await startedOn.Task.OrTimeout();

        Assert.That(workers, Does.Contain(thread));
    }

    [Test]
    public async Task OnStoppedAsync_ParentWithChildren_RunsOnAnActorWorker()
    {
        await using var system = ActorSystem.Create();
        var workers = ((DedicatedThreadScheduler)system.Scheduler).Threads;
        var stoppedOn = Wait.Signal<Thread>();
        var ready = Wait.Signal();
        var parent = system.Spawn(() => new DelegateActor<int>
        {
            OnStarted = context =>
            {
                context.Spawn(() => new DelegateActor<int>(), "child");
                ready.TrySetResult();
                return default;
            },

            // The parent's hook runs after waiting for its children's stop signals, which complete elsewhere.
            OnStopped = _ =>
            {
                stoppedOn.TrySetResult(Thread.CurrentThread);
                return default;
            },
        });
        await ready.Task.OrTimeout();

        await system.StopAsync(parent).OrTimeout();

        Assert.That(workers, Does.Contain(await stoppedOn.Task.OrTimeout()));
    }

    [Test]
    public async Task Restart_AfterBackoff_NewInstanceIsBuiltAndStartedOnAnActorWorker()
    {
        var time = new TimerWatchingTimeProvider();
        await using var system = ActorSystem.Create(new ActorSystemOptions { TimeProvider = time, SlowTurnThreshold = TimeSpan.Zero });
        var workers = ((DedicatedThreadScheduler)system.Scheduler).Threads;
        var backoff = TimeSpan.FromSeconds(3);
        var instances = 0;
        var builtOn = Wait.Signal<Thread>();
        var startedOn = Wait.Signal<Thread>();
        var actor = system.Spawn(
            () =>
            {
                if (Interlocked.Increment(ref instances) == 2)
                {
                    builtOn.TrySetResult(Thread.CurrentThread);
                }

                return new DelegateActor<int>
                {
                    OnStarted = _ =>
                    {
                        if (Volatile.Read(ref instances) == 2)
                        {
                            startedOn.TrySetResult(Thread.CurrentThread);
                        }

                        return default;
                    },
                    OnReceive = (_, _) => throw new InvalidOperationException("restart me"),
                };
            },
            options: new SpawnOptions { Supervision = SupervisionStrategy.Restart(backoff: backoff) });

        actor.Tell(1);
        await time.WhenTimerCreated(backoff).OrTimeout();

        // The backoff's timer fires on this (the test's) thread; the new instance must still be made on the actor pool.
        time.Advance(backoff);

        Assert.That(workers, Does.Contain(await builtOn.Task.OrTimeout()));
        Assert.That(workers, Does.Contain(await startedOn.Task.OrTimeout()));
    }

    [Test]
    public async Task ReceiveAsync_FaultsAfterAnAwait_GoesToSupervision()
    {
        await using var system = ActorSystem.Create();
        var actor = system.Spawn(
            () => new DelegateActor<Step>
            {
                OnReceive = async (_, step) =>
                {
                    await Task.Yield();
                    if (step.Name == "fail")
                    {
                        throw new InvalidOperationException("after await");
                    }

                    step.Reply?.Send(step.Name);
                },
            },
            options: new SpawnOptions { Supervision = SupervisionStrategy.Resume });

        actor.Tell(new Step("fail"));
        var answer = await actor.Ask<string>(reply => new Step("next", Reply: reply), Wait.Timeout);

        Assert.That(answer, Is.EqualTo("next"));
    }

    [Test]
    public async Task StopAsync_WhileHandlerPending_WaitsForItThenStops()
    {
        await using var system = ActorSystem.Create();
        var gate = Wait.Signal();
        var entered = Wait.Signal();
        var finished = false;
        var actor = system.Spawn(() => new DelegateActor<Step>
        {
            OnReceive = async (_, step) =>
            {
                entered.TrySetResult();
                await gate.Task;
                finished = true;
            },
        });
        actor.Tell(new Step("long"));
        actor.Tell(new Step("queued"));
        await entered.Task.OrTimeout();

        var stop = system.StopAsync(actor);
        Assert.That(stop.IsCompleted, Is.False, "stopped while a handler was pending");
        gate.TrySetResult();
        await stop.OrTimeout();

        Assert.That(finished, Is.True);
        Assert.That(system.DeadLetterCount, Is.EqualTo(1), "the queued message becomes a dead letter");
    }
}
