namespace Spillway.Actors.Benchmarks;

/// <summary>
/// A quick in-process tell driver for Spillway alone: the senders and counting actor of <see cref="TellBenchmarks"/>
/// run rounds of <see cref="TellBenchmarks.TotalMessages"/> messages back to back for a number of seconds
/// (<see cref="DriverRounds"/>). Tell rounds spread widely on two cores, so it shows large changes only; the benchmark's
/// figures are the ones to report.
/// </summary>
public static class TellDriver
{
    public static async Task RunAsync(TextWriter output, int senders, TimeSpan duration)
    {
        var countdown = new Countdown();
        await using var system = ActorSystem.Create();
        var actor = system.Spawn(() => new SpillwayCountingActor(countdown));
        var refs = Enumerable.Range(0, senders).Select(_ => actor.Clone()).ToArray();
        var perSender = TellBenchmarks.TotalMessages / senders;
        await DriverRounds.RunAsync(
            output,
            $"Spillway tell, {senders} sender(s)",
            "ns/message",
            perSender * senders,
            duration,
            () =>
            {
                countdown.Reset(perSender * senders);
                SenderThreads.Run(senders, sender => () =>
                {
                    var target = refs[sender];
                    for (var i = 0; i < perSender; i++)
                    {
                        target.Tell(i);
                    }
                });
                return countdown.Done;
            }).ConfigureAwait(false);
    }
}
