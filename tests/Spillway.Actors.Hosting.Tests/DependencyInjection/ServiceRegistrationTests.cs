using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Spillway.Actors.Hosting.Tests.TestKit;

namespace Spillway.Actors.Hosting.Tests.DependencyInjection;

/// <summary>
/// What <c>AddSpillwayActors</c> puts in a service collection: one singleton <see cref="ActorSystem"/> and one hosted
/// service, however often it is called, with every call's configuration applied.
/// </summary>
public sealed class ServiceRegistrationTests
{
    [Test]
    public async Task AddSpillwayActors_Once_RegistersSingletonSystemAndOneHostedService()
    {
        var services = new ServiceCollection().AddSpillwayActors(options => options.WorkerCount = 1);

        var system = services.Single(d => d.ServiceType == typeof(ActorSystem));
        var hosted = services.Single(d => d.ServiceType == typeof(IHostedService));
        await using var provider = services.BuildServiceProvider();

        Assert.That(system.Lifetime, Is.EqualTo(ServiceLifetime.Singleton));
        Assert.That(hosted.Lifetime, Is.EqualTo(ServiceLifetime.Singleton));
        var resolved = provider.GetRequiredService<ActorSystem>();
        Assert.That(provider.GetRequiredService<ActorSystem>(), Is.SameAs(resolved));
        Assert.That(provider.GetServices<IHostedService>().Count(), Is.EqualTo(1));
    }

    [Test]
    public async Task AddSpillwayActors_CalledTwice_OneSystemOneHostedServiceAndBothConfigurationsApply()
    {
        var services = new ServiceCollection()
            .AddSpillwayActors(options => options.WorkerCount = 1)
            .AddSpillwayActors(options => options.TurnSize = 7);

        await using var provider = services.BuildServiceProvider();
        var options = provider.GetRequiredService<IOptions<ActorSystemOptions>>().Value;

        Assert.That(services.Count(d => d.ServiceType == typeof(ActorSystem)), Is.EqualTo(1));
        Assert.That(services.Count(d => d.ServiceType == typeof(IHostedService)), Is.EqualTo(1));
        Assert.That(services.Count(d => d.ServiceType == typeof(IValidateOptions<ActorSystemOptions>)), Is.EqualTo(1));
        Assert.That(options.WorkerCount, Is.EqualTo(1));
        Assert.That(options.TurnSize, Is.EqualTo(7));
    }

    [Test]
    public async Task Host_AddSpillwayActorsCalledTwice_StartsAndStopsTheOneSystem()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddSpillwayActors(options => options.WorkerCount = 1).AddSpillwayActors();
        using var host = builder.Build();

        await host.StartAsync().OrTimeout();
        var system = host.Services.GetRequiredService<ActorSystem>();
        var answered = await system.Spawn<CounterActor, Ping>("counter").SyncAsync();
        await host.StopAsync().OrTimeout();

        Assert.That(answered, Is.EqualTo(1));
        Assert.That(system.IsShuttingDown, Is.True);
        Assert.That(system.ActorCount, Is.Zero);
    }

    [Test]
    public void AddSpillwayActors_NullArguments_Throw()
    {
        Assert.That(() => SpillwayActorsServiceCollectionExtensions.AddSpillwayActors(null!), Throws.ArgumentNullException);
        Assert.That(() => new ServiceCollection().AddSpillwayActors((Action<ActorSystemOptions>)null!), Throws.ArgumentNullException);
        Assert.That(() => new ServiceCollection().AddSpillwayActors((Microsoft.Extensions.Configuration.IConfiguration)null!), Throws.ArgumentNullException);
    }
}
