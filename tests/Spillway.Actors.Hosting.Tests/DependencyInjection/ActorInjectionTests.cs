using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using NSubstitute;
using Spillway.Actors.Hosting.Tests.TestKit;

namespace Spillway.Actors.Hosting.Tests.DependencyInjection;

/// <summary>
/// Actors spawned by type are built through the container: constructors take services, and each actor instance gets a
/// DI scope of its own, disposed when the instance stops or is replaced by a restart.
/// </summary>
public sealed class ActorInjectionTests
{
    /// <summary>A collaborator the greeter gets through its constructor.</summary>
    public interface IGreeting
    {
        string Greet(string name);
    }

    [Test]
    public async Task SpawnByType_ConstructorTakesServices_ActorUsesThem()
    {
        var greeting = Substitute.For<IGreeting>();
        greeting.Greet("ada").Returns("hello ada");
        await using var provider = new ServiceCollection()
            .AddSingleton(greeting)
            .AddSpillwayActors(options => options.WorkerCount = 1)
            .BuildServiceProvider();
        var system = provider.GetRequiredService<ActorSystem>();

        var greeter = system.Spawn<GreeterActor, Greet>("greeter");
        var answer = await greeter.Ask<string>(reply => new Greet("ada", reply), Wait.Timeout);

        Assert.That(answer, Is.EqualTo("hello ada"));
        greeting.Received(1).Greet("ada");
    }

    [Test]
    public async Task SpawnByType_TwoActors_EachInstanceHasItsOwnScope()
    {
        await using var provider = ServicesWithScopedResource().BuildServiceProvider();
        var system = provider.GetRequiredService<ActorSystem>();

        var first = system.Spawn<ResourceActor, Use>("first");
        var second = system.Spawn<ResourceActor, Use>("second");
        var firstResource = await first.Ask<ScopedResource>(reply => new Use(reply), Wait.Timeout);
        var secondResource = await second.Ask<ScopedResource>(reply => new Use(reply), Wait.Timeout);

        Assert.That(firstResource, Is.Not.SameAs(secondResource));
        Assert.That(firstResource.IsDisposed, Is.False);
        Assert.That(secondResource.IsDisposed, Is.False);
    }

    [Test]
    public async Task Stop_ActorWithScopedService_ScopeDisposed()
    {
        await using var provider = ServicesWithScopedResource().BuildServiceProvider();
        var system = provider.GetRequiredService<ActorSystem>();
        var actor = system.Spawn<ResourceActor, Use>("user");
        var resource = await actor.Ask<ScopedResource>(reply => new Use(reply), Wait.Timeout);

        await system.StopAsync(actor).OrTimeout();

        // The scope is disposed before the stop completes, not whenever the container goes away.
        Assert.That(resource.IsDisposed, Is.True);
    }

    [Test]
    public async Task Restart_ActorWithScopedService_OldScopeDisposedAndNewInstanceGetsANewScope()
    {
        await using var provider = ServicesWithScopedResource().BuildServiceProvider();
        var system = provider.GetRequiredService<ActorSystem>();
        var actor = system.Spawn<ResourceActor, Use>("user", new SpawnOptions { Supervision = SupervisionStrategy.Restart() });
        var before = await actor.Ask<ScopedResource>(reply => new Use(reply), Wait.Timeout);

        actor.Tell(new Use(Fail: true));
        var after = await actor.Ask<ScopedResource>(reply => new Use(reply), Wait.Timeout);

        Assert.That(after, Is.Not.SameAs(before));
        Assert.That(before.IsDisposed, Is.True, "the failed instance's scope");
        Assert.That(after.IsDisposed, Is.False, "the new instance's scope");
    }

    [Test]
    public async Task Shutdown_ActorWithScopedService_ScopeDisposed()
    {
        await using var provider = ServicesWithScopedResource().BuildServiceProvider();
        var system = provider.GetRequiredService<ActorSystem>();
        var resource = await system.Spawn<ResourceActor, Use>("user").Ask<ScopedResource>(reply => new Use(reply), Wait.Timeout);

        await system.ShutdownAsync().OrTimeout();

        Assert.That(resource.IsDisposed, Is.True);
    }

    [Test]
    public async Task Stop_ScopedServiceDisposeThrows_ActorStillStopsAndTheFailureIsLogged()
    {
        var collector = new FakeLogCollector();
        await using var provider = new ServiceCollection()
            .AddLogging(logging => logging.AddProvider(new FakeLoggerProvider(collector)))
            .AddScoped<ThrowingResource>()
            .AddSpillwayActors(options => options.WorkerCount = 1)
            .BuildServiceProvider();
        var system = provider.GetRequiredService<ActorSystem>();
        var actor = system.Spawn<ThrowingResourceActor, Use>("user");
        await actor.Ask<ScopedResource>(reply => new Use(reply), Wait.Timeout);

        await system.StopAsync(actor).OrTimeout();

        Assert.That(actor.IsStopped, Is.True);
        Assert.That(system.ActorCount, Is.Zero);
        Assert.That(collector.GetSnapshot().Select(record => record.Exception), Has.Some.SameAs(ThrowingResource.Failure));
    }

    [Test]
    public async Task SpawnByType_ServiceMissing_ThrowsArgumentExceptionNamingTheActor()
    {
        await using var provider = new ServiceCollection().AddSpillwayActors(options => options.WorkerCount = 1).BuildServiceProvider();
        var system = provider.GetRequiredService<ActorSystem>();

        Assert.That(() => system.Spawn<GreeterActor, Greet>("greeter"), Throws.ArgumentException.With.Message.Contains("greeter"));
        Assert.That(system.ActorCount, Is.Zero);
    }

    private static IServiceCollection ServicesWithScopedResource() =>
        new ServiceCollection()
            .AddScoped<ScopedResource>()
            .AddSpillwayActors(options => options.WorkerCount = 1);

    public sealed record Greet(string Name, Reply<string> Reply);

    public sealed record Use(Reply<ScopedResource>? Reply = null, bool Fail = false);

    /// <summary>A scoped service that remembers being disposed.</summary>
    public sealed class ScopedResource : IDisposable
    {
        private int _disposed;

        public bool IsDisposed => Volatile.Read(ref _disposed) != 0;

        public void Dispose() => Volatile.Write(ref _disposed, 1);
    }

    /// <summary>A scoped service whose disposal fails.</summary>
    public sealed class ThrowingResource : IDisposable
    {
        public static readonly InvalidOperationException Failure = new("dispose failed on purpose");

        public void Dispose() => throw Failure;
    }

    private sealed class ThrowingResourceActor(ThrowingResource resource) : Actor<Use>
    {
        protected override ValueTask ReceiveAsync(Use message)
        {
            GC.KeepAlive(resource);
            message.Reply?.Send(new ScopedResource());
            return default;
        }
    }

    private sealed class GreeterActor(IGreeting greeting) : Actor<Greet>
    {
        protected override ValueTask ReceiveAsync(Greet message)
        {
            message.Reply.Send(greeting.Greet(message.Name));
            return default;
        }
    }

    private sealed class ResourceActor(ScopedResource resource) : Actor<Use>
    {
        protected override ValueTask ReceiveAsync(Use message)
        {
            if (message.Fail)
            {
                throw new InvalidOperationException("restart me");
            }

            message.Reply?.Send(resource);
            return default;
        }
    }
}
