using OpenTelemetry;
using OpenTelemetry.Metrics;
using Spillway.Actors.Hosting.Tests.TestKit;

namespace Spillway.Actors.Hosting.Tests.OpenTelemetry;

/// <summary>
/// End to end with the OpenTelemetry SDK: <c>AddSpillwayActorsInstrumentation()</c> is all a meter provider needs to
/// export the actor metrics, the observed counters as sums and the histograms with their advised buckets.
/// </summary>
public sealed class SpillwayActorsInstrumentationTests
{
    [Test]
    public async Task MeterProvider_WithInstrumentationAfterWorkload_ExportsSentAndProcessedMessagesPerActorType()
    {
        const int Told = 250;
        var exported = new List<Metric>();
        using var meterProvider = Sdk.CreateMeterProviderBuilder()
            .AddSpillwayActorsInstrumentation()
            .AddInMemoryExporter(exported)
            .Build();
        var system = ActorSystem.Create(new ActorSystemOptions { Name = "otel", WorkerCount = 2 });
        var actor = system.Spawn<OpenTelemetryProbeActor, Ping>("probe");

        actor.TellMany(Told);
        await actor.Ask<int>(reply => new Ping(reply), Wait.Timeout);

        // A message counts as processed before its handler runs, so once the reply is here the total is complete. Flush
        // while the system runs: the SDK reads observed counters when it collects, and shutdown disposes the meter.
        Assert.That(meterProvider.ForceFlush(), Is.True);
        await system.ShutdownAsync().OrTimeout();

        var processed = exported.Last(metric => metric.Name == SpillwayMetrics.ProcessedMessages);
        Assert.That(processed.MeterName, Is.EqualTo(SpillwayMetrics.MeterName));
        Assert.That(processed.Unit, Is.EqualTo("{message}"));
        Assert.That(processed.MetricType, Is.EqualTo(MetricType.LongSum));
        Assert.That(SumFor(processed, nameof(OpenTelemetryProbeActor)), Is.EqualTo(Told + 1));

        // Observed counters export as monotonic sums, like the synchronous counters they replaced.
        var sent = exported.Last(metric => metric.Name == SpillwayMetrics.SentMessages);
        Assert.That(sent.MetricType, Is.EqualTo(MetricType.LongSum));
        Assert.That(SumFor(sent, nameof(OpenTelemetryProbeActor)), Is.EqualTo(Told + 1));

        var laneDepth = exported.Last(metric => metric.Name == SpillwayMetrics.LaneDepth);
        Assert.That(laneDepth.MetricType, Is.EqualTo(MetricType.Histogram));
        Assert.That(HistogramBoundsFor(laneDepth, nameof(OpenTelemetryProbeActor)), Does.Contain(1.0).And.Contain(1024.0), "the advised buckets, not the SDK's defaults");
    }

    [Test]
    public void AddSpillwayActorsInstrumentation_NullBuilder_Throws() =>
        Assert.That(() => SpillwayActorsMeterProviderBuilderExtensions.AddSpillwayActorsInstrumentation(null!), Throws.ArgumentNullException);

    private static long SumFor(Metric metric, string actorType)
    {
        long sum = 0;
        foreach (ref readonly var point in metric.GetMetricPoints())
        {
            if (HasActorType(point, actorType))
            {
                sum += point.GetSumLong();
            }
        }

        return sum;
    }

    private static List<double> HistogramBoundsFor(Metric metric, string actorType)
    {
        var bounds = new List<double>();
        foreach (ref readonly var point in metric.GetMetricPoints())
        {
            if (HasActorType(point, actorType))
            {
                foreach (var bucket in point.GetHistogramBuckets())
                {
                    bounds.Add(bucket.ExplicitBound);
                }
            }
        }

        return bounds;
    }

    private static bool HasActorType(in MetricPoint point, string actorType)
    {
        foreach (var tag in point.Tags)
        {
            if (tag.Key == SpillwayMetrics.ActorTypeAttribute && Equals(tag.Value, actorType))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>An actor type no other test uses, so its attribute picks out this test's points from the shared meter name.</summary>
    private sealed class OpenTelemetryProbeActor : Actor<Ping>
    {
        private int _count;

        protected override ValueTask ReceiveAsync(Ping message)
        {
            message.Reply?.Send(++_count);
            return default;
        }
    }
}
