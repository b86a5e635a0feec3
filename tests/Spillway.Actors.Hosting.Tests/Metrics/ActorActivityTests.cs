using Spillway.Actors.Hosting.Tests.TestKit;

namespace Spillway.Actors.Hosting.Tests.Metrics;

/// <summary>
/// <see cref="ActorSystem.GetActorActivity"/> lists every live actor, children included, with its path, type and
/// mailbox figures, and leaves stopped actors out (a dashboard's busiest actors).
/// </summary>
public sealed class ActorActivityTests
{
    [Test]
    public async Task GetActorActivity_ChildAndStoppedActor_ListsTheLiveOnesWithTheirCounts()
    {
        await using var metered = new MeteredSystem();
        var system = metered.System;
        var childRef = Wait.Signal<ActorRef<Ping>>();
        system.Spawn(() => new DelegateActor<int>
        {
            OnStarted = context =>
            {
                childRef.TrySetResult(context.Spawn<Ping>(() => new CounterActor(), "child"));
                return default;
            },
        }, "parent");
        var gone = system.Spawn<CounterActor, Ping>("gone");
        await system.StopAsync(gone).OrTimeout();
        var child = await childRef.Task.OrTimeout();
        child.TellMany(5);
        await child.SyncAsync();

        var activity = system.GetActorActivity().OrderBy(a => a.Path, StringComparer.Ordinal).ToList();

        Assert.That(activity.Select(a => a.Path), Is.EqualTo(new[] { "spillway://metered/parent", "spillway://metered/parent/child" }));
        Assert.That(activity[1], Is.EqualTo(new ActorActivity("spillway://metered/parent/child", nameof(CounterActor), Queued: 0, Processed: 6, Sent: 6)));
        Assert.That(activity[0].ActorType, Is.EqualTo("DelegateActor`1"));
    }

    [Test]
    public async Task GetActorActivity_AfterShutdown_IsEmpty()
    {
        var metered = new MeteredSystem();
        metered.System.Spawn<CounterActor, Ping>("counter");

        await metered.DisposeAsync();

        Assert.That(metered.System.GetActorActivity(), Is.Empty);
    }
}
