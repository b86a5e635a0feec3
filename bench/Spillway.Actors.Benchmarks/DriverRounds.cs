using System.Diagnostics;
using System.Globalization;

namespace Spillway.Actors.Benchmarks;

/// <summary>
/// The round loop of the in-process drivers (<see cref="PingPongDriver"/>, <see cref="TellDriver"/>): runs rounds back to
/// back for a number of seconds, keeps each round's time per operation after a 2-second warm-up (tiered compilation),
/// and prints the median, mean, fastest, 90th percentile and slowest.
/// </summary>
internal static class DriverRounds
{
    private static readonly TimeSpan s_warmUp = TimeSpan.FromSeconds(2);

    /// <param name="output">Where the summary goes.</param>
    /// <param name="title">What ran, for the summary line (for example "Spillway ping-pong, 4 pair(s)").</param>
    /// <param name="unit">The unit per operation (for example "ns/hop").</param>
    /// <param name="operationsPerRound">How many operations one round performs.</param>
    /// <param name="duration">How long to run rounds.</param>
    /// <param name="runRound">Runs one round; completes when it is done.</param>
    public static async Task RunAsync(TextWriter output, string title, string unit, int operationsPerRound, TimeSpan duration, Func<Task> runRound)
    {
        var rounds = new List<double>();
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < duration)
        {
            var round = Stopwatch.StartNew();
            await runRound().ConfigureAwait(false);
            if (clock.Elapsed > s_warmUp)
            {
                rounds.Add(round.Elapsed.TotalNanoseconds / operationsPerRound);
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
            $"{title}, {Environment.ProcessorCount} cores: median {rounds[rounds.Count / 2]:F2} {unit}, mean {rounds.Average():F2}, fastest {rounds[0]:F2}, 90th percentile {rounds[rounds.Count * 9 / 10]:F2}, slowest {rounds[^1]:F2}, {rounds.Count} rounds"));
    }
}
