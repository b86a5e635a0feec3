using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using Spillway.Actors.Tests.TestKit;

namespace Spillway.Actors.Tests;

/// <summary>
/// Every supervision directive (resume, restart with its limit and backoff, stop), how children inherit their parent's
/// strategy, and the rule that a failure never kills a worker thread.
/// </summary>
public sealed class SupervisionTests
{
    /// <summary>A unit of work: fails when told to, waits for <see cref="Gate"/> first when it has one, and answers with the instance's number.</summary>
    private sealed record Work(int Value, bool Fail = false, Task? Gate = null, Reply<int>? Reply = null);

    [Test]
    public async Task Resume_HandlerThrows_SkipsOnlyThatMessageAndKeepsTheInstance()
    {
        await using var system = ActorSystem.Create();
        var recorder = new Recorder();
        var actor = recorder.Spawn(system, SupervisionStrategy.Resume);

        await TellOneToFiveFailingThree(actor);

        Assert.That(recorder.Processed, Is.EqualTo(new[] { (1, 1), (1, 2), (1, 4), (1, 5) }));
        Assert.That(recorder.Instances, Is.EqualTo(1));
    }

    [Test]
    public async Task Restart_HandlerThrows_NewInstanceFromFactoryTakesOverTheSameMailbox()
    {
        await using var system = ActorSystem.Create();
        var recorder = new Recorder();
        var actor = recorder.Spawn(system, SupervisionStrategy.Restart());

        var answeredBy = await TellOneToFiveFailingThree(actor);

        // 4 and 5 were queued before the failure: the new instance processes them; 3 is not processed again.
        Assert.That(recorder.Processed, Is.EqualTo(new[] { (1, 1), (1, 2), (2, 4), (2, 5) }));
        Assert.That(recorder.Instances, Is.EqualTo(2));
        Assert.That(answeredBy, Is.EqualTo(2));
        Assert.That(recorder.RestartReasons.Single(), Is.EqualTo((1, "fail 3")));
        Assert.That(actor.IsStopped, Is.False);
    }

    [Test]
    public async Task Stop_HandlerThrows_StopsAndQueuedMessagesBecomeDeadLetters()
    {
        await using var system = ActorSystem.Create();
        var recorder = new Recorder();
        var actor = recorder.Spawn(system, SupervisionStrategy.Stop);
        var deadLetters = new ConcurrentQueue<DeadLetter>();
        system.DeadLetterReceived += (_, letter) => deadLetters.Enqueue(letter);
        var gate = Wait.Signal();

        actor.Tell(new Work(1, Gate: gate.Task));
        actor.Tell(new Work(2, Fail: true));
        actor.Tell(new Work(3));
        actor.Tell(new Work(4));
        gate.TrySetResult();
        await recorder.Stopped.Task.OrTimeout();
        // OnStoppedAsync runs before the actor is marked stopped; wait for the whole stop.
        await actor.Cell.Completion.OrTimeout();
        actor.Tell(new Work(5));

        Assert.That(recorder.Processed, Is.EqualTo(new[] { (1, 1) }));
        Assert.That(actor.IsStopped, Is.True);
        Assert.That(deadLetters.Select(letter => ((Work)letter.Message!).Value), Is.EqualTo(new[] { 3, 4, 5 }));
        Assert.That(deadLetters.Select(letter => letter.Reason), Is.All.EqualTo(DeadLetterReason.ActorStopped));
        Assert.That(system.ActorCount, Is.Zero);
    }

    [Test]
    public async Task Restart_LimitExceededWithinWindow_StopsTheActor()
    {
        var time = new FakeTimeProvider();
        await using var system = ActorSystem.Create(new ActorSystemOptions { TimeProvider = time });
        var recorder = new Recorder();
        var actor = recorder.Spawn(system, SupervisionStrategy.Restart(maxRestarts: 2, restartWindow: TimeSpan.FromMinutes(1)));

        actor.Tell(new Work(1, Fail: true));
        actor.Tell(new Work(2, Fail: true));
        var alive = await AskInstance(actor);
        Assert.That(alive, Is.EqualTo(3), "two restarts are within the limit");

        actor.Tell(new Work(3, Fail: true));
        await recorder.Stopped.Task.OrTimeout();
        // OnStoppedAsync runs before the actor is marked stopped; wait for the whole stop.
        await actor.Cell.Completion.OrTimeout();

        Assert.That(recorder.Instances, Is.EqualTo(3), "the third failure stops instead of restarting");
        Assert.That(actor.IsStopped, Is.True);
    }

