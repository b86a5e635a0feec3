using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Spillway.Actors.Tests.TestKit;

namespace Spillway.Actors.Tests;

/// <summary>
/// Stops and shutdowns always finish: a spawn that fails while a stop is under way leaves nothing to wait for, a
/// failing step of the stop path (ask bookkeeping, hooks, watchers) is logged and the stop goes on, an actor that
/// waits for its own stop is told so at once, and a shutdown whose handlers never return ends after its bound.
/// </summary>
public sealed class StopPathTests
{
    [Test]
    public async Task ShutdownAsync_TopLevelConstructorThrowsWhileShutdownRuns_Completes()
    {
        var system = ActorSystem.Create(new ActorSystemOptions { WorkerCount = 2 });
        using var gate = new ManualResetEventSlim();
        var constructing = Wait.Signal();
        var spawn = Task.Run(() => system.Spawn<int>(() =>
        {
            constructing.TrySetResult();
            gate.Wait(Wait.Timeout);
            throw new InvalidOperationException("constructor fails");
        }));
        await constructing.Task.OrTimeout();

        // The cell is registered while its constructor runs: the shutdown takes it in its scan.
        var shutdown = system.ShutdownAsync();
        gate.Set();

        var error = Assert.ThrowsAsync<InvalidOperationException>(async () => await spawn.OrTimeout());
        Assert.That(error!.Message, Is.EqualTo("constructor fails"), "the constructor's own exception, unchanged");
        await shutdown.OrTimeout();
        Assert.That(system.ActorCount, Is.Zero);
    }

    [Test]
    public async Task StopAsync_ChildConstructorThrowsWhileParentStops_ParentStopCompletes()
    {
        await using var system = ActorSystem.Create(new ActorSystemOptions { WorkerCount = 2 });
        var context = Wait.Signal<ActorContext<int>>();
        var childrenTaken = Wait.Signal();
        var parent = system.Spawn(() => new DelegateActor<int>
        {
            OnStarted = ctx =>
            {
                // A witness: its stop begins once the parent's stop has taken its children (the one under construction too).
                ctx.Spawn(() => new DelegateActor<int>
                {
                    OnStopped = _ =>
                    {
                        childrenTaken.TrySetResult();
                        return default;
                    },
                });
                context.TrySetResult(ctx);
                return default;
            },
        });
        var parentContext = await context.Task.OrTimeout();
        using var gate = new ManualResetEventSlim();
        var constructing = Wait.Signal();
        var spawn = Task.Run(() => parentContext.Spawn<int>(() =>
        {
            constructing.TrySetResult();
            gate.Wait(Wait.Timeout);
            throw new InvalidOperationException("child constructor fails");
        }));
        await constructing.Task.OrTimeout();

        // The child is registered while its constructor runs: the parent's stop waits for it.
        var stop = system.StopAsync(parent);
        await childrenTaken.Task.OrTimeout();
        gate.Set();

        Assert.ThrowsAsync<InvalidOperationException>(async () => await spawn.OrTimeout());
        await stop.OrTimeout();
        Assert.That(parent.IsStopped, Is.True);
    }

    [Test]
    public async Task Spawn_ConstructorThrows_CallerGetsTheConstructorsExceptionUnchanged()
    {
        await using var system = ActorSystem.Create();

        Assert.That(
            () => system.Spawn<int>(() => throw new InvalidOperationException("mine")),
            Throws.InvalidOperationException.With.Message.EqualTo("mine"));
        Assert.That(
            () => system.Spawn<int>(() => throw new MissingMethodException("also mine")),
            Throws.TypeOf<MissingMethodException>().With.Message.EqualTo("also mine"));
        Assert.That(
            () => system.Spawn<ThrowingConstructorActor, int>(),
            Throws.InvalidOperationException.With.Message.EqualTo("constructor by type"));
        Assert.That(system.ActorCount, Is.Zero);
    }

    [Test]
    public async Task StopAsync_DroppedAskRequestWhoseEqualsThrows_StopCompletesAndTheAskFails()
    {
        await using var system = ActorSystem.Create();
        var gate = Wait.Signal();
        var entered = Wait.Signal();
        var actor = system.Spawn(() => new DelegateActor<Touchy>
        {
            OnReceive = async (_, message) =>
            {
                if (message.Gate is { } held)
                {
                    entered.TrySetResult();
                    await held;
                }
            },
        });
        actor.Tell(new Touchy(null, gate.Task));
        await entered.Task.OrTimeout();
        var ask = actor.Ask<int>(reply => new Touchy(reply, null), TimeSpan.FromMinutes(5));

        // The stop drops the queued request; its ask must fail without the stop ever touching the throwing Equals.
        var stop = system.StopAsync(actor);
        gate.TrySetResult();

        await stop.OrTimeout();
        Assert.That(actor.IsStopped, Is.True);
        Assert.That(async () => await ask.OrTimeout(), Throws.TypeOf<DeadLetterException>());
    }

