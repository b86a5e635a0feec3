using System.Diagnostics.Metrics;
using Spillway.Actors.Hosting.Tests.TestKit;

namespace Spillway.Actors.Hosting.Tests.Metrics;

/// <summary>
/// A metrics consumer whose callback throws on every measurement never breaks message processing, whether the
/// measurement is recorded by the runtime or observed when the consumer collects; nor does one that throws when the
/// system's instruments are published (at its start) or completed (when it disposes its meter at shutdown). On both
/// schedulers.
/// </summary>
public sealed class ThrowingListenerTests
{
    [TestCase(SchedulerKind.DedicatedThreads)]
    [TestCase(SchedulerKind.ThreadPool)]
    public async Task TellAskRestartDeadLetterStop_ListenerThrowsOnEveryMeasurement_AllStillWork(SchedulerKind scheduler)
    {
        await using var metered = new MeteredSystem(options => options.Scheduler = scheduler);
        var attempts = 0;
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (ReferenceEquals(instrument.Meter.Scope, metered.MeterFactory))
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((_, _, _, _) => Throw(ref attempts));
        listener.SetMeasurementEventCallback<int>((_, _, _, _) => Throw(ref attempts));
        listener.SetMeasurementEventCallback<double>((_, _, _, _) => Throw(ref attempts));
        listener.Start();
        var system = metered.System;

        var actor = system.Spawn<CounterActor, Ping>("counter", new SpawnOptions { Supervision = SupervisionStrategy.Restart() });
        actor.TellMany(100);
        var beforeFailure = await actor.SyncAsync();
        actor.Tell(new Ping(Fail: true));
        var afterRestart = await actor.SyncAsync();
        await system.StopAsync(actor).OrTimeout();
        actor.Tell(new Ping());

        Assert.That(beforeFailure, Is.EqualTo(101));
        Assert.That(afterRestart, Is.EqualTo(1), "the restarted instance counts from zero");
        Assert.That(system.DeadLetterCount, Is.EqualTo(1));
        Assert.That(system.ActorCount, Is.Zero);
        // Recorded (not observed) measurements: at least the first lane depth, the restart and the dead letter.
        Assert.That(Volatile.Read(ref attempts), Is.GreaterThanOrEqualTo(3), "the listener was live and threw every time");
    }

    [TestCase(SchedulerKind.DedicatedThreads)]
    [TestCase(SchedulerKind.ThreadPool)]
    public async Task ObservedCounters_ListenerThrowsOnEveryObservationDuringTraffic_ActorsKeepWorkingAndStop(SchedulerKind scheduler)
    {
        const int Told = 2_000;
        await using var metered = new MeteredSystem(options => options.Scheduler = scheduler);
        var observed = 0;
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (ReferenceEquals(instrument.Meter.Scope, metered.MeterFactory) && instrument.Name is SpillwayMetrics.SentMessages or SpillwayMetrics.ProcessedMessages)
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((_, _, _, _) => Throw(ref observed));
        listener.Start();
        var system = metered.System;
        var actor = system.Spawn<CounterActor, Ping>("counter");
        using var done = new CancellationTokenSource();

        // Collect over and over while the actor works: the listener throws out of every collection, which must leave
        // nothing behind (no lock held, no walk half done) that a turn or a stop could trip over.
        var collecting = Task.Run(() =>
        {
            var failures = 0;
            do
            {
                try
                {
                    listener.RecordObservableInstruments();
                }
                catch (AggregateException)
                {
                    failures++;
                }
            }
            while (!done.IsCancellationRequested);

            return failures;
        });
        actor.TellMany(Told);
        var handled = await actor.SyncAsync();
        await system.StopAsync(actor).OrTimeout();
        await done.CancelAsync();
        var failures = await collecting.OrTimeout();

        Assert.That(handled, Is.EqualTo(Told + 1));
        Assert.That(system.ActorCount, Is.Zero);
        Assert.That(failures, Is.GreaterThan(0), "the listener was live and threw");
        Assert.That(() => listener.RecordObservableInstruments(), Throws.TypeOf<AggregateException>(), "the callbacks still run after the stop");
    }