    [Test]
    public async Task Restart_FailuresSpreadBeyondTheWindow_KeepRestarting()
    {
        var time = new FakeTimeProvider();
        await using var system = ActorSystem.Create(new ActorSystemOptions { TimeProvider = time, SlowTurnThreshold = TimeSpan.Zero });
        var recorder = new Recorder();
        var actor = recorder.Spawn(system, SupervisionStrategy.Restart(maxRestarts: 2, restartWindow: TimeSpan.FromMinutes(1)));

        actor.Tell(new Work(1, Fail: true));
        actor.Tell(new Work(2, Fail: true));
        Assert.That(await AskInstance(actor), Is.EqualTo(3));
        time.Advance(TimeSpan.FromMinutes(1) + TimeSpan.FromSeconds(1));
        actor.Tell(new Work(3, Fail: true));
        actor.Tell(new Work(4, Fail: true));

        Assert.That(await AskInstance(actor), Is.EqualTo(5));
        Assert.That(actor.IsStopped, Is.False);
    }

    [Test]
    public async Task Restart_ZeroRestartsAllowed_FirstFailureStops()
    {
        await using var system = ActorSystem.Create();
        var recorder = new Recorder();
        var actor = recorder.Spawn(system, SupervisionStrategy.Restart(maxRestarts: 0));

        actor.Tell(new Work(1, Fail: true));
        await recorder.Stopped.Task.OrTimeout();

        Assert.That(recorder.Instances, Is.EqualTo(1));
    }

    [Test]
    public async Task Restart_WithBackoff_NewInstanceWaitsForTheDelayAndTheDelayDoubles()
    {
        var time = new TimerWatchingTimeProvider();
        await using var system = ActorSystem.Create(new ActorSystemOptions { TimeProvider = time, SlowTurnThreshold = TimeSpan.Zero });
        var recorder = new Recorder();
        var backoff = TimeSpan.FromSeconds(10);
        var actor = recorder.Spawn(system, SupervisionStrategy.Restart(maxRestarts: 5, backoff: backoff));

        actor.Tell(new Work(1, Fail: true));
        var ask = AskInstance(actor);
        await time.WhenTimerCreated(backoff).OrTimeout();
        time.Advance(backoff - TimeSpan.FromSeconds(1));
        Assert.That(recorder.Instances, Is.EqualTo(1), "restarted before the backoff elapsed");
        Assert.That(ask.IsCompleted, Is.False, "a message ran during the backoff");

        time.Advance(TimeSpan.FromSeconds(1));
        Assert.That(await ask, Is.EqualTo(2));

        actor.Tell(new Work(2, Fail: true));
        var second = AskInstance(actor);
        await time.WhenTimerCreated(backoff * 2).OrTimeout();
        time.Advance(backoff);
        Assert.That(second.IsCompleted, Is.False, "the second backoff did not double");
        time.Advance(backoff);

        Assert.That(await second, Is.EqualTo(3));
    }

    [Test]
    public async Task Restart_ImmediateStopDuringBackoff_StopsAtOnceAndQueuedMessagesBecomeDeadLetters()
    {
        var time = new TimerWatchingTimeProvider();
        await using var system = ActorSystem.Create(new ActorSystemOptions { TimeProvider = time, SlowTurnThreshold = TimeSpan.Zero });
        var deadLetters = new ConcurrentQueue<DeadLetter>();
        system.DeadLetterReceived += (_, letter) => deadLetters.Enqueue(letter);
        var recorder = new Recorder();
        var backoff = TimeSpan.FromMinutes(10);
        var actor = recorder.Spawn(system, SupervisionStrategy.Restart(maxRestarts: 5, backoff: backoff));

        actor.Tell(new Work(1, Fail: true));
        await time.WhenTimerCreated(backoff).OrTimeout();
        actor.Tell(new Work(2));

        // The clock never moves: a stop that waited out the backoff would never finish.
        await system.StopAsync(actor).OrTimeout();

        Assert.That(recorder.Instances, Is.EqualTo(1), "restarted although stopped during the backoff");
        Assert.That(recorder.Stopped.Task.IsCompleted, Is.True, "OnStoppedAsync did not run");
        Assert.That(actor.IsStopped, Is.True);
        Assert.That(recorder.Processed, Is.Empty);
        Assert.That(deadLetters.Select(letter => letter.Message), Is.EqualTo(new object[] { new Work(2) }));
    }

