using System.Diagnostics.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Spillway.Actors;
using Spillway.Actors.Hosting;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers a Spillway <see cref="ActorSystem"/> with a service collection.</summary>
public static class SpillwayActorsServiceCollectionExtensions
{
    /// <summary>
    /// Registers the <see cref="ActorSystem"/> as a singleton and a hosted service that starts it with the host and
    /// shuts it down gracefully when the host stops. Calling it again is harmless.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <returns>The same collection, for chaining.</returns>
    /// <remarks>
    /// The system uses the container's <see cref="ILoggerFactory"/>, <see cref="IMeterFactory"/> and services:
    /// actors spawned by type get constructor injection, each instance in a DI scope of its own. Options are validated
    /// when the host starts.
    /// </remarks>
    public static IServiceCollection AddSpillwayActors(this IServiceCollection services) =>
        AddSpillwayActors(services, static _ => { });

    /// <summary>Registers the actor system (see <see cref="AddSpillwayActors(IServiceCollection)"/>) and configures its options.</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Sets options; runs after any earlier configuration, including configuration binding.</param>
    /// <returns>The same collection, for chaining.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    public static IServiceCollection AddSpillwayActors(this IServiceCollection services, Action<ActorSystemOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<ActorSystemOptions>().Configure(configure).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ActorSystemOptions>, ActorSystemOptionsValidator>());
        services.TryAddSingleton(CreateSystem);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, ActorSystemHostedService>());
        return services;
    }

    /// <summary>
    /// Registers the actor system (see <see cref="AddSpillwayActors(IServiceCollection)"/>) with options bound from a
    /// configuration section, e.g. <c>{ "WorkerCount": 4, "TurnSize": 128, "Scheduler": "ThreadPool" }</c>.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configuration">The section to bind <see cref="ActorSystemOptions"/> from.</param>
    /// <returns>The same collection, for chaining.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    public static IServiceCollection AddSpillwayActors(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<ActorSystemOptions>().Bind(configuration);
        return AddSpillwayActors(services);
    }

    private static ActorSystem CreateSystem(IServiceProvider services)
    {
        var options = services.GetRequiredService<IOptions<ActorSystemOptions>>().Value.Clone();
        options.LoggerFactory ??= services.GetService<ILoggerFactory>();
        options.MeterFactory ??= services.GetService<IMeterFactory>();
        options.Services ??= services;
        if (ReferenceEquals(options.TimeProvider, TimeProvider.System) && services.GetService<TimeProvider>() is { } timeProvider)
        {
            options.TimeProvider = timeProvider;
        }

        return ActorSystem.Create(options);
    }
}
