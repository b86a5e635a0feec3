using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Spillway.Actors.Dashboard.Tests.TestKit;

/// <summary>
/// A meter named like the runtime's, with its recorded instruments, so a test feeds the collector exact measurements
/// (lane depths, handler times, restarts, dead letters) for an actor type name of its own.
/// </summary>
internal sealed class TestMeter(string actorType) : IDisposable
{
    private readonly Meter _meter = new(SpillwayMetrics.MeterName);
    private readonly Dictionary<string, Instrument> _instruments = [];

    public void LaneDepth(int depth) =>
        Histogram<int>(SpillwayMetrics.LaneDepth).Record(depth, Tags());

    public void HandlerSeconds(double seconds) =>
        Histogram<double>(SpillwayMetrics.ProcessDuration).Record(seconds, Tags());

    public void Restart() => Counter(SpillwayMetrics.Restarts).Add(1, Tags());

    public void DeadLetter(string reason)
    {
        var tags = Tags();
        tags.Add(SpillwayMetrics.DeadLetterReasonAttribute, reason);
        Counter(SpillwayMetrics.DeadLetters).Add(1, tags);
    }

    public void Dispose() => _meter.Dispose();

    private TagList Tags() => new() { { SpillwayMetrics.ActorTypeAttribute, actorType }, { SpillwayMetrics.SystemAttribute, "test-meter" } };

    private Histogram<T> Histogram<T>(string name)
        where T : struct => _instruments.TryGetValue(name, out var h) ? (Histogram<T>)h : (Histogram<T>)(_instruments[name] = _meter.CreateHistogram<T>(name));

    private Counter<long> Counter(string name) =>
        _instruments.TryGetValue(name, out var c) ? (Counter<long>)c : (Counter<long>)(_instruments[name] = _meter.CreateCounter<long>(name));
}
