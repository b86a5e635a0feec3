using Microsoft.Extensions.Time.Testing;

namespace Spillway.Actors.Dashboard.Tests.TestKit;

/// <summary>A collector on a <see cref="FakeTimeProvider"/>: each <see cref="Second"/> advances the clock and runs one tick.</summary>
internal sealed class CollectorFixture : IDisposable
{
    public CollectorFixture(SpillwayDashboardOptions? options = null, params ActorSystem[] systems)
    {
        Collector = new SpillwayDashboardCollector(options ?? new SpillwayDashboardOptions(), Time);
        Collector.Start(systems);
    }

    public FakeTimeProvider Time { get; } = new();

    public SpillwayDashboardCollector Collector { get; }

    /// <summary>Advances the clock by one second: the collector's timer fires and ticks once, on this thread.</summary>
    public Model.SpillwayDashboardSnapshot Second()
    {
        Time.Advance(TimeSpan.FromSeconds(1));
        return Collector.Latest;
    }

    public Model.DashboardActorType Type(string name) =>
        Collector.Latest.ActorTypes.Single(t => t.Name == name);

    public void Dispose() => Collector.Dispose();
}
