using Spillway.Actors.Dashboard.Model;
using Spillway.Actors.Dashboard.Tests.TestKit;

namespace Spillway.Actors.Dashboard.Tests.Collection;

public sealed class CollectorTests
{
    [Test]
    public void Latest_BeforeTheFirstTick_IsEmpty()
    {
        using var fixture = new CollectorFixture();

        Assert.That(fixture.Collector.Latest.ActorTypes, Is.Empty);
        Assert.That(fixture.Collector.Latest.BusyWorkers, Is.Empty);
    }

    [Test]
    public async Task Tick_MessagesHandledInASecond_ReportsThemPerSecondForTheActorType()
    {
        await using var system = ActorSystem.Create(new ActorSystemOptions { Name = "collector-rate", WorkerCount = 1 });
        using var fixture = new CollectorFixture(null, system);
        fixture.Second();
        var tally = new Tally(50);
        var actor = system.Spawn(() => new TallyActor(tally), "tally");

        for (var i = 0; i < tally.Expected; i++)
        {
            actor.Tell(i);
        }

        await tally.Done.Task.OrTimeout();
        fixture.Second();

        var type = fixture.Type(nameof(TallyActor));
        Assert.That(type.ProcessedPerSecond[^1], Is.EqualTo(50));
        Assert.That(type.SentPerSecond[^1], Is.EqualTo(50));
        Assert.That(type.Processed, Is.EqualTo(50));
        Assert.That(type.LiveActors, Is.EqualTo(1));
        Assert.That(fixture.Collector.Latest.BusyWorkers, Has.Count.EqualTo(2));
    }

    [Test]
    public void Tick_MoreSecondsThanTheHistory_KeepsOnlyTheHistoryAndDatesEachEvent()
    {
        using var meter = new TestMeter("RingType");
        using var fixture = new CollectorFixture(new SpillwayDashboardOptions { HistorySeconds = 60 });
        meter.Restart();
        for (var second = 1; second <= 75; second++)
        {
            if (second == 73)
            {
                meter.Restart();
            }

            fixture.Second();
        }

        var type = fixture.Type("RingType");
        Assert.That(type.ProcessedPerSecond, Has.Count.EqualTo(60));
        Assert.That(fixture.Collector.Latest.ReadyMailboxes, Has.Count.EqualTo(60));
        Assert.That(type.Restarts, Is.EqualTo(2));
        Assert.That(type.Events.Select(e => (e.SecondsAgo, e.Kind, e.Count)), Is.EqualTo(new[] { (2, DashboardEvent.RestartKind, 1L) }));
    }

    [Test]
    public void Tick_LaneDepthsInTheWindow_ReportsPercentilesUntilTheWindowPasses()
    {
        using var meter = new TestMeter("DepthType");
        using var fixture = new CollectorFixture(new SpillwayDashboardOptions { WindowSeconds = 5 });
        for (var depth = 1; depth <= 100; depth++)
        {
            meter.LaneDepth(depth);
        }

        fixture.Second();
        var depths = fixture.Type("DepthType").LaneDepth;
        Assert.That(depths.Samples, Is.EqualTo(100));
        Assert.That(depths.P50, Is.EqualTo(50).Within(25).Percent);
        Assert.That(depths.P99, Is.InRange(75, 100));
        Assert.That(depths.Max, Is.EqualTo(100));

        for (var second = 0; second < 5; second++)
        {
            fixture.Second();
        }

        Assert.That(fixture.Type("DepthType").LaneDepth.Samples, Is.Zero);
    }

    [Test]
    public void Tick_HandlerTimes_ReportsThemInSeconds()
    {
        using var meter = new TestMeter("TimedType");
        using var fixture = new CollectorFixture();
        for (var i = 0; i < 10; i++)
        {
            meter.HandlerSeconds(0.002);
        }

        fixture.Second();

        var times = fixture.Type("TimedType").HandlerSeconds;
        Assert.That(times.P50, Is.EqualTo(0.002).Within(25).Percent);
        Assert.That(times.Max, Is.EqualTo(0.002).Within(1e-9));
    }

    [Test]
    public void Tick_DeadLettersByReason_ReportsAnEventPerReason()
    {
        using var meter = new TestMeter("LetterType");
        using var fixture = new CollectorFixture();
        meter.DeadLetter("mailbox_full");
        meter.DeadLetter("mailbox_full");
        meter.DeadLetter("some_future_reason");

        fixture.Second();

        var type = fixture.Type("LetterType");
        Assert.That(type.DeadLetters, Is.EqualTo(3));
        Assert.That(type.Events.Select(e => (e.Kind, e.Count)), Is.EquivalentTo(new[] { ("mailbox_full", 2L), ("unknown", 1L) }));
    }

    [Test]
    public async Task Tick_TellToAStoppedActor_ReportsAnActorStoppedEvent()
    {
        await using var system = ActorSystem.Create(new ActorSystemOptions { Name = "collector-dead", WorkerCount = 1 });
        using var fixture = new CollectorFixture(null, system);
        var actor = system.Spawn(() => new StoppedActor(), "gone");
        await system.StopAsync(actor).OrTimeout();

        actor.Tell(1);
        fixture.Second();

        Assert.That(fixture.Type(nameof(StoppedActor)).Events.Select(e => e.Kind), Is.EqualTo(new[] { "actor_stopped" }));
    }

    [Test]
    public async Task Tick_TwoActorsOfOneType_RanksTheBusierFirstByName()
    {
        await using var system = ActorSystem.Create(new ActorSystemOptions { Name = "collector-busiest", WorkerCount = 1 });
        var tally = new Tally(33);
        var busy = system.Spawn(() => new TallyActor(tally), "busy");
        var calm = system.Spawn(() => new TallyActor(tally), "calm");
        system.Spawn(() => new TallyActor(tally), "idle");
        using var fixture = new CollectorFixture(null, system);
        fixture.Second();

        for (var i = 0; i < 30; i++)
        {
            busy.Tell(i);
        }

        for (var i = 0; i < 3; i++)
        {
            calm.Tell(i);
        }

        await tally.Done.Task.OrTimeout();
        var busiest = fixture.Second().BusiestActors;

        Assert.That(busiest.Select(a => (a.Path, a.ProcessedPerSecond)), Is.EqualTo(new[]
        {
            ("spillway://collector-busiest/busy", 30.0),
            ("spillway://collector-busiest/calm", 3.0),
        }));
        Assert.That(busiest[0].ActorType, Is.EqualTo(nameof(TallyActor)));
    }

    private sealed class StoppedActor : Actor<int>
    {
        protected override ValueTask ReceiveAsync(int message) => default;
    }
}
