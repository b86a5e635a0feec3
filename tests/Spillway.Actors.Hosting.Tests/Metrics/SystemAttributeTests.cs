using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Spillway.Actors.Hosting.Tests.TestKit;

namespace Spillway.Actors.Hosting.Tests.Metrics;

/// <summary>
/// Two actor systems in one process, on one meter (one <see cref="IMeterFactory"/>, as under one container), with actors
/// of the same type: every per-type measurement also names its system, so their series never merge.
/// </summary>
public sealed class SystemAttributeTests
{
    [Test]
    public async Task PerTypeInstruments_TwoSystemsOneMeterSameActorType_SeparateSeriesPerSystem()
    {
        await using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var meterFactory = services.GetRequiredService<IMeterFactory>();
        var measurements = new ConcurrentQueue<(string Instrument, long Value, string? System, string? Type)>();
        using var listener = Listen(meterFactory, measurements);
        await using var alpha = ActorSystem.Create(new ActorSystemOptions { Name = "alpha", WorkerCount = 1, MeterFactory = meterFactory });
        await using var beta = ActorSystem.Create(new ActorSystemOptions { Name = "beta", WorkerCount = 1, MeterFactory = meterFactory });
        var inAlpha = alpha.Spawn<CounterActor, Ping>("counter");
        var inBeta = beta.Spawn<CounterActor, Ping>("counter");
        beta.Spawn<CounterActor, Ping>("another");

        inAlpha.TellMany(3);
        await inAlpha.SyncAsync();
        inBeta.TellMany(5);
        await inBeta.SyncAsync();
        await alpha.StopAsync(inAlpha).OrTimeout();
        inAlpha.Tell(new Ping());
        listener.RecordObservableInstruments();

        long ValueOf(string instrument, string system) =>
            measurements.Where(m => m.Instrument == instrument && m.System == system && m.Type == nameof(CounterActor)).Sum(m => m.Value);

        Assert.That(ValueOf(SpillwayMetrics.SentMessages, "alpha"), Is.EqualTo(4));
        Assert.That(ValueOf(SpillwayMetrics.SentMessages, "beta"), Is.EqualTo(6));
        Assert.That(ValueOf(SpillwayMetrics.ProcessedMessages, "alpha"), Is.EqualTo(4));
        Assert.That(ValueOf(SpillwayMetrics.ActorCount, "alpha"), Is.Zero);
        Assert.That(ValueOf(SpillwayMetrics.ActorCount, "beta"), Is.EqualTo(2));
        Assert.That(ValueOf(SpillwayMetrics.DeadLetters, "alpha"), Is.EqualTo(1));
        Assert.That(ValueOf(SpillwayMetrics.DeadLetters, "beta"), Is.Zero);
        Assert.That(measurements.Where(m => m.Instrument == SpillwayMetrics.LaneDepth).Select(m => m.System).Distinct(), Is.EquivalentTo(new[] { "alpha", "beta" }));
        Assert.That(measurements.Where(m => m.Type is not null), Has.All.Matches<(string, long, string? System, string?)>(m => m.System is "alpha" or "beta"));
    }

    /// <summary>Records every measurement of every instrument of <paramref name="meterFactory"/>'s meters, with its system and actor type.</summary>
    private static MeterListener Listen(IMeterFactory meterFactory, ConcurrentQueue<(string Instrument, long Value, string? System, string? Type)> measurements)
    {
        var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (ReferenceEquals(instrument.Meter.Scope, meterFactory))
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };

        void Add(Instrument instrument, long value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            string? system = null;
            string? type = null;
            foreach (var tag in tags)
            {
                if (tag.Key == SpillwayMetrics.SystemAttribute)
                {
                    system = (string?)tag.Value;
                }
                else if (tag.Key == SpillwayMetrics.ActorTypeAttribute)
                {
                    type = (string?)tag.Value;
                }
            }

            measurements.Enqueue((instrument.Name, value, system, type));
        }

        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Add(instrument, value, tags));
        listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => Add(instrument, value, tags));
        listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Add(instrument, 1, tags));
        listener.Start();
        return listener;
    }
}
