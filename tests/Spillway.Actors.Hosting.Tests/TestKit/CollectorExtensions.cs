using System.Diagnostics;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace Spillway.Actors.Hosting.Tests.TestKit;

internal static class CollectorExtensions
{
    /// <summary>How often <see cref="WaitForObservedAsync"/> collects again.</summary>
    private static readonly TimeSpan s_pollInterval = TimeSpan.FromMilliseconds(5);

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

    /// <summary>
    /// Collects an observable instrument now and returns the sum of what it reported over its tag sets (zero when
    /// nothing): for an observable counter, its current total; for an observable up-down counter, its current value.
    /// Only this collection's measurements stay in the collector.
    /// </summary>
    public static long Observe(this MetricCollector<long> collector)
    {
        collector.Clear();
        collector.RecordObservableInstruments();
        return collector.GetMeasurementSnapshot().Sum(m => m.Value);
    }

    /// <summary>
    /// Waits until an observable instrument reports <paramref name="total"/> (summed over its tag sets); fails after
    /// <see cref="Wait.Timeout"/>. It polls: an observed instrument raises no event when the value behind it changes,
    /// so there is no signal to wait on.
    /// </summary>
    public static async Task WaitForObservedAsync(this MetricCollector<long> collector, long total)
    {
        var started = Stopwatch.GetTimestamp();
        long observed;
        while ((observed = collector.Observe()) != total)
        {
            if (Stopwatch.GetElapsedTime(started) > Wait.Timeout)
            {
                Assert.Fail($"{collector.Instrument?.Name} reported {observed}, not {total}, after {Wait.Timeout}.");
            }

            await Task.Delay(s_pollInterval);
        }
    }
}
