using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Spillway.Actors.Dashboard;

/// <summary>
/// Starts the collector's once-a-second tick with the container's actor systems (for the busiest actors) when the host
/// starts, and stops it when the host stops. The listener itself lives as long as the collector (the container).
/// </summary>
internal sealed class DashboardHostedService(SpillwayDashboardCollector collector, IServiceProvider services) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        collector.Start([.. services.GetServices<ActorSystem>()]);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        collector.Stop();
        return Task.CompletedTask;
    }
}
