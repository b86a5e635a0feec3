using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Spillway.Actors.Tests.TestKit;

namespace Spillway.Actors.Tests;

/// <summary>
/// Actors spawned by type are built from <see cref="ActorSystemOptions.Services"/>: constructor injection works, and
/// every instance gets a DI scope of its own, disposed when the instance stops or is replaced by a restart.
/// </summary>
public sealed class DependencyInjectionTests
{
    [Test]
    public async Task Spawn_ByTypeWithServices_InjectsConstructorDependencies()
    {
        await using var provider = BuildServices();
        await using var system = ActorSystem.Create(new ActorSystemOptions { Services = provider });
        var actor = system.Spawn<InjectedActor, ProbeRequest>();

        var reply = await actor.Ask<ProbeReply>(reply => new ProbeRequest(reply), Wait.Timeout);

        Assert.That(reply.ScopedId, Is.GreaterThan(0));
        Assert.That(reply.Greeting, Is.EqualTo("hello from the container"));
    }

    [Test]
    public async Task Spawn_TwoActors_EachGetsItsOwnScope()
    {
        await using var provider = BuildServices();
        await using var system = ActorSystem.Create(new ActorSystemOptions { Services = provider });
        var first = system.Spawn<InjectedActor, ProbeRequest>();
        var second = system.Spawn<InjectedActor, ProbeRequest>();

        var one = await first.Ask<ProbeReply>(reply => new ProbeRequest(reply), Wait.Timeout);
        var two = await second.Ask<ProbeReply>(reply => new ProbeRequest(reply), Wait.Timeout);

        Assert.That(one.ScopedId, Is.Not.EqualTo(two.ScopedId));
        Assert.That(one.SingletonId, Is.EqualTo(two.SingletonId));
    }

    [Test]
    public async Task StopAsync_ActorWithScope_DisposesTheScope()
    {
        await using var provider = BuildServices();
        var log = provider.GetRequiredService<ProbeLog>();
        await using var system = ActorSystem.Create(new ActorSystemOptions { Services = provider });
        var actor = system.Spawn<InjectedActor, ProbeRequest>();
        var scoped = (await actor.Ask<ProbeReply>(reply => new ProbeRequest(reply), Wait.Timeout)).ScopedId;
        Assert.That(log.Disposed, Does.Not.Contain(scoped));

        await system.StopAsync(actor).OrTimeout();

        Assert.That(log.Disposed, Does.Contain(scoped));
    }

    [Test]
    public async Task Restart_ActorWithScope_DisposesOldScopeAndNewInstanceGetsANewOne()
    {
        await using var provider = BuildServices();
        var log = provider.GetRequiredService<ProbeLog>();
        await using var system = ActorSystem.Create(new ActorSystemOptions { Services = provider });
        var actor = system.Spawn<InjectedActor, ProbeRequest>(options: new SpawnOptions { Supervision = SupervisionStrategy.Restart() });
        var before = (await actor.Ask<ProbeReply>(reply => new ProbeRequest(reply), Wait.Timeout)).ScopedId;

        actor.Tell(new ProbeRequest(null, Fail: true));
        var after = (await actor.Ask<ProbeReply>(reply => new ProbeRequest(reply), Wait.Timeout)).ScopedId;

        Assert.That(after, Is.Not.EqualTo(before));
        Assert.That(log.Disposed, Does.Contain(before));
        Assert.That(log.Disposed, Does.Not.Contain(after));
    }

    [Test]
    public async Task ShutdownAsync_ManyActorsWithScopes_DisposesEveryScope()
    {
        await using var provider = BuildServices();
        var log = provider.GetRequiredService<ProbeLog>();
        var system = ActorSystem.Create(new ActorSystemOptions { Services = provider });
        await using (system)
        {
            var actors = Enumerable.Range(0, 100).Select(_ => system.Spawn<InjectedActor, ProbeRequest>()).ToArray();
            var ids = await Task.WhenAll(actors.Select(actor => actor.Ask<ProbeReply>(reply => new ProbeRequest(reply), Wait.Timeout).AsTask()));

            await system.ShutdownAsync().OrTimeout();

            Assert.That(log.Disposed, Is.EquivalentTo(ids.Select(reply => reply.ScopedId)));
        }
    }

