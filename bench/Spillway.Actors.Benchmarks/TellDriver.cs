using System.Diagnostics;
using System.Globalization;

namespace Spillway.Actors.Benchmarks;

/// <summary>
/// A quick in-process tell driver for Spillway alone: the senders and counting actor of <see cref="TellBenchmarks"/>
/// run rounds of <see cref="TellBenchmarks.TotalMessages"/> messages back to back for a number of seconds, and the
/// median, mean, fastest, 90th percentile and slowest round after a 2-second warm-up are printed, per message. Like
/// <see cref="PingPongDriver"/>, it shows a change of a nanosecond in seconds; the benchmark's figures are the ones
/// to report.
/// </summary>
public static class TellDriver
{
    private static readonly TimeSpan s_warmUp = TimeSpan.FromSeconds(2);

    public static async Task RunAsync(TextWriter output, int senders, TimeSpan duration)
    {
        var countdown = new Countdown();
        await using var system = ActorSystem.Create();
        var actor = system.Spawn(() => new SpillwayCountingActor(countdown));
        var refs = Enumerable.Range(0, senders).Select(_ => actor.Clone()).ToArray();
        var perSender = TellBenchmarks.TotalMessages / senders;
        var rounds = new List<double>();
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < duration)
        {
            var round = Stopwatch.StartNew();
            countdown.Reset(perSender * senders);
            SenderThreads.Run(senders, sender => () =>
            {
                var target = refs[sender];
                for (var i = 0; i < perSender; i++)
                {
                    target.Tell(i);
                }
            });
            await countdown.Done.ConfigureAwait(false);
            if (clock.Elapsed > s_warmUp)
            {
                rounds.Add(round.Elapsed.TotalNanoseconds / (perSender * senders));
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
            $"Spillway tell, {senders} sender(s), {Environment.ProcessorCount} cores: median {rounds[rounds.Count / 2]:F2} ns/message, mean {rounds.Average():F2}, fastest {rounds[0]:F2}, 90th percentile {rounds[rounds.Count * 9 / 10]:F2}, slowest {rounds[^1]:F2}, {rounds.Count} rounds"));
    }
}
