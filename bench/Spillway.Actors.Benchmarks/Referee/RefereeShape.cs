namespace Spillway.Actors.Benchmarks.Referee;

/// <summary>
/// One shape the referee measures: its contestants (the first is the baseline the others are divided by) and the
/// number of operations one run performs. Created right before it runs and disposed after, so only its own runtimes
/// are alive while it is measured.
/// </summary>
internal sealed class RefereeShape(string name, string unit, long operationsPerRun, IReadOnlyList<RefereeContestant> contestants, Func<ValueTask> dispose) : IAsyncDisposable
{
    public string Name => name;

    public string Unit => unit;

    public long OperationsPerRun => operationsPerRun;

    public IReadOnlyList<RefereeContestant> Contestants => contestants;

    public ValueTask DisposeAsync() => dispose();
}