    [Test]
    public async Task Restart_ImmediateStopFromAnotherThreadRacingTheBackoff_AlwaysStopsWithoutTheClock()
    {
        for (var round = 0; round < 50; round++)
        {
            var time = new TimerWatchingTimeProvider();
            await using var system = ActorSystem.Create(new ActorSystemOptions { TimeProvider = time, SlowTurnThreshold = TimeSpan.Zero });
            var recorder = new Recorder();
            var actor = recorder.Spawn(system, SupervisionStrategy.Restart(maxRestarts: 5, backoff: TimeSpan.FromMinutes(10)));

            // The failure and the stop race: the stop may land before the backoff begins, during it, or as it starts.
            actor.Tell(new Work(1, Fail: true));
            await system.StopAsync(actor).OrTimeout();

            Assert.That(actor.IsStopped, Is.True, $"round {round}");
            Assert.That(recorder.Instances, Is.EqualTo(1), $"round {round}: restarted although stopped");
        }
    }

    [Test]
    public async Task Restart_FactoryThrowsForTheNewInstance_StopsTheActor()
    {
        await using var system = ActorSystem.Create();
        var calls = 0;
        var stopped = Wait.Signal();
        var actor = system.Spawn(
            () => Interlocked.Increment(ref calls) == 1
                ? new DelegateActor<int>
                {
                    OnReceive = (_, _) => throw new InvalidOperationException("fail"),
                    OnStopped = _ =>
                    {
                        stopped.TrySetResult();
                        return default;
                    },
                }
                : throw new InvalidOperationException("cannot rebuild"),
            options: new SpawnOptions { Supervision = SupervisionStrategy.Restart() });

        actor.Tell(1);
        await stopped.Task.OrTimeout();
        await system.StopAsync(actor).OrTimeout();

        Assert.That(calls, Is.EqualTo(2));
        Assert.That(actor.IsStopped, Is.True);
        Assert.That(system.ActorCount, Is.Zero);
    }

    [Test]
    public async Task Child_WithoutOwnStrategy_UsesParentsStrategy()
    {
        await using var system = ActorSystem.Create();
        var recorder = new Recorder();
        var child = SpawnChild(system, recorder, parentStrategy: SupervisionStrategy.Resume, childOptions: null);
        var inherited = await child.Task.OrTimeout();

        inherited.Tell(new Work(1));
        inherited.Tell(new Work(2, Fail: true));

        Assert.That(await AskInstance(inherited), Is.EqualTo(1), "the parent's Resume strategy keeps the child's instance");
        Assert.That(recorder.Processed, Is.EqualTo(new[] { (1, 1) }));
    }

    [Test]
    public async Task Child_WithOwnStrategy_UsesItsOwn()
    {
        await using var system = ActorSystem.Create();
        var recorder = new Recorder();
        var child = SpawnChild(
            system,
            recorder,
            parentStrategy: SupervisionStrategy.Resume,
            childOptions: new SpawnOptions { Supervision = SupervisionStrategy.Restart() });
        var own = await child.Task.OrTimeout();

        own.Tell(new Work(1, Fail: true));

        Assert.That(await AskInstance(own), Is.EqualTo(2));
    }

    [Test]
    public async Task Resume_ThrowsOnEveryTenthMessage_ProcessesTheOtherNineInOrder()
    {
        const int count = 10_000;
        await using var system = ActorSystem.Create(new ActorSystemOptions
        {
            DefaultSupervision = SupervisionStrategy.Resume,
        });
        var processed = new List<int>(count);
        var done = Wait.Signal();
        var actor = system.Spawn(() => DelegateActor<int>.Of(value =>
        {
            if (value % 10 == 0)
            {
                throw new InvalidOperationException($"tenth {value}");
            }

            processed.Add(value);
            if (value == count - 1)
            {
                done.TrySetResult();
            }
        }));

        for (var i = 1; i < count; i++)
        {
            actor.Tell(i);
        }

        await done.Task.OrTimeout();

        Assert.That(processed, Is.EqualTo(Enumerable.Range(1, count - 1).Where(i => i % 10 != 0)));
    }

