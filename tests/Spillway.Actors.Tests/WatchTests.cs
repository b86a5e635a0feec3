using Spillway.Actors.Tests.TestKit;

namespace Spillway.Actors.Tests;

/// <summary><see cref="ActorContext{TMsg}.Watch"/> tells the watcher its notification when the watched actor stops, however it stops.</summary>
public sealed class WatchTests
{
    [Test]
    public async Task Watch_WatchedActorStopped_WatcherGetsNotification()
    {
        await using var system = ActorSystem.Create();
        var target = system.Spawn(() => new DelegateActor<int>(), "target");
        var (notified, watching) = SpawnWatcher(system, target, "target stopped");
        await watching.OrTimeout();
        Assert.That(notified.Task.IsCompleted, Is.False);

        await system.StopAsync(target).OrTimeout();

        Assert.That(await notified.Task.OrTimeout(), Is.EqualTo("target stopped"));
    }

    [Test]
    public async Task Watch_AlreadyStopped_NotifiesAtOnce()
    {
        await using var system = ActorSystem.Create();
        var target = system.Spawn(() => new DelegateActor<int>());
        await system.StopAsync(target).OrTimeout();

        var (notified, _) = SpawnWatcher(system, target, "was already stopped");

        Assert.That(await notified.Task.OrTimeout(), Is.EqualTo("was already stopped"));
    }

    [Test]
    public async Task Watch_WatchedActorStoppedBySupervision_WatcherGetsNotification()
    {
        await using var system = ActorSystem.Create();
        var target = system.Spawn(
            () => DelegateActor<int>.Of(_ => throw new InvalidOperationException("fatal")),
            options: new SpawnOptions { Supervision = SupervisionStrategy.Stop });
        var (notified, watching) = SpawnWatcher(system, target, "failed");
        await watching.OrTimeout();

        target.Tell(1);

        Assert.That(await notified.Task.OrTimeout(), Is.EqualTo("failed"));
        Assert.That(target.IsStopped, Is.True);
    }

    [Test]
    public async Task Watch_SelfStoppedActorWithSeveralWatchers_EveryWatcherNotified()
    {
        await using var system = ActorSystem.Create();
        var target = system.Spawn(() => new DelegateActor<int> { OnReceive = StopSelf });
        var watchers = Enumerable.Range(0, 5).Select(i => SpawnWatcher(system, target, $"w{i}")).ToArray();
        await Task.WhenAll(watchers.Select(w => w.Watching)).OrTimeout();

        target.Tell(0);

        var notes = await Task.WhenAll(watchers.Select(w => w.Notified.Task)).OrTimeout();
        Assert.That(notes, Is.EqualTo(new[] { "w0", "w1", "w2", "w3", "w4" }));
    }

    [Test]
    public async Task Watch_ParentWatchesChild_NotifiedWhenChildStops()
    {
        await using var system = ActorSystem.Create();
        var notified = Wait.Signal<string>();
        var child = Wait.Signal<ActorRef<int>>();
        system.Spawn(() => new DelegateActor<string>
        {
            OnStarted = context =>
            {
                var spawned = context.Spawn(() => new DelegateActor<int> { OnReceive = StopSelf }, "child");
                context.Watch(spawned, "child gone");
                child.TrySetResult(spawned);
                return default;
            },
            OnReceive = (_, note) =>
            {
                notified.TrySetResult(note);
                return default;
            },
        });

        (await child.Task.OrTimeout()).Tell(1);

        Assert.That(await notified.Task.OrTimeout(), Is.EqualTo("child gone"));
    }

