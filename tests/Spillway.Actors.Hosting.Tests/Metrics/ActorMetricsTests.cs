using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Spillway.Actors.Hosting.Tests.TestKit;

namespace Spillway.Actors.Hosting.Tests.Metrics;

/// <summary>
/// The actor instruments: live actors by type (observed from the live actors when a collector asks), restarts by
/// supervision, and dead letters by type and reason. Every measurement also names the system.
/// </summary>
public sealed class ActorMetricsTests
{
    private static readonly KeyValuePair<string, object?> s_counterType = new(SpillwayMetrics.ActorTypeAttribute, nameof(CounterActor));
    private static readonly KeyValuePair<string, object?> s_system = new(SpillwayMetrics.SystemAttribute, "metered");

    [Test]
    public async Task ActorCount_SpawnThreeOfTwoTypesStopOne_LiveCountPerType()
    {
        await using var metered = new MeteredSystem();
        using var actors = metered.Collect<long>(SpillwayMetrics.ActorCount);
        var first = metered.System.Spawn<CounterActor, Ping>("first");
        metered.System.Spawn<CounterActor, Ping>("second");
        metered.System.Spawn(() => new DelegateActor<string>(), "other");

        await metered.System.StopAsync(first).OrTimeout();

        Assert.That(actors.Observe(), Is.EqualTo(2));
        var snapshot = actors.GetMeasurementSnapshot();
        Assert.That(actors.Instrument!.Unit, Is.EqualTo("{actor}"));
        Assert.That(snapshot.ContainsTags(s_counterType).Single().Value, Is.EqualTo(1));
        Assert.That(snapshot.ContainsTags(new KeyValuePair<string, object?>(SpillwayMetrics.ActorTypeAttribute, "DelegateActor`1")).Single().Value, Is.EqualTo(1));
        Assert.That(snapshot, Has.All.Matches<CollectedMeasurement<long>>(m => m.ContainsTags(s_system)));
        Assert.That(metered.System.ActorCount, Is.EqualTo(2));
    }

    [Test]
    public async Task ActorCount_ListenerAttachedAfterActorsStarted_SeesEveryLiveActor()
    {
        await using var metered = new MeteredSystem();
        var started = Enumerable.Range(0, 3).Select(i => metered.System.Spawn<CounterActor, Ping>("counter" + i)).ToList();
        foreach (var actor in started)
        {
            await actor.SyncAsync();
        }

        // Attached only now, as dotnet-counters attaches to a running app: no spawn happens while it listens.
        using var actors = metered.Collect<long>(SpillwayMetrics.ActorCount);
        var whileLive = actors.Observe();
        await metered.System.StopAsync(started[0]).OrTimeout();

        Assert.That(whileLive, Is.EqualTo(3));
        Assert.That(actors.Observe(), Is.EqualTo(2), "a stop seen by the late listener takes the actor off, never below the truth");
        Assert.That(actors.LastMeasurement!.MatchesTags(s_counterType, s_system), Is.True);
    }

    [Test]
    public async Task Restarts_HandlerThrowsUnderRestartStrategy_CountsOneRestartOfThatType()
    {
        await using var metered = new MeteredSystem();
        using var restarts = metered.Collect<long>(SpillwayMetrics.Restarts);
        var actor = metered.System.Spawn<CounterActor, Ping>("counter", new SpawnOptions { Supervision = SupervisionStrategy.Restart() });

        actor.Tell(new Ping(Fail: true));
        var countOfNewInstance = await actor.SyncAsync();

        Assert.That(countOfNewInstance, Is.EqualTo(1));
        Assert.That(restarts.Instrument!.Unit, Is.EqualTo("{restart}"));
        Assert.That(restarts.GetMeasurementSnapshot(), Has.Count.EqualTo(1));
        Assert.That(restarts.LastMeasurement!.Value, Is.EqualTo(1));
        Assert.That(restarts.LastMeasurement.MatchesTags(s_counterType, s_system), Is.True);
    }

    [Test]
    public async Task DeadLetters_TellToStoppedActor_CountedWithTypeAndReasonActorStopped()
    {
        await using var metered = new MeteredSystem();
        using var deadLetters = metered.Collect<long>(SpillwayMetrics.DeadLetters);
        var actor = metered.System.Spawn<CounterActor, Ping>("counter");
        await metered.System.StopAsync(actor).OrTimeout();

        actor.TellMany(3);

        var reason = new KeyValuePair<string, object?>(SpillwayMetrics.DeadLetterReasonAttribute, "actor_stopped");
        Assert.That(deadLetters.Instrument!.Unit, Is.EqualTo("{message}"));
        Assert.That(deadLetters.Sum(), Is.EqualTo(3));
        Assert.That(deadLetters.GetMeasurementSnapshot().MatchesTags(s_counterType, reason, s_system).Count(), Is.EqualTo(3));
        Assert.That(metered.System.DeadLetterCount, Is.EqualTo(3));
    }

    [Test]
    public async Task DeadLetters_MailboxFull_CountedWithReasonMailboxFull()
    {
        await using var metered = new MeteredSystem();
        using var deadLetters = metered.Collect<long>(SpillwayMetrics.DeadLetters);
        var actor = metered.System.Spawn<CounterActor, Ping>("counter", new SpawnOptions { MailboxCapacity = 1 });
        var entered = Wait.Signal();
        var gate = Wait.Signal();
        actor.Tell(new Ping(Entered: entered, Gate: gate.Task));
        await entered.Task.OrTimeout();

        // The capacity is a soft bound: at least the tells beyond a few are refused while the handler holds the mailbox.
        actor.TellMany(50);
        gate.SetResult();

        var reason = new KeyValuePair<string, object?>(SpillwayMetrics.DeadLetterReasonAttribute, "mailbox_full");
        Assert.That(deadLetters.Sum(), Is.GreaterThan(0));
        Assert.That(deadLetters.GetMeasurementSnapshot().MatchesTags(s_counterType, reason, s_system).Sum(m => m.Value), Is.EqualTo(metered.System.DeadLetterCount));
    }
}
