using Spillway.Actors.Tests.TestKit;

namespace Spillway.Actors.Tests;

/// <summary>A shutdown whose token fires while a handler never returns still accounts for every message.</summary>
public sealed class ForcedShutdownTests
{
    [Test]
    public async Task ShutdownAsync_CutShortWhileAHandlerIsSuspended_ReportsEverythingBehindItAsDeadLetters()
    {
        var system = ActorSystem.Create(new ActorSystemOptions { WorkerCount = 1 });
        var entered = Wait.Signal();
        var release = Wait.Signal();
        var processed = 0;
        var actor = system.Spawn(() => new DelegateActor<int>
        {
            OnReceive = async (_, _) =>
            {
                Interlocked.Increment(ref processed);
                entered.TrySetResult();
                await release.Task;
            },
        });

        for (var i = 0; i < 11; i++)
        {
            actor.Tell(i);
        }

        await entered.Task.OrTimeout();
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await system.ShutdownAsync(cancelled.Token).OrTimeout();

        Assert.Multiple(() =>
        {
            Assert.That(Volatile.Read(ref processed), Is.EqualTo(1));
            Assert.That(system.DeadLetterCount, Is.EqualTo(10), "the ten messages behind the suspended handler");
            Assert.That(actor.IsStopped, Is.True);
            Assert.That(system.ActorCount, Is.Zero);
        });

        // The handler finishing late changes nothing: no second stop, no message processed after the shutdown.
        release.TrySetResult();
        await actor.Cell.Completion.OrTimeout();
        Assert.That(system.ActorCount, Is.Zero);
        Assert.That(system.DeadLetterCount, Is.EqualTo(10));
    }
}
