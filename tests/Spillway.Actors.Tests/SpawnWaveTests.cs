using Spillway.Actors.Tests.TestKit;

namespace Spillway.Actors.Tests;

/// <summary>
/// Waves of many short-lived actors: every one is spawned, handles a message and stops, and the system's books balance
/// afterwards (no actor left counted, no name left registered, no dead letter).
/// </summary>
public sealed class SpawnWaveTests
{
    [Test]
    public Task SpawnAndStop_TwoWavesOf100000Actors_ActorCountReturnsToZero() => RunWaves(waves: 2, actorsPerWave: 100_000);

    [Test]
    [Category("Stress")]
    [Explicit("Long form: run by hand.")]
    public Task SpawnAndStop_TwentyWavesOf100000Actors_ActorCountReturnsToZero() => RunWaves(waves: 20, actorsPerWave: 100_000);

    [Test]
    public async Task SpawnAndStop_ChildrenSpawnedByOneParent_AllStopWithIt()
    {
        const int children = 20_000;
        await using var system = ActorSystem.Create();
        using var started = new CountdownEvent(children);
        var parent = system.Spawn(() => new DelegateActor<int>
        {
            OnReceive = (context, count) =>
            {
                for (var i = 0; i < count; i++)
                {
                    context.Spawn(() => new DelegateActor<int>
                    {
                        OnStarted = _ =>
                        {
                            started.Signal();
                            return default;
                        },
                    });
                }

                return default;
            },
        });

        parent.Tell(children);
        Assert.That(Wait.For(started), Is.True);
        Assert.That(system.ActorCount, Is.EqualTo(children + 1));
        await system.StopAsync(parent).OrTimeout();

        Assert.That(system.ActorCount, Is.Zero);
    }

    private static async Task RunWaves(int waves, int actorsPerWave)
    {
        await using var system = ActorSystem.Create();
        var actors = new ActorRef<int>[actorsPerWave];
        var stops = new Task[actorsPerWave];
        using var handled = new CountdownEvent(actorsPerWave);
        for (var wave = 0; wave < waves; wave++)
        {
            handled.Reset();
            for (var i = 0; i < actorsPerWave; i++)
            {
                // Named, so a name that stays registered after its actor stops would collide in the next wave.
                actors[i] = system.Spawn(() => DelegateActor<int>.Of(_ => handled.Signal()), $"a{i}");
                actors[i].Tell(i);
            }

            Assert.That(Wait.For(handled), Is.True, $"wave {wave}: a message was not handled");
            Assert.That(system.ActorCount, Is.EqualTo(actorsPerWave));
            for (var i = 0; i < actorsPerWave; i++)
            {
                stops[i] = system.StopAsync(actors[i]);
            }

            await Task.WhenAll(stops).OrTimeout();
            Assert.That(system.ActorCount, Is.Zero, $"wave {wave}: actors still counted after stopping");
        }

        Assert.That(system.DeadLetterCount, Is.Zero);
    }
}