    [Test]
    public async Task Failures_ManyOfEveryKind_NeverKillTheOnlyWorkerThread()
    {
        await using var system = ActorSystem.Create(new ActorSystemOptions { WorkerCount = 1 });
        var worker = ((DedicatedThreadScheduler)system.Scheduler).Threads.Single();

        // Synchronous and asynchronous throws under Resume, thousands of each.
        using var resumed = new CountdownEvent(5_000);
        var resumer = system.Spawn(
            () => new DelegateActor<int>
            {
                OnReceive = async (_, value) =>
                {
                    resumed.Signal();
                    if (value % 2 == 0)
                    {
                        throw new InvalidOperationException("sync");
                    }

                    await Task.Yield();
                    throw new InvalidOperationException("async");
                },
            },
            options: new SpawnOptions { Supervision = SupervisionStrategy.Resume });
        for (var i = 0; i < 5_000; i++)
        {
            resumer.Tell(i);
        }

        // Actors that restart to their limit and then stop, and actors that stop on their first failure.
        using var stopped = new CountdownEvent(200);
        for (var a = 0; a < 200; a++)
        {
            var strategy = a % 2 == 0 ? SupervisionStrategy.Stop : SupervisionStrategy.Restart(maxRestarts: 3);
            var failing = system.Spawn(
                () => new DelegateActor<int>
                {
                    OnReceive = (_, _) => throw new InvalidOperationException("always"),
                    OnStopped = _ =>
                    {
                        stopped.Signal();
                        return default;
                    },
                },
                options: new SpawnOptions { Supervision = strategy });
            for (var i = 0; i < 5; i++)
            {
                failing.Tell(i);
            }
        }

        Assert.That(Wait.For(resumed), Is.True, "the resuming actor stopped processing");
        Assert.That(Wait.For(stopped), Is.True, "a failing actor did not stop");
        var healthy = system.Spawn(() => DelegateActor<Reply<string>>.Of(reply => reply.Send(Thread.CurrentThread.Name!)));
        var ranOn = await healthy.Ask<string>(reply => reply, Wait.Timeout);

        Assert.That(worker.IsAlive, Is.True);
        Assert.That(ranOn, Is.EqualTo(worker.Name));
        Assert.That(resumer.IsStopped, Is.False);
    }

    [Test]
    public async Task Failure_Always_IsLoggedAsErrorWithTheException()
    {
        var collector = new FakeLogCollector();
        await using var system = ActorSystem.Create(new ActorSystemOptions
        {
            LoggerFactory = FakeLogging.CreateFactory(collector),
        });
        var recorder = new Recorder();
        var actor = recorder.Spawn(system, SupervisionStrategy.Resume, name: "logged");

        actor.Tell(new Work(7, Fail: true));
        await AskInstance(actor);

        var failure = collector.GetSnapshot().Single(record => record.Exception is InvalidOperationException { Message: "fail 7" });
        Assert.That(failure.Level, Is.EqualTo(LogLevel.Error));
        Assert.That(failure.Message, Does.Contain(actor.Path).And.Contain("Resume"));
    }

    [Test]
    public async Task Decide_PerExceptionType_PicksTheDirective()
    {
        await using var system = ActorSystem.Create();
        var recorder = new Recorder();
        var strategy = SupervisionStrategy.Decide(error => error is ArgumentException ? SupervisionDirective.Resume : SupervisionDirective.Restart);
        var actor = recorder.Spawn(system, strategy, failWith: value => value == 1 ? new ArgumentException("resume me") : new InvalidOperationException("restart me"));

        actor.Tell(new Work(1, Fail: true));
        Assert.That(await AskInstance(actor), Is.EqualTo(1));
        actor.Tell(new Work(2, Fail: true));

        Assert.That(await AskInstance(actor), Is.EqualTo(2));
    }

