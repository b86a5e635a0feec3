using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Spillway.Actors.Hosting.Tests.TestKit;

namespace Spillway.Actors.Hosting.Tests.DependencyInjection;

/// <summary>
/// Options under DI: bad values fail when the host starts, with an <see cref="OptionsValidationException"/> whose
/// message names each bad option; values bind from a configuration section.
/// </summary>
public sealed class OptionsTests
{
    [TestCase(nameof(ActorSystemOptions.WorkerCount), 0)]
    [TestCase(nameof(ActorSystemOptions.WorkerCount), -3)]
    [TestCase(nameof(ActorSystemOptions.TurnSize), 0)]
    public void StartAsync_BadOption_FailsWithValidationExceptionNamingTheOption(string option, int value)
    {
        using var host = BuildHost(services => services.AddSpillwayActors(options =>
        {
            if (option == nameof(ActorSystemOptions.WorkerCount))
            {
                options.WorkerCount = value;
            }
            else
            {
                options.TurnSize = value;
            }
        }));

        var error = Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.That(error!.OptionsType, Is.EqualTo(typeof(ActorSystemOptions)));
        Assert.That(error.Failures, Has.Exactly(1).Contains($"ActorSystemOptions.{option}").And.Contains($"was {value}"));
        Assert.That(error.Message, Does.Contain(option));
    }

    [Test]
    public void StartAsync_TwoBadOptions_MessageNamesBoth()
    {
        using var host = BuildHost(services => services.AddSpillwayActors(options =>
        {
            options.WorkerCount = 0;
            options.TurnSize = 0;
        }));

        var error = Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.That(error!.Failures.Count(), Is.EqualTo(2));
        Assert.That(error.Message, Does.Contain("WorkerCount").And.Contain("TurnSize"));
    }

    [Test]
    public async Task AddSpillwayActors_ConfigurationSection_BindsOptions()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Spillway:Name"] = "bound",
            ["Spillway:WorkerCount"] = "3",
            ["Spillway:TurnSize"] = "17",
            ["Spillway:Scheduler"] = "ThreadPool",
            ["Spillway:SlowTurnThreshold"] = "00:00:02",
            ["Spillway:DefaultSpawnOptions:MailboxLanes"] = "2",
        }).Build();
        using var host = BuildHost(services => services.AddSpillwayActors(configuration.GetSection("Spillway")));

        await host.StartAsync().OrTimeout();
        var options = host.Services.GetRequiredService<IOptions<ActorSystemOptions>>().Value;
        var system = host.Services.GetRequiredService<ActorSystem>();
        var answered = await system.Spawn<CounterActor, Ping>("counter").SyncAsync();
        await host.StopAsync().OrTimeout();

        Assert.That(options.Name, Is.EqualTo("bound"));
        Assert.That(options.WorkerCount, Is.EqualTo(3));
        Assert.That(options.TurnSize, Is.EqualTo(17));
        Assert.That(options.Scheduler, Is.EqualTo(SchedulerKind.ThreadPool));
        Assert.That(options.SlowTurnThreshold, Is.EqualTo(TimeSpan.FromSeconds(2)));
        Assert.That(options.DefaultSpawnOptions.MailboxLanes, Is.EqualTo(2));
        Assert.That(system.Name, Is.EqualTo("bound"));
        Assert.That(answered, Is.EqualTo(1));
    }

    [Test]
    public void StartAsync_BadValueFromConfiguration_FailsWithValidationException()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Spillway:TurnSize"] = "0",
        }).Build();
        using var host = BuildHost(services => services.AddSpillwayActors(configuration.GetSection("Spillway")));

        var error = Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.That(error!.Message, Does.Contain("TurnSize"));
    }

    [Test]
    public async Task AddSpillwayActors_ConfigurationThenDelegate_DelegateWins()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["WorkerCount"] = "3",
            ["TurnSize"] = "17",
        }).Build();
        var services = new ServiceCollection()
            .AddSpillwayActors(configuration)
            .AddSpillwayActors(options => options.TurnSize = 5);

        await using var provider = services.BuildServiceProvider();
        var options = provider.GetRequiredService<IOptions<ActorSystemOptions>>().Value;

        Assert.That(options.WorkerCount, Is.EqualTo(3));
        Assert.That(options.TurnSize, Is.EqualTo(5));
    }

    private static IHost BuildHost(Action<IServiceCollection> configure)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        configure(builder.Services);
        return builder.Build();
    }
}
