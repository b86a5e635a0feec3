using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace Spillway.Actors.Hosting.Tests.TestKit;

internal static class CollectorExtensions
{
    /// <summary>The sum of every value recorded so far (for counters and up-down counters: the current total).</summary>
    public static long Sum(this MetricCollector<long> collector) => collector.GetMeasurementSnapshot().Sum(m => m.Value);

    /// <summary>The sum of every value recorded so far.</summary>
    public static long Sum(this MetricCollector<int> collector) => collector.GetMeasurementSnapshot().Sum(m => (long)m.Value);

    /// <summary>
    /// Waits until <paramref name="condition"/> holds for the measurements recorded so far, waking on each new
    /// measurement (a signal, not a poll); fails after <see cref="Wait.Timeout"/>.
    /// </summary>
    public static async Task WaitUntilAsync<T>(this MetricCollector<T> collector, Func<IReadOnlyList<CollectedMeasurement<T>>, bool> condition)
        where T : struct
    {
        using var timeout = new CancellationTokenSource(Wait.Timeout);
        while (true)
        {
            // The count is taken with the snapshot, so a measurement recorded after it wakes the wait below.
            var snapshot = collector.GetMeasurementSnapshot();
            if (condition(snapshot))
            {
                return;
            }

            await collector.WaitForMeasurementsAsync(snapshot.Count + 1, timeout.Token);
        }
    }

    /// <summary>Waits until the recorded values add up to <paramref name="total"/>.</summary>
    public static Task WaitForSumAsync(this MetricCollector<long> collector, long total) =>
        collector.WaitUntilAsync(snapshot => snapshot.Sum(m => m.Value) == total);

    /// <summary>Collects an observable instrument now and returns the sum of what it reported (zero when nothing).</summary>
    public static long Observe(this MetricCollector<long> collector)
    {
        collector.Clear();
        collector.RecordObservableInstruments();
        return collector.GetMeasurementSnapshot().Sum(m => m.Value);
    }
}