    [Test]
    public async Task Unwatch_BeforeTheWatchedActorStops_NoNotification()
    {
        await using var system = ActorSystem.Create();
        var target = system.Spawn(() => new DelegateActor<int>(), "target");
        var watcher = SpawnProbeWatcher(system, target, unwatchOn: "unwatch");
        await watcher.Started.Task.OrTimeout();

        watcher.Self.Tell("unwatch");
        await watcher.Unwatched.Task.OrTimeout();
        await system.StopAsync(target).OrTimeout();

        // The watcher's notifications are told through its own reference, as this probe is: it comes after them.
        watcher.Self.Tell("probe");
        await watcher.Probed.Task.OrTimeout();
        Assert.That(watcher.Received, Is.EqualTo(new[] { "unwatch", "probe" }));
        Assert.That(target.Cell.WatcherCount, Is.Zero);
    }

    [Test]
    public async Task Watch_PlacedAgainByEveryRestart_OneNotificationPerStop()
    {
        await using var system = ActorSystem.Create();
        var target = system.Spawn(() => new DelegateActor<int>(), "target");
        var watcher = SpawnProbeWatcher(system, target, unwatchOn: null, failOn: "fail");
        await watcher.Started.Task.OrTimeout();

        for (var i = 0; i < 3; i++)
        {
            watcher.Self.Tell("fail");
        }

        watcher.Self.Tell("restarted");
        await watcher.Restarted.Task.OrTimeout();
        Assert.That(target.Cell.WatcherCount, Is.EqualTo(1));
        await system.StopAsync(target).OrTimeout();
        watcher.Self.Tell("probe");
        await watcher.Probed.Task.OrTimeout();

        Assert.That(watcher.Received.Count(note => note == "target stopped"), Is.EqualTo(1));
    }

    [Test]
    public async Task Watch_WatcherStops_ItsRegistrationIsWithdrawn()
    {
        await using var system = ActorSystem.Create();
        var target = system.Spawn(() => new DelegateActor<int>(), "target");
        var watchers = Enumerable.Range(0, 10).Select(_ => SpawnProbeWatcher(system, target, unwatchOn: null)).ToArray();
        await Task.WhenAll(watchers.Select(w => w.Started.Task)).OrTimeout();
        Assert.That(target.Cell.WatcherCount, Is.EqualTo(10));

        foreach (var watcher in watchers)
        {
            await system.StopAsync(watcher.Self).OrTimeout();
        }

        Assert.That(target.Cell.WatcherCount, Is.Zero);
        await system.StopAsync(target).OrTimeout();
        Assert.That(system.DeadLetterCount, Is.Zero, "a stopped watcher was still told");
    }

    [Test]
    public async Task Watch_WatchedActorStops_WatcherKeepsNoEntryForIt()
    {
        await using var system = ActorSystem.Create();
        var watcher = SpawnProbeWatcher(system, system.Spawn(() => new DelegateActor<int>()), unwatchOn: null);
        await watcher.Started.Task.OrTimeout();
        var targets = Enumerable.Range(0, 20).Select(_ => system.Spawn(() => new DelegateActor<int>())).ToArray();
        var watched = Wait.Signal();
        var watching = 0;
        system.Spawn(() => new DelegateActor<int>
        {
            OnStarted = context =>
            {
                foreach (var target in targets)
                {
                    context.Watch(target, 0);
                }

                watching = context.Self.Cell.WatchingCount;
                watched.TrySetResult();
                return default;
            },
        });
        await watched.Task.OrTimeout();

        foreach (var target in targets)
        {
            await system.StopAsync(target).OrTimeout();
        }

        Assert.That(watching, Is.EqualTo(20));
        Assert.That(targets.Sum(target => target.Cell.WatcherCount), Is.Zero);
        Assert.That(system.ActorCount, Is.EqualTo(3));
    }

