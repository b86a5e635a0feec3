using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Spillway.Actors.Hosting.Tests.TestKit;

namespace Spillway.Actors.Hosting.Tests.Metrics;

/// <summary>
/// The mailbox instruments follow the messages: <c>sent</c> and <c>processed</c> count every message (in bulk: sent when
/// the mailbox takes a lane, processed once per turn), <c>queued</c> is observed as what waits in the mailbox right now,
/// the lane-depth histogram gets one record per lane taken
/// (adding up to the processed count), processed is recorded once per turn, and the duration histogram one record per
/// message while a listener wants it. Every measurement carries the actor's type.
/// </summary>
public sealed class MailboxMetricsTests
{
    private static readonly KeyValuePair<string, object?> s_counterType = new(SpillwayMetrics.ActorTypeAttribute, nameof(CounterActor));

    [Test]
    public async Task SentProcessedQueued_TellManyThenAsk_CountEveryMessageAndQueuedReturnsToZero()
    {
        const int Told = 500;
        await using var metered = new MeteredSystem();
        using var sent = metered.Collect<long>(SpillwayMetrics.SentMessages);
        using var processed = metered.Collect<long>(SpillwayMetrics.ProcessedMessages);
        using var queued = metered.Collect<long>(SpillwayMetrics.QueuedMessages);
        var actor = metered.System.Spawn<CounterActor, Ping>("counter");

        actor.TellMany(Told);
        var handled = await actor.SyncAsync();

        // Processed is recorded when the turn ends, just after the reply: wait for it, not for time.
        await processed.WaitForSumAsync(Told + 1);
        Assert.That(handled, Is.EqualTo(Told + 1));
        Assert.That(sent.Sum(), Is.EqualTo(Told + 1));
        Assert.That(queued.Observe(), Is.Zero);

        // Sent is recorded per lane taken, never per tell: far fewer records than messages.
        Assert.That(sent.GetMeasurementSnapshot().Count, Is.LessThan(Told + 1));
        foreach (var collector in new[] { sent, processed, queued })
        {
            Assert.That(collector.Instrument!.Unit, Is.EqualTo("{message}"), collector.Instrument.Name);
            Assert.That(collector.GetMeasurementSnapshot(), Has.All.Matches<CollectedMeasurement<long>>(m => m.MatchesTags(s_counterType)), collector.Instrument.Name);
        }
    }

    [Test]
    public async Task LaneDepthAndProcessed_BacklogBehindAGate_OneDepthRecordPerLaneTakenAndOneProcessedRecordPerTurn()
    {
        const int Backlog = 200;
        const int TurnSize = 64;
        await using var metered = new MeteredSystem(options => options.TurnSize = TurnSize);
        using var processed = metered.Collect<long>(SpillwayMetrics.ProcessedMessages);
        using var queued = metered.Collect<long>(SpillwayMetrics.QueuedMessages);
        using var laneDepth = metered.Collect<int>(SpillwayMetrics.LaneDepth);
        var actor = metered.System.Spawn<CounterActor, Ping>("counter");
        var entered = Wait.Signal();
        var gate = Wait.Signal();

        // The first ping is taken alone and holds the mailbox; the backlog piles up in the lane behind it.
        actor.Tell(new Ping(Entered: entered, Gate: gate.Task));
        await entered.Task.OrTimeout();
        actor.TellMany(Backlog);

        // The backlog waits in the lane behind the gated message (TellMany has appended it all).
        Assert.That(queued.Observe(), Is.EqualTo(Backlog));
        gate.SetResult();

        // Each turn records processed once it ends: once the sum is complete every turn has recorded.
        await processed.WaitForSumAsync(Backlog + 1);
        Assert.That(queued.Observe(), Is.Zero);

        Assert.That(processed.Sum(), Is.EqualTo(Backlog + 1));

        // One record per lane taken: the gate ping alone, then the whole backlog in one take.
        Assert.That(laneDepth.GetMeasurementSnapshot().Select(m => m.Value).ToArray(), Is.EqualTo(new[] { 1, Backlog }));
        Assert.That(laneDepth.Sum(), Is.EqualTo(processed.Sum()));
        Assert.That(laneDepth.Instrument!.Unit, Is.EqualTo("{message}"));
        Assert.That(laneDepth.GetMeasurementSnapshot().ContainsTags(s_counterType).Count(), Is.EqualTo(2));

        // One processed record per turn, never per message: the gated turn, then turns of at most TurnSize. A turn
        // records after it has queued the next one, which may record first on the other worker: compare as a multiset.
        Assert.That(processed.GetMeasurementSnapshot().Select(m => m.Value).ToArray(), Is.EquivalentTo(new long[] { 1, 64, 64, 64, 8 }));
    }

    [Test]
    public async Task Queued_ActorStoppedWithBacklog_DroppedMessagesLeaveTheQueuedCount()
    {
        const int Backlog = 10;
        await using var metered = new MeteredSystem();
        using var queued = metered.Collect<long>(SpillwayMetrics.QueuedMessages);
        using var processed = metered.Collect<long>(SpillwayMetrics.ProcessedMessages);
        using var deadLetters = metered.Collect<long>(SpillwayMetrics.DeadLetters);
        var actor = metered.System.Spawn<CounterActor, Ping>("counter");
        var entered = Wait.Signal();
        var gate = Wait.Signal();
        actor.Tell(new Ping(Entered: entered, Gate: gate.Task));
        await entered.Task.OrTimeout();
        actor.TellMany(Backlog);

        // Stop after the gated message: the backlog becomes dead letters, and is no longer counted as waiting.
        var stopped = metered.System.StopAsync(actor);
        gate.SetResult();
        await stopped.OrTimeout();
        await processed.WaitForSumAsync(1);

        Assert.That(processed.Sum(), Is.EqualTo(1));
        Assert.That(deadLetters.Sum(), Is.EqualTo(Backlog));
        Assert.That(queued.Observe(), Is.Zero);
    }

    [Test]
    public async Task ProcessDuration_ListenerEnabled_OneRecordInSecondsPerSampledMessage()
    {
        const int Told = 640;
        await using var metered = new MeteredSystem();
        using var duration = metered.Collect<double>(SpillwayMetrics.ProcessDuration);
        var actor = metered.System.Spawn<CounterActor, Ping>("counter");
        var gate = Wait.Signal();

        // One handler completes asynchronously: its duration is recorded when it resumes.
        actor.Tell(new Ping(Gate: gate.Task));
        gate.SetResult();
        actor.TellMany(Told);
        await actor.SyncAsync();
        // One message in 64 is timed (the 64th, 128th, ... this actor handles).
        const int Sampled = (Told + 2) / 64;
        await duration.WaitForMeasurementsAsync(Sampled, Wait.Timeout);

        var measurements = duration.GetMeasurementSnapshot();
        Assert.That(measurements, Has.Count.EqualTo(Sampled));
        Assert.That(measurements.Select(m => m.Value), Is.All.GreaterThanOrEqualTo(0.0));
        Assert.That(measurements.ContainsTags(s_counterType).Count(), Is.EqualTo(Sampled));
        Assert.That(duration.Instrument!.Unit, Is.EqualTo("s"));
    }
}
