using System.Globalization;

namespace Spillway.Actors.Benchmarks;

/// <summary>
/// A quick in-process request-reply driver: the askers of <see cref="AskBenchmarks"/> (the same contestants) run rounds
/// back to back for a number of seconds (<see cref="DriverRounds"/>), then one more round measures the bytes allocated
/// per ask. Spillway by default, or the hand-written ActionBlock (<c>actionblock</c>) for a same-process comparison; a
/// steady loop for a profiler. With a zero duration it runs a fixed number of rounds untimed, for an instruction
/// count (valgrind's callgrind) that does not depend on machine noise: the difference between two round counts is the
/// cost of the rounds. The referee's figures are the ones to report.
/// </summary>
public static class AskDriver
{
    public static async Task RunAsync(TextWriter output, int askers, TimeSpan duration, string contestantName, int fixedRounds = 1)
    {
        await using AskContestant contestant = contestantName switch
        {
            "actionblock" => new ActionBlockAskContestant(),
            _ => new SpillwayAskContestant(),
        };
        var perAsker = AskBenchmarks.AsksPerRound / askers;
        if (duration == TimeSpan.Zero)
        {
            for (var round = 0; round < fixedRounds; round++)
            {
                await contestant.RunAsync(askers, perAsker).ConfigureAwait(false);
            }

            output.WriteLine($"{fixedRounds} round(s) of {perAsker * askers} asks");
            return;
        }

        await DriverRounds.RunAsync(
            output,
            $"{contestant.Name} ask, {askers} asker(s)",
            "ns/ask",
            perAsker * askers,
            duration,
            () => contestant.RunAsync(askers, perAsker)).ConfigureAwait(false);

        var before = GC.GetTotalAllocatedBytes(precise: true);
        await contestant.RunAsync(askers, perAsker).ConfigureAwait(false);
        var bytes = (GC.GetTotalAllocatedBytes(precise: true) - before) / (double)(perAsker * askers);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{bytes:F1} bytes/ask"));
    }
}
