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
