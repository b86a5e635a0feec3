using Spillway.Actors.Tests.TestKit;

namespace Spillway.Actors.Tests;

/// <summary>
/// Misuse gets a clear exception or a dead letter, never a hang: types the runtime cannot build, null messages,
/// duplicate or invalid names, spawning or telling after shutdown, and invalid options.
/// </summary>
public sealed class BadInputTests
{
    [Test]
    public async Task Spawn_AbstractType_ThrowsArgumentException()
    {
        await using var system = ActorSystem.Create();

        Assert.That(() => system.Spawn<AbstractActor, string>(), Throws.ArgumentException);
        Assert.That(system.ActorCount, Is.Zero);
    }

    [Test]
    public async Task Spawn_TypeWithoutUsableConstructor_ThrowsArgumentException()
    {
        await using var system = ActorSystem.Create();

        Assert.That(() => system.Spawn<NeedsArgumentActor, string>("needs"), Throws.ArgumentException);
        Assert.That(() => system.Spawn<PrivateConstructorActor, string>("private"), Throws.ArgumentException);
        Assert.That(system.ActorCount, Is.Zero);

        // The failed spawns left their names free.
        var actor = system.Spawn<EchoActor, string>("needs");
        Assert.That(actor.Name, Is.EqualTo("needs"));
    }

    [Test]
    public async Task Spawn_ConcreteTypeWithParameterlessConstructor_Works()
    {
        await using var system = ActorSystem.Create();
        var actor = system.Spawn<EchoActor, string>("echo");

        var stopped = system.StopAsync(actor);

        await stopped.OrTimeout();
        Assert.That(actor.Path, Does.EndWith("/echo"));
    }

    [Test]
    public async Task Spawn_FactoryReturnsNullOrIsNull_Throws()
    {
        await using var system = ActorSystem.Create();

        Assert.That(() => system.Spawn<int>(() => null!), Throws.ArgumentException);
        Assert.That(() => system.Spawn<int>(null!), Throws.ArgumentNullException);
        Assert.That(system.ActorCount, Is.Zero);
    }

    [Test]
    public async Task Tell_NullMessage_ThrowsArgumentNullException()
    {
        await using var system = ActorSystem.Create();
        var actor = system.Spawn<EchoActor, string>();

        Assert.That(() => actor.Tell(null!), Throws.ArgumentNullException);
        Assert.That(() => actor.Ask<int>(_ => null!, Wait.Timeout), Throws.ArgumentNullException);
        Assert.That(() => actor.Ask<int>(null!, Wait.Timeout), Throws.ArgumentNullException);
        Assert.That(system.DeadLetterCount, Is.Zero);
    }

    [Test]
    public async Task Spawn_DuplicateName_ThrowsArgumentExceptionAndFirstActorKeepsWorking()
    {
        await using var system = ActorSystem.Create();
        var first = system.Spawn(() => DelegateActor<Reply<string>>.Of(reply => reply.Send("first")), "twin");

        Assert.That(
            () => system.Spawn(() => DelegateActor<Reply<string>>.Of(reply => reply.Send("second")), "twin"),
            Throws.ArgumentException.With.Property(nameof(ArgumentException.ParamName)).EqualTo("name"));
        Assert.That(await first.Ask<string>(reply => reply, Wait.Timeout), Is.EqualTo("first"));
        Assert.That(system.ActorCount, Is.EqualTo(1));
    }

    [Test]
    public async Task Spawn_NameOfAStoppedActor_CanBeReused()
    {
        await using var system = ActorSystem.Create();
        var first = system.Spawn(() => new DelegateActor<int>(), "reused");
        await system.StopAsync(first).OrTimeout();

        var second = system.Spawn(() => new DelegateActor<int>(), "reused");

        Assert.That(second, Is.Not.EqualTo(first));
        Assert.That(second.IsStopped, Is.False);
    }

    [TestCase("")]
    [TestCase("   ")]
    [TestCase("a/b")]
    [TestCase("$reserved")]
    public async Task Spawn_InvalidName_ThrowsArgumentException(string name)
    {
        await using var system = ActorSystem.Create();

        Assert.That(() => system.Spawn(() => new DelegateActor<int>(), name), Throws.ArgumentException);
        Assert.That(system.ActorCount, Is.Zero);
    }

    [Test]
    public async Task Spawn_ChildWithDuplicateName_ThrowsArgumentException()
    {
        await using var system = ActorSystem.Create();
        var outcome = Wait.Signal<Exception?>();
        system.Spawn(() => new DelegateActor<int>
        {
            OnStarted = context =>
            {
                context.Spawn(() => new DelegateActor<int>(), "kid");
                try
                {
                    context.Spawn(() => new DelegateActor<int>(), "kid");
                    outcome.TrySetResult(null);
                }
                catch (ArgumentException error)
                {
                    outcome.TrySetResult(error);
                }

                return default;
            },
        });

        Assert.That(await outcome.Task.OrTimeout(), Is.InstanceOf<ArgumentException>());
    }

    [Test]
    public async Task Spawn_AfterShutdown_ThrowsInvalidOperationException()
    {
        var system = ActorSystem.Create();
        await system.DisposeAsync();

        Assert.That(() => system.Spawn(() => new DelegateActor<int>()), Throws.InvalidOperationException);
        Assert.That(() => system.Spawn<EchoActor, string>(), Throws.InvalidOperationException);
    }

