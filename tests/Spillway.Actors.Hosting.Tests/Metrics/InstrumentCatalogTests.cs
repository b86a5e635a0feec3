using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Spillway.Actors.Hosting.Tests.TestKit;

namespace Spillway.Actors.Hosting.Tests.Metrics;

/// <summary>
/// The catalogue of instruments as a dashboard sees it: every instrument exists on the <c>Spillway.Actors</c> meter
/// with its dotted name, UCUM unit and kind; the meter comes from the container's <see cref="IMeterFactory"/> under DI;
/// and the histograms carry default bucket boundaries as advice, so no view is needed.
/// </summary>
public sealed class InstrumentCatalogTests
{
    [TestCase(SpillwayMetrics.SentMessages, "{message}", typeof(ObservableCounter<long>))]
    [TestCase(SpillwayMetrics.ProcessedMessages, "{message}", typeof(ObservableCounter<long>))]
    [TestCase(SpillwayMetrics.QueuedMessages, "{message}", typeof(ObservableUpDownCounter<long>))]
    [TestCase(SpillwayMetrics.LaneDepth, "{message}", typeof(Histogram<int>))]
    [TestCase(SpillwayMetrics.ProcessDuration, "s", typeof(Histogram<double>))]
    [TestCase(SpillwayMetrics.ActorCount, "{actor}", typeof(ObservableUpDownCounter<long>))]
    [TestCase(SpillwayMetrics.Restarts, "{restart}", typeof(Counter<long>))]
    [TestCase(SpillwayMetrics.DeadLetters, "{message}", typeof(Counter<long>))]
    [TestCase(SpillwayMetrics.BusyWorkers, "{worker}", typeof(ObservableGauge<int>))]
    [TestCase(SpillwayMetrics.ReadyMailboxes, "{mailbox}", typeof(ObservableGauge<int>))]
    public async Task Instrument_SystemCreated_PublishedWithNameUnitKindAndDescription(string name, string unit, Type kind)
    {
        await using var metered = new MeteredSystem();

        var instrument = PublishedInstruments(metered.MeterFactory).Single(i => i.Name == name);

        Assert.That(instrument.Meter.Name, Is.EqualTo(SpillwayMetrics.MeterName));
        Assert.That(instrument.Unit, Is.EqualTo(unit));
        Assert.That(instrument, Is.InstanceOf(kind));
        Assert.That(instrument.Description, Is.Not.Empty);
        Assert.That(name, Does.Match("^spillway(\\.[a-z]+)+$"), "lowercase and dotted, no _total suffix");
    }

    [Test]
    public async Task Instruments_SystemCreated_ExactlyTheTenDocumentedOnes()
    {
        await using var metered = new MeteredSystem();

        var names = PublishedInstruments(metered.MeterFactory).Select(i => i.Name);

        Assert.That(names, Is.EquivalentTo(new[]
        {
            SpillwayMetrics.SentMessages, SpillwayMetrics.ProcessedMessages, SpillwayMetrics.QueuedMessages,
            SpillwayMetrics.LaneDepth, SpillwayMetrics.ProcessDuration, SpillwayMetrics.ActorCount,
            SpillwayMetrics.Restarts, SpillwayMetrics.DeadLetters, SpillwayMetrics.BusyWorkers,
            SpillwayMetrics.ReadyMailboxes,
        }));
    }

    [Test]
    public async Task Meter_AddSpillwayActorsWithAddMetrics_ComesFromTheContainersMeterFactory()
    {
        var services = new ServiceCollection().AddMetrics().AddSpillwayActors(options => options.WorkerCount = 1);
        await using var provider = services.BuildServiceProvider();
        var meterFactory = provider.GetRequiredService<IMeterFactory>();
        using var sent = new Microsoft.Extensions.Diagnostics.Metrics.Testing.MetricCollector<long>(meterFactory, SpillwayMetrics.MeterName, SpillwayMetrics.SentMessages);
        var system = provider.GetRequiredService<ActorSystem>();

        var actor = system.Spawn<CounterActor, Ping>("counter");
        await actor.SyncAsync();

        Assert.That(sent.Instrument, Is.Not.Null);
        Assert.That(sent.Instrument!.Meter.Scope, Is.SameAs(meterFactory));
        Assert.That(sent.Instrument.Meter.Name, Is.EqualTo(SpillwayMetrics.MeterName));
        Assert.That(sent.Observe(), Is.EqualTo(1));
    }

    [Test]
    public async Task LaneDepthHistogram_Advice_HasAscendingBucketBoundaries()
    {
        await using var metered = new MeteredSystem();

        var histogram = (Histogram<int>)PublishedInstruments(metered.MeterFactory).Single(i => i.Name == SpillwayMetrics.LaneDepth);
        var boundaries = histogram.Advice?.HistogramBucketBoundaries;

        Assert.That(boundaries, Is.Not.Null.And.Not.Empty);
        Assert.That(boundaries, Is.Ordered.Ascending.And.Unique);
        Assert.That(boundaries![0], Is.EqualTo(1), "a lane taken with one message is the common case");
    }

    [Test]
    public async Task ProcessDurationHistogram_Advice_HasAscendingBucketBoundariesInSeconds()
    {
        await using var metered = new MeteredSystem();

        var histogram = (Histogram<double>)PublishedInstruments(metered.MeterFactory).Single(i => i.Name == SpillwayMetrics.ProcessDuration);
        var boundaries = histogram.Advice?.HistogramBucketBoundaries;

        Assert.That(boundaries, Is.Not.Null.And.Not.Empty);
        Assert.That(boundaries, Is.Ordered.Ascending.And.Unique);

        // Seconds, not milliseconds: microsecond handlers land in the first buckets, a one-second handler still fits.
        Assert.That(boundaries![0], Is.LessThan(0.001));
        Assert.That(boundaries[^1], Is.GreaterThanOrEqualTo(1.0));
    }

    /// <summary>Every instrument of the system's meter, as a <see cref="MeterListener"/> sees them published.</summary>
    private static List<Instrument> PublishedInstruments(IMeterFactory meterFactory)
    {
        var instruments = new List<Instrument>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, _) =>
            {
                if (ReferenceEquals(instrument.Meter.Scope, meterFactory))
                {
                    instruments.Add(instrument);
                }
            },
        };

        // Start calls InstrumentPublished for every instrument that already exists, on this thread.
        listener.Start();
        return instruments;
    }
}
