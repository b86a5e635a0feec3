using Spillway.Actors.Tests.TestKit;

namespace Spillway.Actors.Tests;

/// <summary>
/// An actor told by a handler runs next on the same worker; if that handler then blocks its thread, the told actor
/// must still run, on another worker.
/// </summary>
public sealed class NextSlotRescueTests
{
    [Test]
    public async Task Tell_FromAHandlerThatThenBlocks_TheToldActorStillRunsOnAnotherWorker()
    {
        await using var system = ActorSystem.Create(new ActorSystemOptions { WorkerCount = 2 });
        using var blocker = new ManualResetEventSlim();
        var toldRan = Wait.Signal();
        var told = system.Spawn(() => new DelegateActor<int>
        {
            OnReceive = (_, _) =>
            {
                toldRan.TrySetResult();
                return default;
            },
        });
        var teller = system.Spawn(() => new DelegateActor<int>
        {
            OnReceive = (_, _) =>
            {
                told.Tell(1);
                blocker.Wait(Wait.Timeout);
                return default;
            },
        });

        teller.Tell(1);
        try
        {
            await toldRan.Task.OrTimeout();
        }
        finally
        {
            blocker.Set();
        }

        Assert.That(toldRan.Task.IsCompletedSuccessfully, Is.True);
    }
}
