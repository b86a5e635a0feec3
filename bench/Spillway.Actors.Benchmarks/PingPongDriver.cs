using System.Diagnostics;
using System.Globalization;

namespace Spillway.Actors.Benchmarks;

/// <summary>
/// A quick in-process ping-pong driver for Spillway alone: K pairs bounce 1,000,000 hops a round, rounds run back to
/// back for a number of seconds, and the median and fastest round after the first two seconds are printed (the
/// warm-up: tiered compilation). It measures the same actors and rounds as <see cref="PingPongBenchmarks"/>, without
/// BenchmarkDotNet's process per case, so a change of a few nanoseconds per hop shows in seconds; the benchmark's
/// figures are the ones to report.
/// </summary>
public static class PingPongDriver
{
    private const int HopsPerRound = 1_000_000;
    private static readonly TimeSpan s_warmUp = TimeSpan.FromSeconds(2);

    public static async Task RunAsync(TextWriter output, int pairs, TimeSpan duration)
    {
        var countdown = new Countdown();
        await using var system = ActorSystem.Create();
        var starters = new ActorRef<int>[pairs];
        for (var p = 0; p < pairs; p++)
        {
            var partnerOfA = new Partner();
            var a = system.Spawn(() => new Player(partnerOfA, countdown));
            var b = system.Spawn(() => new Player(new Partner { Ref = a }, countdown));
            partnerOfA.Ref = b;
            starters[p] = a;
        }

        var rounds = new List<double>();
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < duration)
        {
            var round = Stopwatch.StartNew();
            countdown.Reset(pairs);
            foreach (var starter in starters)
            {
                starter.Tell(HopsPerRound / pairs);
            }

            await countdown.Done.ConfigureAwait(false);
            if (clock.Elapsed > s_warmUp)
            {
                rounds.Add(round.Elapsed.TotalNanoseconds / HopsPerRound);
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
            $"Spillway ping-pong, {pairs} pair(s), {Environment.ProcessorCount} cores: median {rounds[rounds.Count / 2]:F1} ns/hop, fastest {rounds[0]:F1}, slowest {rounds[^1]:F1}, {rounds.Count} rounds"));
    }

    /// <summary>Set once before the first message, then only read by the owning actor.</summary>
    private sealed class Partner
    {
        public ActorRef<int>? Ref;
    }

    /// <summary>The message is the number of hops left (a struct: no allocation per hop).</summary>
    private sealed class Player(Partner partner, Countdown countdown) : Actor<int>
    {
        protected override ValueTask ReceiveAsync(int hopsLeft)
        {
            if (hopsLeft <= 1)
            {
                countdown.Signal();
            }
            else
            {
                partner.Ref!.Tell(hopsLeft - 1);
            }

            return default;
        }
    }
}
