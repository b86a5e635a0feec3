using System.Diagnostics;
using System.Globalization;

namespace Spillway.Actors.Benchmarks;

/// <summary>
/// A quick in-process ping-pong driver for Spillway alone: the pairs and rounds of <see cref="PingPongBenchmarks"/>
/// (built by the same code) run back to back for a number of seconds, and the median, mean, fastest, 90th percentile and slowest round after
/// the first two seconds (the warm-up: tiered compilation) are printed. Without BenchmarkDotNet's process per case, a
/// change of a few nanoseconds per hop shows in seconds; the benchmark's figures are the ones to report.
/// </summary>
public static class PingPongDriver
{
    private static readonly TimeSpan s_warmUp = TimeSpan.FromSeconds(2);

    public static async Task RunAsync(TextWriter output, int pairs, TimeSpan duration)
    {
        var countdown = new Countdown();
        await using var system = ActorSystem.Create();
        var starters = PingPongBenchmarks.SpawnSpillwayPairs(system, pairs, countdown);

        var rounds = new List<double>();
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < duration)
        {
            var round = Stopwatch.StartNew();
            await PingPongBenchmarks.StartRound(starters, countdown).ConfigureAwait(false);
            if (clock.Elapsed > s_warmUp)
            {
                rounds.Add(round.Elapsed.TotalNanoseconds / PingPongBenchmarks.HopsPerRound);
            }
        }

        if (rounds.Count == 0)
        {
            output.WriteLine("No round finished after the warm-up; run longer.");
            return;
        }

        rounds.Sort();
        output.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"Spillway ping-pong, {pairs} pair(s), {Environment.ProcessorCount} cores: median {rounds[rounds.Count / 2]:F1} ns/hop, mean {rounds.Average():F1}, fastest {rounds[0]:F1}, 90th percentile {rounds[rounds.Count * 9 / 10]:F1}, slowest {rounds[^1]:F1}, {rounds.Count} rounds"));
    }
}
