using Microsoft.Extensions.DependencyInjection;

namespace Spillway.Actors;

/// <summary>Builds actors of one type through <see cref="ActivatorUtilities"/>, each in a DI scope of its own when services exist.</summary>
/// <remarks>Thread-safety: the factory is created once per type (a benign race may create it twice) and is immutable.</remarks>
internal static class ActorActivator<TActor>
{
    private static ObjectFactory? s_factory;

    public static void Validate()
    {
        var type = typeof(TActor);
        if (type.IsAbstract || type.IsInterface)
        {
            throw new ArgumentException($"{type} is abstract; spawn a concrete actor type.", nameof(TActor));
        }

        if (type.ContainsGenericParameters)
        {
            throw new ArgumentException($"{type} is an open generic type; spawn a closed one.", nameof(TActor));
        }
    }

    public static object Create(IServiceProvider? services, out IServiceScope? scope)
    {
        var factory = s_factory ??= CreateFactory();
        if (services is null)
        {
            scope = null;
            return factory(EmptyServiceProvider.Instance, null);
        }

        scope = services.GetService<IServiceScopeFactory>()?.CreateScope();
        try
        {
            return factory(scope?.ServiceProvider ?? services, null);
        }
        catch
        {
            scope?.Dispose();
            scope = null;
            throw;
        }
    }

    private static ObjectFactory CreateFactory()
    {
        try
        {
            return ActivatorUtilities.CreateFactory(typeof(TActor), Type.EmptyTypes);
        }
        catch (InvalidOperationException error)
        {
            throw new ArgumentException($"The actor system cannot construct {typeof(TActor)}: {error.Message}", nameof(TActor), error);
        }
    }

    private sealed class EmptyServiceProvider : IServiceProvider
    {
        public static readonly EmptyServiceProvider Instance = new();

        public object? GetService(Type serviceType) => null;
    }
}
