using System.Globalization;

namespace Spillway.Benchmarks;

/// <summary>
/// The zero-allocation check: runs the throughput rounds outside BenchmarkDotNet and counts every byte the process
/// allocates (all threads: producers, reader, thread pool) in each measured round, after warm-up rounds. Spillway
/// must allocate nothing per message in steady state; the BCL unbounded channel is shown beside it for scale.
/// </summary>
/// <remarks>
/// <para>
/// <c>GC.GetTotalAllocatedBytes(precise: true)</c> counts the whole process, so anything else that allocates (the
/// runtime, the thread pool) is charged to the channel: a zero here is a strict zero.
/// </para>
/// <para>
/// A lane's storage grows by doubling, so a round whose backlog beats every earlier one allocates a bigger array once;
/// that is growth to a working size, not a cost per message. (Storage a parked reader gives back is kept weakly and
/// taken back by the next round unless a garbage collection took it; storage shrinks at the swaps only after hundreds
/// of takes far smaller than it.) Rounds are therefore
/// counted one by one: the check passes when most measured rounds allocate exactly 0 bytes (a per-message or
/// per-wake-up allocation would show in every round).
/// </para>
/// </remarks>
internal static class AllocationCheck
{
    private const int MessagesPerRound = 1_000_000;
    private const int WarmupRounds = 10;
    private const int MeasuredRounds = 20;

    private static readonly int[] s_producerCounts = [1, 4, 8];

    /// <summary>Runs the check, prints a table, and returns the process exit code: 0 when spillway passed.</summary>
    public static int Run(TextWriter output)
    {
        var contestants = new (string Name, Func<int, int, ThroughputRig> Create, bool MustBeZero)[]
        {
            ("BclUnbounded", ThroughputRig.BclUnbounded, false),
            ("SpillwayTryRead", ThroughputRig.Spillway, true),
            ("SpillwayTryReadBatch", ThroughputRig.SpillwayBatch, true),
        };

        output.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"Steady-state allocation: {WarmupRounds} warm-up rounds, then {MeasuredRounds} measured rounds of {MessagesPerRound:N0} messages; {Environment.ProcessorCount} cores."));
        output.WriteLine();
        output.WriteLine("| Contestant           | Producers | Rounds with 0 B | Bytes, all measured rounds | Bytes/message |");
        output.WriteLine("|----------------------|----------:|----------------:|---------------------------:|--------------:|");
        var failed = false;
        foreach (var (name, create, mustBeZero) in contestants)
        {
            foreach (var producers in s_producerCounts)
            {
                var perRound = new long[MeasuredRounds];
                using (var rig = create(producers, MessagesPerRound))
                {
                    MeasureAsync(rig, perRound).GetAwaiter().GetResult();
                }

                var total = perRound.Sum();
                var zeroRounds = perRound.Count(bytes => bytes == 0);
                var perMessage = (double)total / ((long)MeasuredRounds * MessagesPerRound);
                output.WriteLine(string.Create(
                    CultureInfo.InvariantCulture,
                    $"| {name,-20} | {producers,9} | {zeroRounds,9} of {MeasuredRounds,2} | {total,26:N0} | {perMessage,13:0.####} |"));
                failed |= mustBeZero && zeroRounds * 2 <= MeasuredRounds;
            }
        }

        output.WriteLine();
        output.WriteLine(failed
            ? "FAILED: spillway allocated in most steady-state rounds."
            : "OK: spillway allocates nothing per message in steady state (any bytes above are one-off lane buffer growth).");
        return failed ? 1 : 0;
    }

    private static async Task MeasureAsync(ThroughputRig rig, long[] perRound)
    {
        // The warm-up also boxes this method's own state machine (at its first await that waits), so that allocation
        // falls outside the measured rounds.
        for (var round = 0; round < WarmupRounds; round++)
        {
            await rig.RunRoundAsync();
        }

        for (var round = 0; round < perRound.Length; round++)
        {
            var before = GC.GetTotalAllocatedBytes(precise: true);
            await rig.RunRoundAsync();
            perRound[round] = GC.GetTotalAllocatedBytes(precise: true) - before;
        }
    }
}