    [Test]
    public async Task Decide_DeciderThrows_StopsTheActor()
    {
        await using var system = ActorSystem.Create();
        var recorder = new Recorder();
        var actor = recorder.Spawn(system, SupervisionStrategy.Decide(_ => throw new InvalidOperationException("decider broke")));

        actor.Tell(new Work(1, Fail: true));
        await recorder.Stopped.Task.OrTimeout();
        // OnStoppedAsync runs before the actor is marked stopped; wait for the whole stop.
        await actor.Cell.Completion.OrTimeout();

        Assert.That(actor.IsStopped, Is.True);
    }

    [Test]
    public void Strategy_InvalidArguments_Throw()
    {
        Assert.That(() => SupervisionStrategy.Restart(maxRestarts: -1), Throws.InstanceOf<ArgumentOutOfRangeException>());
        Assert.That(() => SupervisionStrategy.Restart(restartWindow: TimeSpan.Zero), Throws.InstanceOf<ArgumentOutOfRangeException>());
        Assert.That(() => SupervisionStrategy.Restart(backoff: TimeSpan.FromSeconds(-1)), Throws.InstanceOf<ArgumentOutOfRangeException>());
        Assert.That(() => SupervisionStrategy.Decide(null!), Throws.ArgumentNullException);
    }

    private static async Task<int> TellOneToFiveFailingThree(ActorRef<Work> actor)
    {
        // 1 holds the actor until everything is queued, so 4, 5 and the ask sit in the mailbox when 3 fails.
        var gate = Wait.Signal();
        actor.Tell(new Work(1, Gate: gate.Task));
        actor.Tell(new Work(2));
        actor.Tell(new Work(3, Fail: true));
        actor.Tell(new Work(4));
        actor.Tell(new Work(5));
        var ask = AskInstance(actor);
        gate.TrySetResult();
        return await ask;
    }

    private static Task<int> AskInstance(ActorRef<Work> actor) =>
        actor.Ask<int>(reply => new Work(-1, Reply: reply), Timeout.InfiniteTimeSpan).OrTimeout();

    private static TaskCompletionSource<ActorRef<Work>> SpawnChild(
        ActorSystem system, Recorder recorder, SupervisionStrategy parentStrategy, SpawnOptions? childOptions)
    {
        var child = Wait.Signal<ActorRef<Work>>();
        system.Spawn(
            () => new DelegateActor<int>
            {
                OnStarted = context =>
                {
                    child.TrySetResult(context.Spawn(recorder.Create, "child", childOptions));
                    return default;
                },
            },
            "parent",
            new SpawnOptions { Supervision = parentStrategy });
        return child;
    }

    /// <summary>Builds numbered instances of a recording actor and keeps what they saw.</summary>
    private sealed class Recorder
    {
        private readonly ConcurrentQueue<(int Instance, int Value)> _processed = new();
        private readonly ConcurrentQueue<(int Instance, string Reason)> _restartReasons = new();
        private Func<int, Exception> _failWith = static value => new InvalidOperationException($"fail {value}");
        private int _instances;

        public TaskCompletionSource Stopped { get; } = Wait.Signal();

        public int Instances => Volatile.Read(ref _instances);

        public IEnumerable<(int Instance, int Value)> Processed => _processed;

        public IEnumerable<(int Instance, string Reason)> RestartReasons => _restartReasons;

        public ActorRef<Work> Spawn(ActorSystem system, SupervisionStrategy strategy, string? name = null, Func<int, Exception>? failWith = null)
        {
            _failWith = failWith ?? _failWith;
            return system.Spawn(Create, name, new SpawnOptions { Supervision = strategy });
        }

        public Actor<Work> Create()
        {
            var id = Interlocked.Increment(ref _instances);
            return new DelegateActor<Work>
            {
                OnReceive = async (_, work) =>
                {
                    if (work.Gate is { } gate)
                    {
                        await gate;
                    }

                    if (work.Reply is { } reply)
                    {
                        reply.Send(id);
                        return;
                    }

                    if (work.Fail)
                    {
                        throw _failWith(work.Value);
                    }

                    _processed.Enqueue((id, work.Value));
                },
                OnRestarting = (_, reason) =>
                {
                    _restartReasons.Enqueue((id, reason.Message));
                    return default;
                },
                OnStopped = _ =>
                {
                    Stopped.TrySetResult();
                    return default;
                },
            };
        }
    }
}
