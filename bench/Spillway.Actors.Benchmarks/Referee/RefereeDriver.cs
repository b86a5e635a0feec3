using System.Diagnostics;
using System.Globalization;

namespace Spillway.Actors.Benchmarks.Referee;

/// <summary>
/// Measures the shapes the way the team's referee does: every contestant in one process, a warm-up, then interleaved
/// repeats (each repeat runs every contestant once, in turn), and medians compared. Prints one table per shape with
/// each contestant's median time per operation, the bytes it allocated per operation in one more run, and its ratio
/// against the first contestant (the baseline) and the other contestants.
/// </summary>
/// <remarks>
/// <c>dotnet run -c Release --project bench/Spillway.Actors.Benchmarks -- referee [repeats] [shape key prefix, e.g. ask or channel-8]</c>. Not a
/// substitute for the BenchmarkDotNet suites (one process, no outlier removal): a quick cross-check whose figures are
/// comparable with the referee's.
/// </remarks>
internal static class RefereeDriver
{
    public static async Task RunAsync(TextWriter output, int repeats, int warmUps, string? filter)
    {
        output.WriteLine($"Referee: {Environment.ProcessorCount} cores, .NET {Environment.Version}, {repeats} interleaved repeats after {warmUps} warm-up(s), medians");
        foreach (var (key, create) in RefereeShapes.All())
        {
            if (filter is not null && !key.StartsWith(filter, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            await using var shape = create();
            var times = shape.Contestants.Select(_ => new List<double>()).ToArray();
            for (var round = 0; round < warmUps + repeats; round++)
            {
                for (var c = 0; c < shape.Contestants.Count; c++)
                {
                    var clock = Stopwatch.StartNew();
                    await shape.Contestants[c].RunOnceAsync().ConfigureAwait(false);
                    if (round >= warmUps)
                    {
                        times[c].Add(clock.Elapsed.TotalNanoseconds / shape.OperationsPerRun);
                    }
                }
            }

            // One more run of each contestant, for the bytes it allocates per operation (the whole process's allocations:
            // the other runtimes are idle meanwhile, so this is almost all the contestant's own).
            var bytes = new double[shape.Contestants.Count];
            for (var c = 0; c < shape.Contestants.Count; c++)
            {
                var before = GC.GetTotalAllocatedBytes(precise: true);
                await shape.Contestants[c].RunOnceAsync().ConfigureAwait(false);
                bytes[c] = (GC.GetTotalAllocatedBytes(precise: true) - before) / (double)shape.OperationsPerRun;
            }

            Print(output, shape, times.Select(Median).ToArray(), times, bytes);
        }
    }

    private static void Print(TextWriter output, RefereeShape shape, double[] medians, List<double>[] times, double[] bytes)
    {
        output.WriteLine();
        output.WriteLine($"### {shape.Name}");
        output.WriteLine();
        var header = string.Join(" | ", shape.Contestants.Select(c => "vs " + c.Name));
        output.WriteLine($"| contestant | median {shape.Unit} | ops/s | bytes/op | runs ({shape.Unit}) | {header} |");
        output.WriteLine("|---|---:|---:|---:|---|" + string.Concat(shape.Contestants.Select(_ => "---:|")));
        for (var c = 0; c < shape.Contestants.Count; c++)
        {
            var ratios = string.Join(" | ", medians.Select(other => (other / medians[c]).ToString("F2", CultureInfo.InvariantCulture) + "x"));
            var runs = string.Join(" ", times[c].Select(t => t.ToString("F1", CultureInfo.InvariantCulture)));
            output.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"| {shape.Contestants[c].Name} | {medians[c]:F1} | {1e9 / medians[c]:N0} | {bytes[c]:F1} | {runs} | {ratios} |"));
        }

        output.Flush();
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
