namespace Spillway.Actors.TestKit.Tests;

public class DeterministicModeTests
{
    [Test]
    public async Task RunUntilIdle_TellsQueued_NothingRunsUntilCalled()
    {
        await using var kit = new ActorTestKit(new ActorTestKitOptions { Mode = TestKitMode.Deterministic });
        Worker? instance = null;
        var worker = kit.System.Spawn(() => instance = new Worker());

        worker.Tell(new Msg.Add(2));
        worker.Tell(new Msg.Add(3));
        var totalBefore = instance!.Total;
        var ran = kit.RunUntilIdle();

        Assert.That(totalBefore, Is.Zero, "a turn ran before the test stepped");
        Assert.That(instance.Total, Is.EqualTo(5));
        Assert.That(ran, Is.GreaterThan(0));
        Assert.That(kit.RunUntilIdle(), Is.Zero, "idle: nothing left to run");
    }

    [Test]
    public async Task RunUntilIdle_RunsOnTheCallingThread()
    {
        await using var kit = new ActorTestKit(new ActorTestKitOptions { Mode = TestKitMode.Deterministic });
        var threads = new List<int>();
        var actor = kit.System.Spawn(() => new Recorder(threads));

        actor.Tell(1);
        actor.Tell(2);
        kit.RunUntilIdle();

        Assert.That(threads, Is.EqualTo(new[] { Environment.CurrentManagedThreadId, Environment.CurrentManagedThreadId }));
    }

    [Test]
    public async Task RunUntilIdle_HandlerAwaits_ContinuationRunsInTheSameStep()
    {
        await using var kit = new ActorTestKit(new ActorTestKitOptions { Mode = TestKitMode.Deterministic });
        var probe = kit.CreateProbe<Msg>();
        var worker = kit.System.Spawn(() => new Worker());

        worker.Tell(new Msg.YieldThenEcho("after yield", probe.Ref));
        kit.RunUntilIdle();

        Assert.That(probe.PendingCount, Is.EqualTo(1));
        Assert.That(await probe.ExpectMessageAsync(), Is.EqualTo(new Msg.Text("after yield")));
    }

    [Test]
    public async Task RunUntilIdle_ActorsTellEachOtherForever_ThrowsInsteadOfHanging()
    {
        await using var kit = new ActorTestKit(new ActorTestKitOptions { Mode = TestKitMode.Deterministic });
        var ping = kit.System.Spawn(() => new Worker());
        var pong = kit.System.Spawn(() => new Worker());

        ping.Tell(new Msg.Forever(pong));

        var error = Assert.Throws<InvalidOperationException>(() => kit.RunUntilIdle());
        Assert.That(error!.Message, Does.Contain("did not go idle"));

        // End the loop, or the kit's shutdown would wait for a quiet that never comes.
        var stopped = kit.System.StopAsync(ping);
        kit.RunUntilIdle();
        Assert.That(stopped.IsCompleted, Is.True);
    }

    [Test]
    public async Task RunUntilIdle_NotDeterministic_Throws()
    {
        await using var kit = new ActorTestKit();

        Assert.Throws<InvalidOperationException>(() => kit.RunUntilIdle());
    }

    [Test]
    public async Task DisposeAsync_MessagesStillQueued_ShutsDown()
    {
        var kit = new ActorTestKit(new ActorTestKitOptions { Mode = TestKitMode.Deterministic });
        var worker = kit.System.Spawn(() => new Worker());
        worker.Tell(new Msg.Add(1));

        await kit.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));

        Assert.That(worker.IsStopped, Is.True);
    }

    private sealed class Recorder(List<int> threads) : Actor<int>
    {
        protected override ValueTask ReceiveAsync(int message)
        {
            threads.Add(Environment.CurrentManagedThreadId);
            return default;
        }
    }
}
