using System.Collections.Concurrent;
using Spillway.Actors.Tests.TestKit;

namespace Spillway.Actors.Tests;

/// <summary>
/// The order of the lifecycle hooks: <see cref="Actor{TMsg}.OnStartedAsync"/> before the first message, on a restart
/// <see cref="Actor{TMsg}.OnRestartingAsync"/> on the old instance then <see cref="Actor{TMsg}.OnStartedAsync"/> on the
/// new one, and <see cref="Actor{TMsg}.OnStoppedAsync"/> last, after every child's.
/// </summary>
public sealed class LifecycleTests
{
    private sealed record Command(string Text, Reply<bool>? Done = null);

    [Test]
    public async Task Hooks_StartFailRestartStop_RunInDocumentedOrder()
    {
        await using var system = ActorSystem.Create();
        var events = new ConcurrentQueue<string>();
        var instances = 0;
        var actor = system.Spawn(
            () =>
            {
                var id = Interlocked.Increment(ref instances);
                return new DelegateActor<Command>
                {
                    OnStarted = _ =>
                    {
                        events.Enqueue($"started {id}");
                        return default;
                    },
                    OnReceive = (_, command) =>
                    {
                        events.Enqueue($"receive {id} {command.Text}");
                        if (command.Text == "boom")
                        {
                            throw new InvalidOperationException("boom");
                        }

                        command.Done?.Send(true);
                        return default;
                    },
                    OnRestarting = (_, reason) =>
                    {
                        events.Enqueue($"restarting {id} {reason.Message}");
                        return default;
                    },
                    OnStopped = _ =>
                    {
                        events.Enqueue($"stopped {id}");
                        return default;
                    },
                };
            },
            options: new SpawnOptions { Supervision = SupervisionStrategy.Restart() });

        actor.Tell(new Command("a"));
        actor.Tell(new Command("boom"));
        await actor.Ask<bool>(done => new Command("b", done), Wait.Timeout);
        await system.StopAsync(actor).OrTimeout();

        Assert.That(events, Is.EqualTo(new[]
        {
            "started 1",
            "receive 1 a",
            "receive 1 boom",
            "restarting 1 boom",
            "started 2",
            "receive 2 b",
            "stopped 2",
        }));
    }

    [Test]
    public async Task OnStartedAsync_Pending_NoMessageRunsUntilItCompletes()
    {
        await using var system = ActorSystem.Create();
        var events = new ConcurrentQueue<string>();
        var gate = Wait.Signal();
        var entered = Wait.Signal();
        var actor = system.Spawn(() => new DelegateActor<Command>
        {
            OnStarted = async _ =>
            {
                events.Enqueue("start begins");
                entered.TrySetResult();
                await gate.Task;
                events.Enqueue("start ends");
            },
            OnReceive = (_, command) =>
            {
                events.Enqueue($"receive {command.Text}");
                command.Done?.Send(true);
                return default;
            },
        });

        actor.Tell(new Command("first"));
        var ask = actor.Ask<bool>(done => new Command("second", done), Wait.Timeout);
        await entered.Task.OrTimeout();
        Assert.That(events, Is.EqualTo(new[] { "start begins" }));
        gate.TrySetResult();
        await ask;

        Assert.That(events, Is.EqualTo(new[] { "start begins", "start ends", "receive first", "receive second" }));
    }

    [Test]
    public async Task StopAsync_ParentWithChildren_ChildrenStopBeforeParent()
    {
        await using var system = ActorSystem.Create();
        var events = new ConcurrentQueue<string>();
        var children = new ConcurrentBag<ActorRef<Command>>();
        var childrenStoppedFirst = Wait.Signal<bool>();
        var ready = Wait.Signal();
        var parent = system.Spawn(() => new DelegateActor<Command>
        {
            OnStarted = context =>
            {
                for (var i = 0; i < 3; i++)
                {
                    var name = $"child{i}";
                    children.Add(context.Spawn(
                        () => new DelegateActor<Command>
                        {
                            OnStopped = _ =>
                            {
                                events.Enqueue($"stopped {name}");
                                return default;
                            },
                        },
                        name));
                }

                ready.TrySetResult();
                return default;
            },
            OnStopped = _ =>
            {
                childrenStoppedFirst.TrySetResult(children.All(child => child.IsStopped));
                events.Enqueue("stopped parent");
                return default;
            },
        });
        await ready.Task.OrTimeout();
        Assert.That(system.ActorCount, Is.EqualTo(4));

        await system.StopAsync(parent).OrTimeout();

        Assert.That(await childrenStoppedFirst.Task.OrTimeout(), Is.True, "a child was still running in the parent's OnStoppedAsync");
        Assert.That(events.Last(), Is.EqualTo("stopped parent"));
        Assert.That(events, Is.EquivalentTo(new[] { "stopped child0", "stopped child1", "stopped child2", "stopped parent" }));
        Assert.That(children.Select(child => child.Path), Is.All.StartsWith(parent.Path + "/child"));
        Assert.That(system.ActorCount, Is.Zero);
    }