    [Test]
    public async Task StopAsync_OnStoppedThrowsAndAWatcherCallbackThrows_StopCompletesAndTheOtherWatcherIsToldOnce()
    {
        await using var system = ActorSystem.Create();
        var notified = 0;
        var told = Wait.Signal();
        var target = system.Spawn(() => new DelegateActor<int>
        {
            OnStopped = _ => throw new InvalidOperationException("OnStoppedAsync fails"),
        });
        var registered = Wait.Signal();
        var watcher = system.Spawn(() => new DelegateActor<string>
        {
            OnReceive = (context, message) =>
            {
                if (message == "watch")
                {
                    context.Watch(target, "stopped");
                    registered.TrySetResult();
                }
                else if (Interlocked.Increment(ref notified) == 1)
                {
                    told.TrySetResult();
                }

                return default;
            },
        });

        // A watcher whose callback throws (on behalf of a bystander actor), registered before the well-behaved one.
        var bystander = system.Spawn(() => new DelegateActor<int>());
        target.Cell.AddWatcher(bystander.Cell, () => throw new InvalidOperationException("watcher fails"));
        watcher.Tell("watch");
        await registered.Task.OrTimeout();

        await system.StopAsync(target).OrTimeout();
        await told.Task.OrTimeout();
        await system.ShutdownAsync().OrTimeout();
        Assert.That(notified, Is.EqualTo(1));
        Assert.That(system.ActorCount, Is.Zero);
    }

    [TestCase(SchedulerKind.DedicatedThreads, false)]
    [TestCase(SchedulerKind.DedicatedThreads, true)]
    [TestCase(SchedulerKind.ThreadPool, false)]
    [TestCase(SchedulerKind.ThreadPool, true)]
    public async Task StopAsync_AwaitedFromTheActorsOwnHandler_FaultsAtOnceAndTheActorStops(SchedulerKind scheduler, bool afterAnAwait)
    {
        await using var system = ActorSystem.Create(new ActorSystemOptions { Scheduler = scheduler });
        var outcome = Wait.Signal<Exception?>();
        var actor = system.Spawn(() => new DelegateActor<int>
        {
            OnReceive = async (context, _) =>
            {
                if (afterAnAwait)
                {
                    await Task.Yield();
                }

                outcome.TrySetResult(await Capture(context.System.StopAsync(context.Self)));
            },
        });

        actor.Tell(1);

        var error = await outcome.Task.OrTimeout();
        Assert.That(error, Is.InstanceOf<InvalidOperationException>());
        Assert.That(error!.Message, Does.Contain("Context.Stop()"));
        await actor.Cell.Completion.OrTimeout();
    }

    [Test]
    public async Task StopAsync_ChildAwaitsItsParentsStop_FaultsAtOnce()
    {
        await using var system = ActorSystem.Create();
        var outcome = Wait.Signal<Exception?>();
        var child = Wait.Signal<ActorRef<int>>();
        var parent = system.Spawn(() => new DelegateActor<int>
        {
            OnStarted = context =>
            {
                var parentRef = context.Self;
                child.TrySetResult(context.Spawn(() => new DelegateActor<int>
                {
                    OnReceive = async (childContext, _) => outcome.TrySetResult(await Capture(childContext.System.StopAsync(parentRef))),
                }));
                return default;
            },
        });

        (await child.Task.OrTimeout()).Tell(1);

        Assert.That(await outcome.Task.OrTimeout(), Is.InstanceOf<InvalidOperationException>());
        await parent.Cell.Completion.OrTimeout();
    }

    [Test]
    public async Task ShutdownAsync_AwaitedFromAHandler_FaultsAtOnceAndTheShutdownCompletes()
    {
        var system = ActorSystem.Create();
        var outcome = Wait.Signal<Exception?>();
        var actor = system.Spawn(() => new DelegateActor<int>
        {
            OnReceive = async (context, _) =>
            {
                await Task.Yield();
                outcome.TrySetResult(await Capture(context.System.ShutdownAsync()));
            },
        });

        actor.Tell(1);

        var error = await outcome.Task.OrTimeout();
        Assert.That(error, Is.InstanceOf<InvalidOperationException>());
        Assert.That(error!.Message, Does.Contain("Context.Stop()"));
        Assert.That(system.IsShuttingDown, Is.True, "the shutdown was still started");
        await system.ShutdownAsync().OrTimeout();
        Assert.That(system.ActorCount, Is.Zero);
    }

