using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace Spillway.Actors.Hosting.Tests.TestKit;

/// <summary>
/// An actor system whose meter comes from a private <see cref="IMeterFactory"/>, so a test's collectors see only this
/// system's measurements, never those of a system another test left running.
/// </summary>
internal sealed class MeteredSystem : IAsyncDisposable
{
    private readonly ServiceProvider _services;

    public MeteredSystem(Action<ActorSystemOptions>? configure = null)
    {
        _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        MeterFactory = _services.GetRequiredService<IMeterFactory>();
        var options = new ActorSystemOptions { Name = "metered", WorkerCount = 2, MeterFactory = MeterFactory };
        configure?.Invoke(options);
        System = ActorSystem.Create(options);
    }

    public IMeterFactory MeterFactory { get; }

    public ActorSystem System { get; }

    /// <summary>Collects one instrument of this system's meter.</summary>
    public MetricCollector<T> Collect<T>(string instrumentName)
        where T : struct => new(MeterFactory, SpillwayMetrics.MeterName, instrumentName);

    public async ValueTask DisposeAsync()
    {
        await System.DisposeAsync();
        await _services.DisposeAsync();
    }
}
