using Spillway.Actors.Hosting.Tests.TestKit;

namespace Spillway.Actors.Hosting.Tests.Metrics;

/// <summary>
/// The two scheduler gauges: workers running a turn, and mailboxes waiting for a worker. Each has one callback for the
/// whole system, tagged with the system's name (not an actor type: the gauges are per system by design).
/// </summary>
public sealed class SchedulerMetricsTests
{
    [Test]
    public async Task BusyWorkersAndReadyMailboxes_OnlyWorkerBlockedAndAnotherActorWaiting_ReportOneEach()
    {
        await using var metered = new MeteredSystem(options => options.WorkerCount = 1);
        using var busy = metered.Collect<int>(SpillwayMetrics.BusyWorkers);
        using var ready = metered.Collect<int>(SpillwayMetrics.ReadyMailboxes);
        var blocker = metered.System.Spawn<CounterActor, Ping>("blocker");
        using var block = new ManualResetEventSlim();
        var entered = Wait.Signal();
        blocker.Tell(new Ping(Entered: entered, Block: block));
        await entered.Task.OrTimeout();

        // The only worker is blocked: the waiting actor's first turn sits in the ready queue.
        var waiting = metered.System.Spawn<CounterActor, Ping>("waiting");
        busy.RecordObservableInstruments();
        ready.RecordObservableInstruments();
        var busyWhileBlocked = busy.LastMeasurement!;
        var readyWhileBlocked = ready.LastMeasurement!;
        block.Set();
        await waiting.SyncAsync();
        await metered.System.ShutdownAsync().OrTimeout();
        busy.RecordObservableInstruments();
        ready.RecordObservableInstruments();

        var systemTag = new KeyValuePair<string, object?>(SpillwayMetrics.SystemAttribute, "metered");
        Assert.That(busyWhileBlocked.Value, Is.EqualTo(1));
        Assert.That(readyWhileBlocked.Value, Is.EqualTo(1));
        Assert.That(busyWhileBlocked.MatchesTags(systemTag), Is.True);
        Assert.That(readyWhileBlocked.MatchesTags(systemTag), Is.True);
        Assert.That(busy.LastMeasurement!.Value, Is.Zero, "no worker runs after shutdown");
        Assert.That(ready.LastMeasurement!.Value, Is.Zero, "nothing waits after shutdown");
        Assert.That(busy.Instrument!.Unit, Is.EqualTo("{worker}"));
        Assert.That(ready.Instrument!.Unit, Is.EqualTo("{mailbox}"));
    }
}