    [Test]
    public async Task DisposeAsync_HandlerNeverReturns_FinishesAfterShutdownTimeoutAndNamesTheActor()
    {
        var collector = new FakeLogCollector();
        var system = ActorSystem.Create(new ActorSystemOptions
        {
            WorkerCount = 2,
            ShutdownTimeout = TimeSpan.FromMilliseconds(200),
            LoggerFactory = FakeLogging.CreateFactory(collector),
        });
        using var release = new ManualResetEventSlim();
        var entered = Wait.Signal();
        var actor = system.Spawn(
            () => DelegateActor<int>.Of(_ =>
            {
                entered.TrySetResult();
                release.Wait(Wait.Timeout);
            }),
            "stuck");
        actor.Tell(1);
        await entered.Task.OrTimeout();
        actor.Tell(2);

        try
        {
            await system.DisposeAsync().AsTask().OrTimeout();

            var warnings = collector.GetSnapshot().Where(record => record.Level == LogLevel.Warning).Select(record => record.Message).ToList();
            Assert.That(warnings, Has.Some.Contains("abandoned 1 actors").And.Contains(actor.Path));
            Assert.That(warnings, Has.Some.Contains("1 messages could not be processed"));
            Assert.That(release.IsSet, Is.False, "DisposeAsync returned while the handler still blocked");
        }
        finally
        {
            release.Set();
        }
    }

    [Test]
    public async Task ShutdownAsync_ASecondCallersTokenFires_CutsTheSharedShutdownShort()
    {
        var system = ActorSystem.Create(new ActorSystemOptions { WorkerCount = 2, ShutdownTimeout = Timeout.InfiniteTimeSpan });
        using var release = new ManualResetEventSlim();
        var entered = Wait.Signal();
        var actor = system.Spawn(() => DelegateActor<int>.Of(_ =>
        {
            entered.TrySetResult();
            release.Wait(Wait.Timeout);
        }));
        actor.Tell(1);
        await entered.Task.OrTimeout();

        try
        {
            var first = system.ShutdownAsync();
            using var cancellation = new CancellationTokenSource();
            var second = system.ShutdownAsync(cancellation.Token);
            Assert.That(first.IsCompleted, Is.False, "the drain waits for the blocked handler");
            await cancellation.CancelAsync();

            await second.OrTimeout();
            await first.OrTimeout();
            Assert.That(release.IsSet, Is.False, "the shutdown ended while the handler still blocked");
        }
        finally
        {
            release.Set();
        }
    }

    [TestCase(0)]
    [TestCase(-5)]
    public void Validate_ShutdownTimeoutNotPositive_ThrowsNamingIt(int milliseconds) =>
        Assert.That(
            () => new ActorSystemOptions { ShutdownTimeout = TimeSpan.FromMilliseconds(milliseconds) }.Validate(),
            Throws.TypeOf<ArgumentOutOfRangeException>().With.Property(nameof(ArgumentException.ParamName)).EqualTo(nameof(ActorSystemOptions.ShutdownTimeout)));

    [Test]
    public void Validate_ShutdownTimeoutInfinite_IsAccepted() =>
        Assert.That(() => new ActorSystemOptions { ShutdownTimeout = Timeout.InfiniteTimeSpan }.Validate(), Throws.Nothing);

    private static async Task<Exception?> Capture(Task task)
    {
        try
        {
            await task.WaitAsync(Wait.Timeout);
            return null;
        }
        catch (TimeoutException)
        {
            // The old deadlock: report it as no exception, which the test rejects.
            return null;
        }
        catch (Exception error)
        {
            return error;
        }
    }

    /// <summary>A message whose equality throws: the ask bookkeeping of a stop must survive it.</summary>
    private sealed class Touchy(Reply<int>? reply, Task? gate)
    {
        public Reply<int>? Reply { get; } = reply;

        public Task? Gate { get; } = gate;

        public override bool Equals(object? obj) => throw new InvalidOperationException("equals");

        public override int GetHashCode() => 0;
    }

    private sealed class ThrowingConstructorActor : Actor<int>
    {
        public ThrowingConstructorActor() => throw new InvalidOperationException("constructor by type");

        protected override ValueTask ReceiveAsync(int message) => default;
    }
}