    [Test]
    public async Task StopAsync_Grandchildren_StopInnermostFirst()
    {
        await using var system = ActorSystem.Create();
        var events = new ConcurrentQueue<string>();
        var ready = Wait.Signal();
        var root = system.Spawn(() => Level(events, "root", depth: 2, ready), "root");
        await ready.Task.OrTimeout();

        await system.StopAsync(root).OrTimeout();

        Assert.That(events, Is.EqualTo(new[] { "stopped root/1/2", "stopped root/1", "stopped root" }));

        static DelegateActor<Command> Level(ConcurrentQueue<string> events, string path, int depth, TaskCompletionSource ready) => new()
        {
            OnStarted = context =>
            {
                if (depth == 0)
                {
                    ready.TrySetResult();
                }
                else
                {
                    var childPath = $"{path}/{3 - depth}";
                    context.Spawn(() => Level(events, childPath, depth - 1, ready), (3 - depth).ToString(System.Globalization.CultureInfo.InvariantCulture));
                }

                return default;
            },
            OnStopped = _ =>
            {
                events.Enqueue($"stopped {path}");
                return default;
            },
        };
    }

    [Test]
    public async Task ContextStop_InHandler_StopsAfterThatMessageAndQueuedOnesBecomeDeadLetters()
    {
        await using var system = ActorSystem.Create();
        var processed = new ConcurrentQueue<string>();
        var stopped = Wait.Signal();
        var gate = Wait.Signal();
        var deadLetters = new ConcurrentQueue<DeadLetter>();
        system.DeadLetterReceived += (_, letter) => deadLetters.Enqueue(letter);
        var actor = system.Spawn(() => new DelegateActor<Command>
        {
            OnReceive = async (context, command) =>
            {
                if (command.Text == "wait")
                {
                    await gate.Task;
                }

                processed.Enqueue(command.Text);
                if (command.Text == "stop")
                {
                    context.Stop();
                }
            },
            OnStopped = _ =>
            {
                stopped.TrySetResult();
                return default;
            },
        });

        actor.Tell(new Command("wait"));
        actor.Tell(new Command("stop"));
        actor.Tell(new Command("after1"));
        actor.Tell(new Command("after2"));
        gate.TrySetResult();
        await stopped.Task.OrTimeout();
        await system.StopAsync(actor).OrTimeout();

        Assert.That(processed, Is.EqualTo(new[] { "wait", "stop" }));
        Assert.That(deadLetters.Select(letter => ((Command)letter.Message!).Text), Is.EqualTo(new[] { "after1", "after2" }));
        Assert.That(deadLetters.Select(letter => letter.Reason), Is.All.EqualTo(DeadLetterReason.ActorStopped));
        Assert.That(actor.IsStopped, Is.True);
    }

    [Test]
    public async Task StopAsync_AlreadyStopped_CompletesAtOnce()
    {
        await using var system = ActorSystem.Create();
        var stops = 0;
        var actor = system.Spawn(() => new DelegateActor<Command>
        {
            OnStopped = _ =>
            {
                Interlocked.Increment(ref stops);
                return default;
            },
        });
        await system.StopAsync(actor).OrTimeout();

        var again = system.StopAsync(actor);

        Assert.That(again.IsCompletedSuccessfully, Is.True);
        Assert.That(stops, Is.EqualTo(1), "OnStoppedAsync runs once");
    }

    [Test]
    public async Task OnStartedAsync_Throws_SupervisionRestartsWithANewInstance()
    {
        await using var system = ActorSystem.Create();
        var instances = 0;
        var actor = system.Spawn(
            () =>
            {
                var id = Interlocked.Increment(ref instances);
                return new DelegateActor<Command>
                {
                    OnStarted = _ => id == 1 ? throw new InvalidOperationException("first start fails") : default,
                    OnReceive = (_, command) =>
                    {
                        command.Done?.Send(id == 2);
                        return default;
                    },
                };
            },
            options: new SpawnOptions { Supervision = SupervisionStrategy.Restart() });

        var handledBySecond = await actor.Ask<bool>(done => new Command("hello", done), Wait.Timeout);

        Assert.That(handledBySecond, Is.True);
        Assert.That(instances, Is.EqualTo(2));
    }

    [Test]
    public async Task Hooks_OnStoppedAndOnRestartingThrow_FailuresAreIgnored()
    {
        await using var system = ActorSystem.Create();
        var instances = 0;
        var actor = system.Spawn(
            () =>
            {
                var id = Interlocked.Increment(ref instances);
                return new DelegateActor<Command>
                {
                    OnReceive = (_, command) =>
                    {
                        if (command.Text == "boom")
                        {
                            throw new InvalidOperationException("boom");
                        }

                        command.Done?.Send(true);
                        return default;
                    },
                    OnRestarting = (_, _) => throw new InvalidOperationException("restarting hook fails"),
                    OnStopped = _ => throw new InvalidOperationException("stopped hook fails"),
                };
            },
            options: new SpawnOptions { Supervision = SupervisionStrategy.Restart() });

        actor.Tell(new Command("boom"));
        var answered = await actor.Ask<bool>(done => new Command("after", done), Wait.Timeout);
        await system.StopAsync(actor).OrTimeout();

        Assert.That(answered, Is.True);
        Assert.That(instances, Is.EqualTo(2));
        Assert.That(actor.IsStopped, Is.True);
    }
}
