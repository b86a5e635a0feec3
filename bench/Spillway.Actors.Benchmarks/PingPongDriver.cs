namespace Spillway.Actors.Benchmarks;

/// <summary>
/// A quick in-process ping-pong driver for Spillway alone: the pairs and rounds of <see cref="PingPongBenchmarks"/>
/// (built by the same code) run back to back for a number of seconds (<see cref="DriverRounds"/>). Without
/// BenchmarkDotNet's process per case, a change of a few nanoseconds per hop shows in seconds; the benchmark's figures
/// are the ones to report.
/// </summary>
public static class PingPongDriver
{
    public static async Task RunAsync(TextWriter output, int pairs, TimeSpan duration)
    {
        var countdown = new Countdown();
        await using var system = ActorSystem.Create();
        var starters = PingPongBenchmarks.SpawnSpillwayPairs(system, pairs, countdown);
        await DriverRounds.RunAsync(
            output,
            $"Spillway ping-pong, {pairs} pair(s)",
            "ns/hop",
            PingPongBenchmarks.HopsPerRound,
            duration,
            () => PingPongBenchmarks.StartRound(starters, countdown)).ConfigureAwait(false);
    }
}