    [Test]
    public async Task Spawn_ChildByTypeWithServices_InjectsToo()
    {
        await using var provider = BuildServices();
        await using var system = ActorSystem.Create(new ActorSystemOptions { Services = provider });
        var child = Wait.Signal<ActorRef<ProbeRequest>>();
        system.Spawn(() => new DelegateActor<int>
        {
            OnStarted = context =>
            {
                child.TrySetResult(context.Spawn<InjectedActor, ProbeRequest>("injected"));
                return default;
            },
        });

        var reply = await (await child.Task.OrTimeout()).Ask<ProbeReply>(reply => new ProbeRequest(reply), Wait.Timeout);

        Assert.That(reply.Greeting, Is.EqualTo("hello from the container"));
    }

    [Test]
    public async Task Spawn_DependencyNotRegistered_ThrowsArgumentException()
    {
        await using var provider = new ServiceCollection().BuildServiceProvider();
        await using var system = ActorSystem.Create(new ActorSystemOptions { Services = provider });

        Assert.That(() => system.Spawn<InjectedActor, ProbeRequest>("missing"), Throws.ArgumentException);
        Assert.That(system.ActorCount, Is.Zero);
    }

    [Test]
    public async Task StopAsync_ScopedServiceThrowsOnDispose_ActorStillStops()
    {
        var services = new ServiceCollection();
        services.AddScoped<ThrowingOnDispose>();
        using var built = new CountdownEvent(2);
        services.AddSingleton(built);
        await using var provider = services.BuildServiceProvider();
        await using var system = ActorSystem.Create(new ActorSystemOptions { Services = provider });
        var actor = system.Spawn<NeedsThrowingOnDisposeActor, int>(options: new SpawnOptions { Supervision = SupervisionStrategy.Restart() });
        actor.Tell(1);

        // The restart disposes the first scope, the stop the second: each throws, and neither may wedge the actor.
        Assert.That(Wait.For(built), Is.True, "the restart did not build a second instance");
        await system.StopAsync(actor).OrTimeout();

        Assert.That(actor.IsStopped, Is.True);
        Assert.That(system.ActorCount, Is.Zero);
    }

    private static ServiceProvider BuildServices()
    {
        var services = new ServiceCollection();
        services.AddSingleton<ProbeLog>();
        services.AddSingleton(new Greeter("hello from the container"));
        services.AddScoped<ScopedProbe>();
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true });
    }

    private sealed record ProbeReply(int ScopedId, int SingletonId, string Greeting);

    private sealed record ProbeRequest(Reply<ProbeReply>? Reply, bool Fail = false);

    private sealed record Greeter(string Greeting);

    /// <summary>A singleton that numbers scoped probes and records which were disposed.</summary>
    private sealed class ProbeLog
    {
        private int _next;

        public ConcurrentBag<int> Disposed { get; } = [];

        public int Id { get; } = Random.Shared.Next(1, int.MaxValue);

        public int NextId() => Interlocked.Increment(ref _next);
    }

    /// <summary>A scoped, disposable service: one per actor instance.</summary>
    private sealed class ScopedProbe(ProbeLog log) : IDisposable
    {
        public int Id { get; } = log.NextId();

        public void Dispose() => log.Disposed.Add(Id);
    }

    private sealed class ThrowingOnDispose : IDisposable
    {
        public void Dispose() => throw new InvalidOperationException("dispose fails");
    }

    private sealed class NeedsThrowingOnDisposeActor : Actor<int>
    {
        private readonly ThrowingOnDispose _service;

        public NeedsThrowingOnDisposeActor(ThrowingOnDispose service, CountdownEvent built)
        {
            _service = service;
            built.Signal();
        }

        protected override ValueTask ReceiveAsync(int message) =>
            throw new InvalidOperationException($"restart with {_service.GetType().Name}");
    }

    private sealed class InjectedActor(ScopedProbe probe, ProbeLog log, Greeter greeter) : Actor<ProbeRequest>
    {
        protected override ValueTask ReceiveAsync(ProbeRequest message)
        {
            if (message.Fail)
            {
                throw new InvalidOperationException("restart me");
            }

            message.Reply?.Send(new ProbeReply(probe.Id, log.Id, greeter.Greeting));
            return default;
        }
    }
}
