using Microsoft.Extensions.Hosting;

namespace Spillway.Actors.Hosting;

/// <summary>
/// Starts the actor system with the host (resolving it starts its workers) and, when the host stops, drains every
/// mailbox until the host's shutdown token fires, then stops the workers.
/// </summary>
internal sealed class ActorSystemHostedService(ActorSystem system) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => system.ShutdownAsync(cancellationToken);
}
