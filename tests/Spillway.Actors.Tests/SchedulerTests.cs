using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using Spillway.Actors.Tests.TestKit;

namespace Spillway.Actors.Tests;

/// <summary>
/// Where actors run: a handler that blocks its thread stalls no other actor, a busy actor cannot starve the rest, a turn
/// that runs far too long is logged, and the .NET thread pool can stand in for the dedicated workers.
/// </summary>
public sealed class SchedulerTests
{
    [Test]
    public async Task BlockedActor_TwoWorkers_OtherActorKeepsRunning()
    {
        await using var system = ActorSystem.Create(new ActorSystemOptions { WorkerCount = 2 });
        using var release = new ManualResetEventSlim();
        var entered = Wait.Signal();
        var blocked = system.Spawn(() => DelegateActor<int>.Of(_ =>
        {
            entered.TrySetResult();
            release.Wait();
        }));
        var free = system.Spawn(() => DelegateActor<Reply<int>>.Of(reply => reply.Send(1)));

        blocked.Tell(0);
        await entered.Task.OrTimeout();
        var answers = 0;
        for (var i = 0; i < 1_000; i++)
        {
            answers += await free.Ask<int>(reply => reply, Wait.Timeout);
        }

        Assert.That(answers, Is.EqualTo(1_000));
        Assert.That(release.IsSet, Is.False);
        release.Set();
    }

    [Test]
    public async Task BlockedActor_OtherActorsSpawnedWhileBlocked_AlsoRun()
    {
        await using var system = ActorSystem.Create(new ActorSystemOptions { WorkerCount = 2 });
        using var release = new SemaphoreSlim(0);
        var entered = Wait.Signal();
        var blocked = system.Spawn(() => DelegateActor<int>.Of(_ =>
        {
            entered.TrySetResult();
            release.Wait();
        }));
        blocked.Tell(0);
        await entered.Task.OrTimeout();

        var replies = await Task.WhenAll(Enumerable.Range(0, 50)
            .Select(i => system.Spawn(() => DelegateActor<Reply<int>>.Of(reply => reply.Send(i))))
            .Select(actor => actor.Ask<int>(reply => reply, Wait.Timeout).AsTask()));

        Assert.That(replies, Is.EqualTo(Enumerable.Range(0, 50)));
        release.Release();
    }

    [Test]
    public async Task BusyActor_OneWorker_DoesNotStarveAnother()
    {
        await using var system = ActorSystem.Create(new ActorSystemOptions { WorkerCount = 1, TurnSize = 8 });
        var spins = 0L;

        // Tells itself forever: without turns that end, nothing else would run on the single worker.
        var busy = system.Spawn(() => new DelegateActor<int>
        {
            OnReceive = (context, value) =>
            {
                Interlocked.Increment(ref spins);
                context.Self.Tell(value + 1);
                return default;
            },
        });
        busy.Tell(0);
        var other = system.Spawn(() => DelegateActor<Reply<long>>.Of(reply => reply.Send(Interlocked.Read(ref spins))));

        var seen = await other.Ask<long>(reply => reply, Wait.Timeout);
        var later = await other.Ask<long>(reply => reply, Wait.Timeout);
        await system.StopAsync(busy).OrTimeout();

        Assert.That(later, Is.GreaterThanOrEqualTo(seen));
    }

    [Test]
    public async Task BusyActor_NothingElseWaiting_KeepsItsTurnWithoutSlowTurnWarnings()
    {
        // An actor that tells itself forever on a system with nothing else to run renews its turn at every budget
        // instead of queuing behind nobody. Each renewal must look like a new turn to the watchdog: the same turn seen
        // for the whole threshold would be reported as slow.
        var time = new FakeTimeProvider();
        var collector = new FakeLogCollector();
        await using var system = ActorSystem.Create(new ActorSystemOptions
        {
            WorkerCount = 1,
            TurnSize = 8,
            TimeProvider = time,
            SlowTurnThreshold = TimeSpan.FromSeconds(2),
            LoggerFactory = FakeLogging.CreateFactory(collector),
        });
        var spins = 0L;
        var busy = system.Spawn(
            () => new DelegateActor<int>
            {
                OnReceive = (context, value) =>
                {
                    Interlocked.Increment(ref spins);
                    context.Self.Tell(value + 1);
                    return default;
                },
            },
            "busy");
        busy.Tell(0);

        // Eight watchdog ticks (a quarter threshold each), with real progress between them: at least a dozen budgets.
        for (var tick = 0; tick < 8; tick++)
        {
            var before = Interlocked.Read(ref spins);
            Assert.That(SpinWait.SpinUntil(() => Interlocked.Read(ref spins) > before + 100, Wait.Timeout), Is.True, "the busy actor stalled");
            time.Advance(TimeSpan.FromSeconds(0.5));
        }

        await system.StopAsync(busy).OrTimeout();
        Assert.That(SlowTurnWarnings(collector), Is.Empty);
    }