    [TestCase(SchedulerKind.DedicatedThreads)]
    [TestCase(SchedulerKind.ThreadPool)]
    public async Task Create_ListenerThrowsWhenEachInstrumentIsPublished_SystemStartsWorksAndShutsDown(SchedulerKind scheduler)
    {
        var live = false;
        var published = 0;
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                // Only instruments published from now on: this test's system's.
                if (Volatile.Read(ref live) && instrument.Meter.Name == SpillwayMetrics.MeterName)
                {
                    l.EnableMeasurementEvents(instrument);
                    Throw(ref published);
                }
            },
        };
        listener.Start();
        Volatile.Write(ref live, true);

        var system = ActorSystem.Create(new ActorSystemOptions { Name = "publish-faults", Scheduler = scheduler, WorkerCount = 2 });
        Volatile.Write(ref live, false);
        var count = await TellFailAndCountAsync(system);
        await system.ShutdownAsync().OrTimeout();

        Assert.That(count, Is.EqualTo(1), "the restarted instance counts from zero");
        Assert.That(Volatile.Read(ref published), Is.GreaterThanOrEqualTo(10), "every instrument's publication threw");
        Assert.That(system.Metrics.Faults.Count, Is.EqualTo(Volatile.Read(ref published)));
    }

    [TestCase(SchedulerKind.DedicatedThreads)]
    [TestCase(SchedulerKind.ThreadPool)]
    public async Task Shutdown_ListenerThrowsWhenTheMetersInstrumentsComplete_ShutdownCompletes(SchedulerKind scheduler)
    {
        var live = false;
        var throwOnCompleted = false;
        var completed = 0;
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (Volatile.Read(ref live) && instrument.Meter.Name == SpillwayMetrics.MeterName)
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },

            // Only while the system shuts down (its meter's disposal completes the instruments): disposing the listener
            // at the end of the test completes any instrument still enabled too.
            MeasurementsCompleted = (_, _) =>
            {
                if (Volatile.Read(ref throwOnCompleted))
                {
                    Throw(ref completed);
                }
            },
        };
        listener.Start();
        Volatile.Write(ref live, true);
        var system = ActorSystem.Create(new ActorSystemOptions { Name = "complete-faults", Scheduler = scheduler, WorkerCount = 2 });
        Volatile.Write(ref live, false);
        var count = await TellFailAndCountAsync(system);

        Volatile.Write(ref throwOnCompleted, true);
        var shutdown = system.ShutdownAsync();
        // Awaited, not Assert.That(async ...): this code resumed after an ask on an actor worker (see docs/pitfalls.md), and
        // blocking that worker until the shutdown completes makes the shutdown wait out its worker-exit bound.
        await Assert.ThatAsync(async () => await shutdown.OrTimeout(), Throws.Nothing);
        Volatile.Write(ref throwOnCompleted, false);

        Assert.That(count, Is.EqualTo(1), "the restarted instance counts from zero");
        Assert.That(Volatile.Read(ref completed), Is.GreaterThan(0), "the listener was completed and threw");
        Assert.That(system.ActorCount, Is.Zero);
    }

    /// <summary>Tells a counter two pings, then one that fails (a restart), and returns the restarted instance's count.</summary>
    private static async Task<int> TellFailAndCountAsync(ActorSystem system)
    {
        var actor = system.Spawn<CounterActor, Ping>("counter", new SpawnOptions { Supervision = SupervisionStrategy.Restart() });
        actor.TellMany(2);
        actor.Tell(new Ping(Fail: true));
        return await actor.SyncAsync();
    }

    private static void Throw(ref int attempts)
    {
        Interlocked.Increment(ref attempts);
        throw new InvalidOperationException("a broken metrics consumer");
    }
}