    private static ProbeWatcher SpawnProbeWatcher(ActorSystem system, ActorRef<int> target, string? unwatchOn, string? failOn = null)
    {
        var probe = new ProbeWatcher();
        probe.Self = system.Spawn(
            () => new DelegateActor<string>
            {
                OnStarted = context =>
                {
                    context.Watch(target, "target stopped");
                    probe.Started.TrySetResult();
                    return default;
                },
                OnReceive = (context, message) =>
                {
                    lock (probe.Received)
                    {
                        probe.Received.Add(message);
                    }

                    if (message == unwatchOn)
                    {
                        context.Unwatch(target);
                        probe.Unwatched.TrySetResult();
                    }
                    else if (message == failOn)
                    {
                        throw new InvalidOperationException("restart me");
                    }
                    else if (message == "restarted")
                    {
                        probe.Restarted.TrySetResult();
                    }
                    else if (message == "probe")
                    {
                        probe.Probed.TrySetResult();
                    }

                    return default;
                },
            },
            options: new SpawnOptions { Supervision = SupervisionStrategy.Restart() });
        return probe;
    }

    private sealed class ProbeWatcher
    {
        public ActorRef<string> Self { get; set; } = null!;

        public List<string> Received { get; } = [];

        public TaskCompletionSource Started { get; } = Wait.Signal();

        public TaskCompletionSource Restarted { get; } = Wait.Signal();

        public TaskCompletionSource Probed { get; } = Wait.Signal();

        public TaskCompletionSource Unwatched { get; } = Wait.Signal();
    }

    [Test]
    public async Task Watch_WatchedActorToldTheWatcherBeforeStopping_NotificationComesAfterThoseMessages()
    {
        await using var system = ActorSystem.Create(new ActorSystemOptions { WorkerCount = 2 });
        var received = new List<string>();
        var notified = Wait.Signal();
        var watching = Wait.Signal();
        var entered = Wait.Signal();
        var gate = Wait.Signal();
        ActorRef<int>? target = null;
        var watcher = system.Spawn(
            () => new DelegateActor<string>
            {
                OnReceive = async (context, message) =>
                {
                    received.Add(message);
                    switch (message)
                    {
                        case "watch":
                            context.Watch(Volatile.Read(ref target)!, "stopped");
                            watching.TrySetResult();
                            break;
                        case "gate":
                            entered.TrySetResult();
                            await gate.Task;
                            break;
                        case "stopped":
                            notified.TrySetResult();
                            break;
                    }
                },
            },
            options: new SpawnOptions { MailboxLanes = 2 });

        // Lane 0 is the watcher's own reference (the notification's lane); lane 1 is this one, which the watched actor
        // tells through. The reader takes lane 1 (the gate) last, so it looks at lane 0 first when the gate opens.
        var otherLane = watcher.Clone();
        Volatile.Write(ref target, system.Spawn(() => new DelegateActor<int>
        {
            OnReceive = (context, count) =>
            {
                for (var i = 0; i < count; i++)
                {
                    otherLane.Tell($"m{i}");
                }

                context.Stop();
                return default;
            },
        }));
        watcher.Tell("watch");
        await watching.Task.OrTimeout();
        otherLane.Tell("gate");
        await entered.Task.OrTimeout();

        target!.Tell(20);
        await target.Cell.Completion.OrTimeout();
        gate.SetResult();
        await notified.Task.OrTimeout();

        Assert.That(received, Has.Count.EqualTo(23));
        Assert.That(received[^1], Is.EqualTo("stopped"), "the notification overtook what the watched actor told before it stopped");
    }

    private static ValueTask StopSelf(ActorContext<int> context, int message)
    {
        context.Stop();
        return default;
    }

    private static (TaskCompletionSource<string> Notified, Task Watching) SpawnWatcher(ActorSystem system, ActorRef<int> target, string note)
    {
        var notified = Wait.Signal<string>();
        var watching = Wait.Signal();
        system.Spawn(() => new DelegateActor<string>
        {
            OnStarted = context =>
            {
                context.Watch(target, note);
                watching.TrySetResult();
                return default;
            },
            OnReceive = (_, message) =>
            {
                notified.TrySetResult(message);
                return default;
            },
        });
        return (notified, watching.Task);
    }
}