    [Test]
    public async Task SlowTurn_HandlerBlocksPastThreshold_LoggedAsWarning()
    {
        var time = new FakeTimeProvider();
        var collector = new FakeLogCollector();
        await using var system = ActorSystem.Create(new ActorSystemOptions
        {
            WorkerCount = 2,
            TimeProvider = time,
            SlowTurnThreshold = TimeSpan.FromSeconds(2),
            LoggerFactory = FakeLogging.CreateFactory(collector),
        });
        using var release = new ManualResetEventSlim();
        var entered = Wait.Signal();
        var slow = system.Spawn(
            () => DelegateActor<int>.Of(_ =>
            {
                entered.TrySetResult();
                release.Wait();
            }),
            "slow");

        slow.Tell(1);
        await entered.Task.OrTimeout();
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.That(SlowTurnWarnings(collector), Is.Empty, "warned before the threshold");

        // The watchdog runs on the system's TimeProvider: advancing it runs the check here, synchronously. It looks every
        // quarter threshold and times a turn from the first look that saw it (0.5 s here), so the warning comes once the
        // turn has been seen for the whole threshold: at 2.5 s, within 1.25 thresholds of the start.
        time.Advance(TimeSpan.FromSeconds(1.5));
        var warnings = SlowTurnWarnings(collector);
        time.Advance(TimeSpan.FromSeconds(10));
        release.Set();

        Assert.That(warnings, Has.Count.EqualTo(1));
        Assert.That(warnings[0].Message, Does.Contain(slow.Path));
        Assert.That(SlowTurnWarnings(collector), Has.Count.EqualTo(1), "one slow turn is reported once");
    }

    [Test]
    public async Task ThreadPoolScheduler_TellAndAsk_Work()
    {
        await using var system = ActorSystem.Create(new ActorSystemOptions { Scheduler = SchedulerKind.ThreadPool });
        Assert.That(system.Scheduler, Is.TypeOf<ThreadPoolScheduler>());
        long total = 0;
        var actor = system.Spawn(() => new DelegateActor<(int Add, Reply<long>? Get)>
        {
            OnReceive = async (_, message) =>
            {
                if (message.Get is { } get)
                {
                    await Task.Yield();
                    get.Send(total);
                    return;
                }

                total += message.Add;
            },
        });

        for (var i = 1; i <= 100_000; i++)
        {
            actor.Tell((i, null));
        }

        var sum = await actor.Ask<long>(reply => (0, reply), Wait.Timeout);

        Assert.That(sum, Is.EqualTo(100_000L * 100_001 / 2));
    }

    [Test]
    public async Task ThreadPoolScheduler_SupervisionAndShutdown_Work()
    {
        var system = ActorSystem.Create(new ActorSystemOptions { Scheduler = SchedulerKind.ThreadPool });
        await using (system)
        {
            var processed = 0;
            var stopped = Wait.Signal<int>();
            var actor = system.Spawn(
                () => new DelegateActor<int>
                {
                    OnReceive = (_, value) =>
                    {
                        if (value % 3 == 0)
                        {
                            throw new InvalidOperationException("third");
                        }

                        processed++;
                        return default;
                    },
                    OnStopped = _ =>
                    {
                        stopped.TrySetResult(processed);
                        return default;
                    },
                },
                options: new SpawnOptions { Supervision = SupervisionStrategy.Resume });
            for (var i = 1; i <= 30; i++)
            {
                actor.Tell(i);
            }

            await system.ShutdownAsync().OrTimeout();

            Assert.That(await stopped.Task.OrTimeout(), Is.EqualTo(20));
        }
    }

    private static List<FakeLogRecord> SlowTurnWarnings(FakeLogCollector collector) =>
        [.. collector.GetSnapshot().Where(record => record.Level == LogLevel.Warning && record.Message.Contains("running one turn", StringComparison.Ordinal))];
}
