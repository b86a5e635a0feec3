using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Time.Testing;
using Spillway.Actors.Hosting.Tests.TestKit;

namespace Spillway.Actors.Hosting.Tests.Metrics;

/// <summary>
/// The mailbox instruments follow the messages: <c>sent</c> and <c>processed</c> are observed counters that report every
/// message so far, per actor type, stopped actors included (sent as a message is queued, processed as a handler gets
/// the message); <c>queued</c> is observed as what waits in the mailboxes right now; the lane-depth histogram gets the
/// first lane an actor takes, one in 16 after (every one when a test asks) and the first of each second; and the
/// duration histogram one record per sampled message while a listener wants it. Every measurement carries the actor's
/// type and the system's name.
/// </summary>
public sealed class MailboxMetricsTests
{
    private static readonly KeyValuePair<string, object?> s_counterType = new(SpillwayMetrics.ActorTypeAttribute, nameof(CounterActor));
    private static readonly KeyValuePair<string, object?> s_system = new(SpillwayMetrics.SystemAttribute, "metered");

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

        // A message counts as sent when it is queued and as processed just before its handler runs, so once the reply is
        // here every message is in both totals: no wait needed.
        Assert.That(handled, Is.EqualTo(Told + 1));
        Assert.That(sent.Observe(), Is.EqualTo(Told + 1));
        Assert.That(processed.Observe(), Is.EqualTo(Told + 1));
        Assert.That(queued.Observe(), Is.Zero);

