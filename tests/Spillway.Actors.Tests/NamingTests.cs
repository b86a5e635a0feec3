using Spillway.Actors.Tests.TestKit;

namespace Spillway.Actors.Tests;

/// <summary>
/// Names as users see them: a generated name is "$" and a number, distinct and the same text every time it is asked
/// for (it is kept as a number and made into a string only when asked); the registries of top-level actors and of
/// children find, keep apart and remove actors with generated names by identity and given names by their text.
/// </summary>
public sealed class NamingTests
{
    [Test]
    public async Task Spawn_WithoutName_GetsDistinctGeneratedNames_ThatReadTheSameEveryTime()
    {
        await using var system = ActorSystem.Create();
        var actors = Enumerable.Range(0, 3).Select(_ => system.Spawn(() => new DelegateActor<int>())).ToArray();

        var names = actors.Select(actor => actor.Name).ToArray();

        Assert.That(names, Has.All.Match("^\\$[0-9]+$"));
        Assert.That(names, Is.Unique);
        Assert.That(actors.Select(actor => actor.Name), Is.EqualTo(names), "asked again, the same text");
        Assert.That(actors[0].Path, Does.EndWith("/" + names[0]));
        Assert.That(system.ActorCount, Is.EqualTo(3));
    }

    [Test]
    public async Task Stop_OneOfSeveralUnnamedTopLevelActors_RemovesOnlyThatOne()
    {
        await using var system = ActorSystem.Create();
        var first = system.Spawn(() => new DelegateActor<int>());
        var second = system.Spawn(() => new DelegateActor<int>());
        var named = system.Spawn(() => new DelegateActor<int>(), "named");

        await system.StopAsync(first).OrTimeout();

        Assert.That(system.ActorCount, Is.EqualTo(2));
        Assert.That(second.IsStopped, Is.False);
        Assert.That(named.IsStopped, Is.False);
        Assert.That(() => system.Spawn(() => new DelegateActor<int>(), "named"), Throws.ArgumentException, "a given name stays taken");
    }

    [Test]
    public async Task Children_UnnamedAndNamed_AreKeptApart_AndRemovedWhenTheyStop()
    {
        await using var system = ActorSystem.Create();
        var spawned = Wait.Signal<(ActorRef<int> First, ActorRef<int> Second, ActorRef<int> Kid, Exception? Duplicate)>();
        var parent = system.Spawn(() => new DelegateActor<int>
        {
            OnStarted = context =>
            {
                var first = context.Spawn(() => new DelegateActor<int>());
                var second = context.Spawn(() => new DelegateActor<int>());
                var kid = context.Spawn(() => new DelegateActor<int>(), "kid");
                Exception? duplicate = null;
                try
                {
                    context.Spawn(() => new DelegateActor<int>(), "kid");
                }
                catch (ArgumentException error)
                {
                    duplicate = error;
                }

                spawned.TrySetResult((first, second, kid, duplicate));
                return default;
            },
        });

        var (first, second, kid, duplicate) = await spawned.Task.OrTimeout();
        Assert.That(duplicate, Is.InstanceOf<ArgumentException>(), "a given child name is unique among siblings");
        Assert.That(first.Name, Is.Not.EqualTo(second.Name));
        Assert.That(system.ActorCount, Is.EqualTo(4));
        Assert.That(parent.Cell.SnapshotChildren(), Has.Length.EqualTo(3));

        await system.StopAsync(first).OrTimeout();
        await system.StopAsync(kid).OrTimeout();

        Assert.That(system.ActorCount, Is.EqualTo(2));
        Assert.That(parent.Cell.SnapshotChildren(), Is.EqualTo(new[] { second.Cell }), "stopping one unnamed sibling leaves the other");
        Assert.That(second.IsStopped, Is.False);
    }
}
