using System.Diagnostics.Metrics;
using Spillway.Actors.Hosting.Tests.TestKit;

namespace Spillway.Actors.Hosting.Tests.Metrics;

/// <summary>
/// A metrics consumer whose callback throws on every measurement never breaks message processing, whether the
/// measurement is recorded by the runtime or observed when the consumer collects.
/// </summary>
public sealed class ThrowingListenerTests
{
    [Test]
    public async Task TellAskRestartDeadLetterStop_ListenerThrowsOnEveryMeasurement_AllStillWork()
    {
        await using var metered = new MeteredSystem();
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
        Assert.That(Volatile.Read(ref attempts), Is.GreaterThan(5), "the listener was live and threw every time");
    }

    [Test]
    public async Task ObservedCounters_ListenerThrowsOnEveryObservationDuringTraffic_ActorsKeepWorkingAndStop()
    {
        const int Told = 2_000;
        await using var metered = new MeteredSystem();
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

    private static void Throw(ref int attempts)
    {
        Interlocked.Increment(ref attempts);
        throw new InvalidOperationException("a broken metrics consumer");
    }
}
