using System.Diagnostics.Metrics;
using Spillway.Actors.Hosting.Tests.TestKit;

namespace Spillway.Actors.Hosting.Tests.Metrics;

/// <summary>A metrics consumer whose callback throws on every measurement never breaks message processing.</summary>
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

    private static void Throw(ref int attempts)
    {
        Interlocked.Increment(ref attempts);
        throw new InvalidOperationException("a broken metrics consumer");
    }
}
