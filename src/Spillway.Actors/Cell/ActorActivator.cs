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
        scope = services?.GetService<IServiceScopeFactory>()?.CreateScope();
        try
        {
            return factory(scope?.ServiceProvider ?? services ?? EmptyServiceProvider.Instance, null);
        }
        catch (Exception error)
        {
            scope?.Dispose();
            scope = null;

            // A dependency the container cannot resolve is the runtime's own check, reported as a bad spawn argument;
            // anything the constructor itself throws reaches the caller unchanged.
            if (error is InvalidOperationException && IsRaisedByActivator(error))
            {
                throw new ActorActivationException($"The actor system cannot construct {typeof(TActor)}: {error.Message}", error);
            }

            throw;
        }
    }

    /// <summary>Gets whether the dependency injection library itself raised <paramref name="error"/> (not the constructor it called).</summary>
    private static bool IsRaisedByActivator(Exception error) =>
        error.TargetSite?.DeclaringType?.Assembly is { } origin && origin == typeof(ActivatorUtilities).Assembly;

    private static ObjectFactory CreateFactory()
    {
        try
        {
            return ActivatorUtilities.CreateFactory(typeof(TActor), Type.EmptyTypes);
        }
        catch (InvalidOperationException error)
        {
            throw new ActorActivationException($"The actor system cannot construct {typeof(TActor)}: {error.Message}", error);
        }
    }

    private sealed class EmptyServiceProvider : IServiceProvider
    {
        public static readonly EmptyServiceProvider Instance = new();

        public object? GetService(Type serviceType) => null;
    }
}