        // One measurement per actor type and collection, tagged with the type.
        foreach (var collector in new[] { sent, processed, queued })
        {
            Assert.That(collector.Instrument!.Unit, Is.EqualTo("{message}"), collector.Instrument.Name);
            Assert.That(collector.GetMeasurementSnapshot(), Has.Count.EqualTo(1), collector.Instrument.Name);
            Assert.That(collector.GetMeasurementSnapshot(), Has.All.Matches<CollectedMeasurement<long>>(m => m.MatchesTags(s_counterType, s_system)), collector.Instrument.Name);
        }
    }

    [Test]
    public async Task LaneDepthAndProcessed_BacklogBehindAGateSamplingEveryTake_OneDepthRecordPerLaneTaken()
    {
        const int Backlog = 200;
        await using var metered = new MeteredSystem(options => options.LaneDepthSampleInterval = 1);
        using var processed = metered.Collect<long>(SpillwayMetrics.ProcessedMessages);
        using var queued = metered.Collect<long>(SpillwayMetrics.QueuedMessages);
        using var laneDepth = metered.Collect<int>(SpillwayMetrics.LaneDepth);
        // The first ping is taken alone and holds the mailbox; the backlog piles up in the lane behind it.
        var (actor, gate) = await SpawnHeldCounterAsync(metered);
        actor.TellMany(Backlog);

        // The backlog waits in the lane behind the gated message (TellMany has appended it all).
        Assert.That(queued.Observe(), Is.EqualTo(Backlog));
        gate.SetResult();

        // Nothing signals the last message's handler: poll the observed total until every message has been handed over.
        await processed.WaitForObservedAsync(Backlog + 1);
        Assert.That(queued.Observe(), Is.Zero);

        // One record per lane taken: the gate ping alone, then the whole backlog in one take.
        Assert.That(laneDepth.GetMeasurementSnapshot().Select(m => m.Value).ToArray(), Is.EqualTo(new[] { 1, Backlog }));
        Assert.That(laneDepth.Sum(), Is.EqualTo(processed.Observe()));
        Assert.That(laneDepth.Instrument!.Unit, Is.EqualTo("{message}"));
        Assert.That(laneDepth.GetMeasurementSnapshot().ContainsTags(s_counterType).Count(), Is.EqualTo(2));
    }

    [Test]
    public async Task Sent_BacklogQueuedBehindAGatedHandler_CountedBeforeTheActorTakesIt()
    {
        const int Backlog = 728;
        await using var metered = new MeteredSystem();
        using var sent = metered.Collect<long>(SpillwayMetrics.SentMessages);
        using var processed = metered.Collect<long>(SpillwayMetrics.ProcessedMessages);
        using var queued = metered.Collect<long>(SpillwayMetrics.QueuedMessages);
        var (actor, gate) = await SpawnHeldCounterAsync(metered);

        // The handler holds the mailbox: the backlog waits in the lane, never taken, and still counts as sent.
        actor.TellMany(Backlog);
        var sentWhileGated = sent.Observe();
        var processedWhileGated = processed.Observe();
        var queuedWhileGated = queued.Observe();
        gate.SetResult();
        await actor.SyncAsync();

        Assert.That(sentWhileGated, Is.EqualTo(1 + Backlog));
        Assert.That(processedWhileGated, Is.EqualTo(1));
        Assert.That(queuedWhileGated, Is.EqualTo(Backlog));
        Assert.That(sent.Observe(), Is.EqualTo(Backlog + 2), "each message counted once, the taken backlog not again");
    }

    [Test]
    public async Task LaneDepth_SlowConsumerTakesOneLaneInANewSecond_ThatTakeIsRecorded()
    {
        var time = new FakeTimeProvider();
        await using var metered = new MeteredSystem(options => options.TimeProvider = time);
        using var laneDepth = metered.Collect<int>(SpillwayMetrics.LaneDepth);
        var actor = metered.System.Spawn<CounterActor, Ping>("counter");

        // Takes 1 (always recorded) and 2 (not: one in 16, same second).
        await actor.SyncAsync();
        await actor.SyncAsync();
        var beforeTheSecondPassed = laneDepth.GetMeasurementSnapshot().Count;

        // A second passes on the system's clock: the next take is recorded, whatever the count says; the one after is not.
        time.Advance(TimeSpan.FromSeconds(1));
        await actor.SyncAsync();
        await actor.SyncAsync();

        Assert.That(beforeTheSecondPassed, Is.EqualTo(1));
        Assert.That(laneDepth.GetMeasurementSnapshot().Select(m => m.Value).ToArray(), Is.EqualTo(new[] { 1, 1 }));
        Assert.That(laneDepth.GetMeasurementSnapshot(), Has.All.Matches<CollectedMeasurement<int>>(m => m.MatchesTags(s_counterType, s_system)));
    }

    [Test]
    public async Task LaneDepth_DefaultSampling_FirstLaneTakenThenOneInSixteen()
    {
        const int Asks = 40;

        // A clock that stands still: no second passes, so only the count picks the samples.
        await using var metered = new MeteredSystem(options => options.TimeProvider = new FakeTimeProvider());
        using var laneDepth = metered.Collect<int>(SpillwayMetrics.LaneDepth);
        using var sent = metered.Collect<long>(SpillwayMetrics.SentMessages);
        var actor = metered.System.Spawn<CounterActor, Ping>("counter");

        // One ask at a time: each finds the lane holding just its message, so the actor takes exactly one lane per ask.
        for (var i = 0; i < Asks; i++)
        {
            await actor.SyncAsync();
        }

        // Takes 1, 17 and 33 are recorded; every take still counts its messages as sent.
        Assert.That(ActorMetrics.LaneDepthSampleInterval, Is.EqualTo(16));
        Assert.That(laneDepth.GetMeasurementSnapshot().Select(m => m.Value).ToArray(), Is.EqualTo(new[] { 1, 1, 1 }));
        Assert.That(laneDepth.GetMeasurementSnapshot().ContainsTags(s_counterType).Count(), Is.EqualTo(3));
        Assert.That(sent.Observe(), Is.EqualTo(Asks));
    }

    [Test]
    public async Task SentAndProcessed_ActorStopsThenAnotherOfItsTypeRuns_TotalsNeverGoDown()
    {
        await using var metered = new MeteredSystem();
        using var sent = metered.Collect<long>(SpillwayMetrics.SentMessages);
        using var processed = metered.Collect<long>(SpillwayMetrics.ProcessedMessages);
        var first = metered.System.Spawn<CounterActor, Ping>("first");
        first.TellMany(10);
        await first.SyncAsync();
        var whileLive = (Sent: sent.Observe(), Processed: processed.Observe());

        await metered.System.StopAsync(first).OrTimeout();
        var afterStop = (Sent: sent.Observe(), Processed: processed.Observe());
        var afterStopTags = sent.GetMeasurementSnapshot();
        var second = metered.System.Spawn<CounterActor, Ping>("second");
        second.TellMany(5);
        await second.SyncAsync();

        Assert.That(whileLive, Is.EqualTo((11L, 11L)));
        Assert.That(afterStop, Is.EqualTo((11L, 11L)), "the stopped actor's messages still count");
        Assert.That(afterStopTags, Has.Count.EqualTo(1).And.All.Matches<CollectedMeasurement<long>>(m => m.MatchesTags(s_counterType, s_system)));
        Assert.That(sent.Observe(), Is.EqualTo(17));
        Assert.That(processed.Observe(), Is.EqualTo(17));
    }

    [Test]
    public async Task Processed_ActorsStoppingWhileCollectedConcurrently_NeverGoesDownAndEndsAtTheTotal()
    {
        const int Actors = 200;
        const int Told = 20;
        await using var metered = new MeteredSystem();
        using var processed = metered.Collect<long>(SpillwayMetrics.ProcessedMessages);
        using var done = new CancellationTokenSource();

        // Collects in a loop on another thread while actors retire: a retirement must never be seen half done (an
        // actor counted both live and retired, or neither).
        var collecting = Task.Run(() =>
        {
            var seen = new List<long>();
            while (!done.IsCancellationRequested)
            {
                seen.Add(processed.Observe());
            }

            return seen;
        });
        for (var i = 0; i < Actors; i++)
        {
            var actor = metered.System.Spawn<CounterActor, Ping>();
            actor.TellMany(Told);
            await actor.SyncAsync();
            await metered.System.StopAsync(actor).OrTimeout();
        }

        await done.CancelAsync();
        var observed = await collecting.OrTimeout();

        Assert.That(observed, Is.Ordered.Ascending, "an observed counter never goes down");
        Assert.That(observed, Is.Not.Empty);
        Assert.That(processed.Observe(), Is.EqualTo(Actors * (Told + 1)));
    }

    [Test]
    public async Task SentAndProcessed_ManyActorsOfTwoTypes_OneMeasurementPerTypeSummingItsActors()
    {
        const int Counters = 20;
        const int Told = 5;
        await using var metered = new MeteredSystem();
        using var sent = metered.Collect<long>(SpillwayMetrics.SentMessages);
        using var processed = metered.Collect<long>(SpillwayMetrics.ProcessedMessages);
        var counters = Enumerable.Range(0, Counters).Select(i => metered.System.Spawn<CounterActor, Ping>("counter" + i)).ToList();
        var other = metered.System.Spawn(() => new DelegateActor<string>(), "other");
        foreach (var counter in counters)
        {
            counter.TellMany(Told);
        }

        other.Tell("one");
        other.Tell("two");
        foreach (var counter in counters)
        {
            await counter.SyncAsync();
        }

        // The other type's two messages have no reply to wait on; half the counters stop (their totals stay).
        await processed.WaitForObservedAsync((Counters * (Told + 1)) + 2);
        foreach (var counter in counters.Take(Counters / 2))
        {
            await metered.System.StopAsync(counter).OrTimeout();
        }

        var otherType = new KeyValuePair<string, object?>(SpillwayMetrics.ActorTypeAttribute, "DelegateActor`1");
        foreach (var collector in new[] { sent, processed })
        {
            collector.Observe();
            var snapshot = collector.GetMeasurementSnapshot();
            Assert.That(snapshot, Has.Count.EqualTo(2), collector.Instrument!.Name);
            Assert.That(snapshot.ContainsTags(s_counterType).Single().Value, Is.EqualTo(Counters * (Told + 1)), collector.Instrument.Name);
            Assert.That(snapshot.ContainsTags(otherType).Single().Value, Is.EqualTo(2), collector.Instrument.Name);
        }
    }

    [Test]
    public async Task Queued_ActorStoppedWithBacklog_DroppedMessagesLeaveTheQueuedCount()
    {
        const int Backlog = 10;
        await using var metered = new MeteredSystem();
        using var queued = metered.Collect<long>(SpillwayMetrics.QueuedMessages);
        using var processed = metered.Collect<long>(SpillwayMetrics.ProcessedMessages);
        using var sent = metered.Collect<long>(SpillwayMetrics.SentMessages);
        using var deadLetters = metered.Collect<long>(SpillwayMetrics.DeadLetters);
        var (actor, gate) = await SpawnHeldCounterAsync(metered);
        actor.TellMany(Backlog);

        // Stop after the gated message: the backlog becomes dead letters, and is no longer counted as waiting.
        var stopped = metered.System.StopAsync(actor);
        gate.SetResult();
        await stopped.OrTimeout();

        // The stopped actor's totals live on: the gated message was handled, and the dropped backlog was sent.
        Assert.That(processed.Observe(), Is.EqualTo(1));
        Assert.That(sent.Observe(), Is.EqualTo(1 + Backlog));
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

    /// <summary>Spawns a counter and holds its mailbox with a gated ping (its handler has entered); open the gate to go on.</summary>
    private static async Task<(ActorRef<Ping> Actor, TaskCompletionSource Gate)> SpawnHeldCounterAsync(MeteredSystem metered)
    {
        var actor = metered.System.Spawn<CounterActor, Ping>("counter");
        var entered = Wait.Signal();
        var gate = Wait.Signal();
        actor.Tell(new Ping(Entered: entered, Gate: gate.Task));
        await entered.Task.OrTimeout();
        return (actor, gate);
    }
}
