using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Spillway.Actors.Hosting.Tests.TestKit;

namespace Spillway.Actors.Hosting.Tests.Logging;

/// <summary>
/// Under a host, the system logs through the container's logger factory, guarded like any other: a provider that throws
/// on every call leaves the system starting with the host, processing, supervising and stopping with it.
/// </summary>
public sealed class ThrowingProviderTests
{
    [TestCase(SchedulerKind.DedicatedThreads)]
    [TestCase(SchedulerKind.ThreadPool)]
    public async Task HostedSystem_LoggingProviderThrowsOnEveryCall_StartsProcessesAndStopsWithTheHost(SchedulerKind scheduler)
    {
        var provider = new ThrowingLoggerProvider();
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        // The runtime's categories only: the host's own log calls are not guarded, and would fail the host itself.
        builder.Logging.SetMinimumLevel(LogLevel.Trace).AddProvider(provider)
            .AddFilter<ThrowingLoggerProvider>((category, _) => category?.StartsWith("Spillway.Actors", StringComparison.Ordinal) == true);
        builder.Services.AddSpillwayActors(options =>
        {
            options.WorkerCount = 2;
            options.Scheduler = scheduler;
        });
        using var host = builder.Build();

        await host.StartAsync().OrTimeout();
        var system = host.Services.GetRequiredService<ActorSystem>();
        var actor = system.Spawn<CounterActor, Ping>("counter", new SpawnOptions { Supervision = SupervisionStrategy.Restart() });
        actor.TellMany(2);
        actor.Tell(new Ping(Fail: true));
        var count = await actor.SyncAsync();
        await host.StopAsync().OrTimeout();

        Assert.That(count, Is.EqualTo(1), "the restarted instance counts from zero");
        Assert.That(system.IsShuttingDown, Is.True);
        Assert.That(system.ActorCount, Is.Zero);
        Assert.That(provider.EventIds, Does.Contain(LogEvents.ActorFailed), "the runtime's log calls reached the provider, which threw");
        Assert.That(system.LoggingFaults.Count, Is.GreaterThan(0));
    }
}
