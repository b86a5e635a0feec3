using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Spillway.Actors;

namespace HostedApp;

/// <summary>A background service that spawns the greeter, tells it a few names, asks it a question, then stops the host.</summary>
public sealed partial class GreetingWorker(ActorSystem actors, IHostApplicationLifetime lifetime, ILogger<GreetingWorker> logger) : BackgroundService
{
    /// <inheritdoc/>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var greeter = actors.Spawn<Greeter, GreeterMessage>("greeter");
        foreach (var name in new[] { "Ada", "Barbara", "Grace", "Margaret" })
        {
            greeter.Tell(new GreeterMessage.Greet(name));
        }

        var count = await greeter.Ask<int>(reply => new GreeterMessage.HowMany(reply), TimeSpan.FromSeconds(5), stoppingToken);
        LogDone(logger, count);

        // Stopping the host drains every mailbox (the hosted service registered by AddSpillwayActors), then stops.
        lifetime.StopApplication();
    }

    [LoggerMessage(1, LogLevel.Information, "The greeter made {Count} greetings; stopping the host")]
    private static partial void LogDone(ILogger logger, int count);
}
