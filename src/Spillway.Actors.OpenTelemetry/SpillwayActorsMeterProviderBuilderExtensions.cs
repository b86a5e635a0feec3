using Spillway.Actors;

namespace OpenTelemetry.Metrics;

/// <summary>Adds Spillway.Actors metrics to an OpenTelemetry <see cref="MeterProviderBuilder"/>.</summary>
public static class SpillwayActorsMeterProviderBuilderExtensions
{
    /// <summary>
    /// Subscribes the meter provider to the <c>Spillway.Actors</c> meter: mailbox sent, processed and queued messages,
    /// lane depth and processing-duration histograms (with default buckets, no views needed), live actors, restarts,
    /// dead letters and scheduler load. See <see cref="SpillwayMetrics"/> for every name.
    /// </summary>
    /// <param name="builder">The builder.</param>
    /// <returns>The same builder, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    public static MeterProviderBuilder AddSpillwayActorsInstrumentation(this MeterProviderBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddMeter(SpillwayMetrics.MeterName);
    }
}
