using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Spillway.Actors.Dashboard;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the Spillway.Actors dashboard's data collector.</summary>
public static class SpillwayDashboardServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="SpillwayDashboardCollector"/> (a singleton that listens to the <c>Spillway.Actors</c>
    /// meter) and a hosted service that ticks it once a second while the host runs; map the page with
    /// <c>MapSpillwayDashboard</c>. Calling it again only adds another <paramref name="configure"/>. The options are
    /// validated when the host starts. The collector reads the meter of every actor system in the process and lists
    /// the busiest actors of the systems in the container (<c>AddSpillwayActors</c>).
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Changes the options (history length, percentile window, how many busiest actors).</param>
    /// <returns><paramref name="services"/>, for chaining.</returns>
    public static IServiceCollection AddSpillwayDashboard(this IServiceCollection services, Action<SpillwayDashboardOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<SpillwayDashboardOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SpillwayDashboardOptions>, OptionsValidator>());
        services.TryAddSingleton(static sp => new SpillwayDashboardCollector(
            sp.GetRequiredService<IOptions<SpillwayDashboardOptions>>().Value,
            sp.GetService<TimeProvider>() ?? TimeProvider.System));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, DashboardHostedService>());
        return services;
    }

    /// <summary>Names every setting out of range in the validation failure.</summary>
    private sealed class OptionsValidator : IValidateOptions<SpillwayDashboardOptions>
    {
        public ValidateOptionsResult Validate(string? name, SpillwayDashboardOptions options)
        {
            var problems = options.Validate().ToList();
            return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
        }
    }
}