    [Test]
    public async Task Tell_IntoDisposedSystem_BecomesDeadLetterWithoutHanging()
    {
        var system = ActorSystem.Create();
        var actor = system.Spawn<EchoActor, string>();
        await system.DisposeAsync();
        var letters = new List<DeadLetter>();
        system.DeadLetterReceived += (_, letter) => letters.Add(letter);

        actor.Tell("hello?");
        var ask = actor.Ask<int>(_ => "anyone?", Timeout.InfiniteTimeSpan);

        Assert.That(system.DeadLetterCount, Is.EqualTo(2));
        Assert.That(letters.Select(letter => letter.Reason), Is.All.EqualTo(DeadLetterReason.SystemShutdown));
        Assert.That(ask.IsFaulted, Is.True);
        Assert.That(async () => await ask, Throws.TypeOf<DeadLetterException>());
    }

    [Test]
    public async Task StopAsync_ActorOfAnotherSystem_ThrowsArgumentException()
    {
        await using var one = ActorSystem.Create(new ActorSystemOptions { Name = "one" });
        await using var two = ActorSystem.Create(new ActorSystemOptions { Name = "two" });
        var actor = one.Spawn<EchoActor, string>();

        Assert.That(() => two.StopAsync(actor), Throws.ArgumentException);
        Assert.That(() => two.StopAsync<string>(null!), Throws.ArgumentNullException);
    }

    [Test]
    public void Create_WorkerCountZero_ThrowsNamingIt() =>
        Assert.That(
            () => ActorSystem.Create(new ActorSystemOptions { WorkerCount = 0 }),
            Throws.TypeOf<ArgumentOutOfRangeException>().With.Property(nameof(ArgumentException.ParamName)).EqualTo(nameof(ActorSystemOptions.WorkerCount)));

    [Test]
    public void Create_TurnSizeZero_ThrowsNamingIt() =>
        Assert.That(
            () => ActorSystem.Create(new ActorSystemOptions { TurnSize = 0 }),
            Throws.TypeOf<ArgumentOutOfRangeException>().With.Property(nameof(ArgumentException.ParamName)).EqualTo(nameof(ActorSystemOptions.TurnSize)));

    [TestCase(0)]
    [TestCase(-16)]
    [TestCase(3)]
    [TestCase(24)]
    public void Create_LaneDepthSampleIntervalNotAPowerOfTwo_ThrowsNamingIt(int interval) =>
        Assert.That(
            () => ActorSystem.Create(new ActorSystemOptions { LaneDepthSampleInterval = interval }),
            Throws.TypeOf<ArgumentOutOfRangeException>().With.Property(nameof(ArgumentException.ParamName)).EqualTo(nameof(ActorSystemOptions.LaneDepthSampleInterval)));

    [TestCase(1)]
    [TestCase(64)]
    public async Task Create_LaneDepthSampleIntervalAPowerOfTwo_Accepted(int interval)
    {
        await using var system = ActorSystem.Create(new ActorSystemOptions { LaneDepthSampleInterval = interval, WorkerCount = 1 });

        Assert.That(system.Metrics.LaneDepthSampleMask, Is.EqualTo(interval - 1));
    }

    [Test]
    public void Create_DefaultMailboxLanesZero_ThrowsNamingIt() =>
        Assert.That(
            () => ActorSystem.Create(new ActorSystemOptions { DefaultSpawnOptions = new SpawnOptions { MailboxLanes = 0 } }),
            Throws.TypeOf<ArgumentOutOfRangeException>().With.Property(nameof(ArgumentException.ParamName)).Contains(nameof(SpawnOptions.MailboxLanes)));

    [Test]
    public void Create_BlankName_ThrowsNamingIt() =>
        Assert.That(
            () => ActorSystem.Create(new ActorSystemOptions { Name = " " }),
            Throws.ArgumentException.With.Property(nameof(ArgumentException.ParamName)).EqualTo(nameof(ActorSystemOptions.Name)));

    [Test]
    public async Task Spawn_InvalidSpawnOptions_ThrowsNamingThem()
    {
        await using var system = ActorSystem.Create();

        Assert.That(
            () => system.Spawn(() => new DelegateActor<int>(), options: new SpawnOptions { MailboxLanes = 0 }),
            Throws.TypeOf<ArgumentOutOfRangeException>().With.Property(nameof(ArgumentException.ParamName)).Contains(nameof(SpawnOptions.MailboxLanes)));
        Assert.That(
            () => system.Spawn(() => new DelegateActor<int>(), options: new SpawnOptions { MailboxCapacity = 0 }),
            Throws.TypeOf<ArgumentOutOfRangeException>().With.Property(nameof(ArgumentException.ParamName)).Contains(nameof(SpawnOptions.MailboxCapacity)));
        Assert.That(system.ActorCount, Is.Zero);
    }

    [Test]
    public void Context_ActorConstructedOutsideASpawn_ThrowsOnUse()
    {
        var orphan = new ContextProbeActor();

        Assert.That(() => orphan.ReadContext(), Throws.InvalidOperationException);
    }

    private abstract class AbstractActor : Actor<string>;

    private sealed class NeedsArgumentActor(int value) : Actor<string>
    {
        public int Value { get; } = value;

        protected override ValueTask ReceiveAsync(string message) => default;
    }

    private sealed class PrivateConstructorActor : Actor<string>
    {
        private PrivateConstructorActor()
        {
        }

        protected override ValueTask ReceiveAsync(string message) => default;
    }

    private sealed class ContextProbeActor : Actor<string>
    {
        public string ReadContext() => Context.Name;

        protected override ValueTask ReceiveAsync(string message) => default;
    }

    private sealed class EchoActor : Actor<string>
    {
        protected override ValueTask ReceiveAsync(string message) => default;
    }
}
