using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using Spillway.Actors.Tests.TestKit;

namespace Spillway.Actors.Tests;

/// <summary>
/// Sync-over-async in handlers must not wedge the dedicated-thread scheduler: when every worker is stuck in one turn
/// while work waits (here, handlers blocking on an await whose continuation needs a worker), a starvation check on the
/// system's clock starts a temporary extra worker, logs which actors hold the workers, and the extra worker retires once
/// the starvation is over. The clock is fake, so the check runs exactly when a test advances it.
/// </summary>
public sealed class SchedulerStarvationTests
{
    private static readonly TimeSpan s_threshold = DedicatedThreadScheduler.StarvationThreshold;

    [TestCase(1)]
    [TestCase(2)]
    public async Task Tell_EveryWorkerBlockedOnSyncOverAsync_UnrelatedActorRunsOnceThresholdPasses(int workers)
    {
        await using var starved = await StarvedSystem.StartAsync(workers);
        var unrelatedRan = starved.TellUnrelated();

        // Short of the threshold the check has not ticked: nothing is started.
        starved.Time.Advance(s_threshold / 2);
        Assert.That(starved.Scheduler.ExtraWorkers, Is.Zero);

        // The first tick sees every worker inside a turn, the second sees them inside the same turns, with work waiting.
        starved.Time.Advance(s_threshold * 2);
        await unrelatedRan.OrTimeout();

        Assert.That(unrelatedRan.IsCompletedSuccessfully, Is.True);
        Assert.That(starved.Finished.IsSet, Is.False, "the blockers still wait for their gate");
    }

    [Test]
    public async Task Starvation_EveryWorkerBlockedButNothingWaits_NoExtraWorkerUntilWorkArrives()
    {
        await using var starved = await StarvedSystem.StartAsync(workers: 1);

        // Stuck turns alone are the slow-turn watchdog's business: with nothing waiting, an extra worker has nothing to do.
        starved.Time.Advance(s_threshold * 4);
        Assert.That(starved.Scheduler.ExtraWorkers, Is.Zero);

        // The worker has been seen inside the same turn for ticks now: the first tick after work arrives starts one.
        var unrelatedRan = starved.TellUnrelated();
        starved.Time.Advance(s_threshold);
        await unrelatedRan.OrTimeout();

        Assert.That(starved.StarvationWarnings(), Has.Count.EqualTo(1));
    }

    [TestCase(1)]
    [TestCase(2)]
    public async Task SyncOverAsync_ContinuationsQueuedBehindBlockedWorkers_BlockedHandlersComplete(int workers)
    {
        await using var starved = await StarvedSystem.StartAsync(workers);

        // The gate opens: each blocker's await continuation is posted to the actor scheduler, behind the very workers
        // that wait for it. Without another worker none of them can ever run.
        starved.OpenGate();
        starved.Time.Advance(s_threshold * 2);

        Assert.That(Wait.For(starved.Finished), Is.True);
    }

    [TestCase(1)]
    [TestCase(2)]
    public async Task SyncOverAsync_EveryWorkerBlocked_OneWarningNamesTheBlockingActors(int workers)
    {
        await using var starved = await StarvedSystem.StartAsync(workers);
        var unrelatedRan = starved.TellUnrelated();

        starved.Time.Advance(s_threshold * 2);
        await unrelatedRan.OrTimeout();
        var warnings = starved.StarvationWarnings();

        Assert.That(warnings, Has.Count.EqualTo(1));
        Assert.That(warnings[0].Level, Is.EqualTo(LogLevel.Warning));
        foreach (var blocker in starved.Blockers)
        {
            Assert.That(warnings[0].Message, Does.Contain(blocker.Path));
        }

        Assert.That(warnings[0].GetStructuredStateValue("WorkerIndex"), Is.EqualTo(workers.ToString(System.Globalization.CultureInfo.InvariantCulture)));
    }

    [TestCase(1)]
    [TestCase(2)]
    public async Task SyncOverAsync_BlockersFinish_ExtraWorkerRetires(int workers)
    {
        await using var starved = await StarvedSystem.StartAsync(workers);
        var unrelatedRan = starved.TellUnrelated();
        starved.Time.Advance(s_threshold * 2);
        await unrelatedRan.OrTimeout();
        var extraThreads = starved.Scheduler.ExtraThreads;
        Assert.That(extraThreads, Has.Count.EqualTo(1));
        Assert.That(starved.Scheduler.ExtraWorkers, Is.EqualTo(1));

        // The extra worker stays while the blocked turns last (it is the one that runs their continuations), then leaves.
        starved.OpenGate();
        Assert.That(Wait.For(starved.Finished), Is.True);

        Assert.That(extraThreads[0].Join(Wait.Timeout), Is.True, "the extra worker retired");
        Assert.That(starved.Scheduler.ExtraWorkers, Is.Zero);
    }

    [TestCase(1)]
    [TestCase(2)]
    public async Task ShutdownAsync_ExtraWorkerStarted_CompletesAndEveryThreadExits(int workers)
    {
        await using var starved = await StarvedSystem.StartAsync(workers);
        var unrelatedRan = starved.TellUnrelated();
        starved.Time.Advance(s_threshold * 2);
        await unrelatedRan.OrTimeout();
        var extraThreads = starved.Scheduler.ExtraThreads;

        // Shut down while the extra worker may still be needed: the blockers' continuations are queued only now.
        starved.OpenGate();
        await starved.System.ShutdownAsync().OrTimeout();

        Assert.That(starved.Finished.IsSet, Is.True);
        Assert.That(extraThreads, Has.Count.EqualTo(1));
        Assert.That(starved.Scheduler.Threads.Concat(extraThreads).Where(thread => thread.IsAlive), Is.Empty);
    }

    [Test]
    public async Task SyncOverAsync_ContinuationInTheBlockedWorkersNextSlot_HandlerCompletes()
    {
        var time = new FakeTimeProvider();
        var system = ActorSystem.Create(new ActorSystemOptions { WorkerCount = 1, TimeProvider = time });
        var entered = Wait.Signal();
        var finished = Wait.Signal();
        var actor = system.Spawn(() => DelegateActor<int>.Of(_ =>
        {
            // Task.Yield posts its continuation to the actor context from this very worker, so it lands in this worker's
            // next slot (the rescuer moves it to the shared queue): posted before the worker blocks, run by nobody else.
            var pending = YieldAsync();
            entered.TrySetResult();
            pending.GetAwaiter().GetResult();
            finished.TrySetResult();
        }));

        try
        {
            actor.Tell(1);
            await entered.Task.OrTimeout();
            time.Advance(s_threshold * 2);
            await finished.Task.OrTimeout();

            Assert.That(finished.Task.IsCompletedSuccessfully, Is.True);
        }
        finally
        {
            // Bounded: on a scheduler that cannot run the continuation the handler never returns.
            using var cancel = new CancellationTokenSource(Wait.Timeout);
            await system.ShutdownAsync(cancel.Token);
        }
    }

    [Test]
    public async Task Starvation_MoreBlockersThanTheCap_OneExtraWorkerPerCheckUpToTheCap()
    {
        var time = new FakeTimeProvider();
        var collector = new FakeLogCollector();
        await using var system = ActorSystem.Create(new ActorSystemOptions
        {
            Name = "capped",
            WorkerCount = 1,
            TimeProvider = time,
            LoggerFactory = FakeLogging.CreateFactory(collector),
        });
        var scheduler = (DedicatedThreadScheduler)system.Scheduler;
        var cap = scheduler.MaxExtraWorkers;
        using var release = new ManualResetEventSlim();
        using var entered = new SemaphoreSlim(0);
        using var finished = new CountdownEvent(cap + 2);
        for (var i = 0; i < cap + 2; i++)
        {
            system.Spawn(() => DelegateActor<int>.Of(_ =>
            {
                entered.Release();
                release.Wait(Wait.Timeout);
                finished.Signal();
            })).Tell(i);
        }

        try
        {
            Assert.That(await entered.WaitAsync(Wait.Timeout), Is.True, "the worker took the first blocker");
            for (var started = 1; started <= cap; started++)
            {
                // Two ticks: the first sees the newest worker inside its turn, the second inside the same turn.
                time.Advance(s_threshold * 2);
                Assert.That(await entered.WaitAsync(Wait.Timeout), Is.True, $"extra worker {started} took a blocker");
                Assert.That(scheduler.ExtraWorkers, Is.EqualTo(started), "one extra worker per check");
            }

            time.Advance(s_threshold * 10);

            Assert.That(scheduler.ExtraWorkers, Is.EqualTo(cap));
            Assert.That(entered.CurrentCount, Is.Zero, "the last blocker waits: no worker beyond the cap");
            Assert.That(collector.GetSnapshot().Count(IsStarvationWarning), Is.EqualTo(cap));
        }
        finally
        {
            release.Set();
        }

        Assert.That(Wait.For(finished), Is.True);
        foreach (var thread in scheduler.ExtraThreads)
        {
            Assert.That(thread.Join(Wait.Timeout), Is.True, "every extra worker retired");
        }

        Assert.That(scheduler.ExtraWorkers, Is.Zero);
    }

    private static async Task YieldAsync() => await Task.Yield(); // Resumes on the actor context: no ConfigureAwait.

    private static bool IsStarvationWarning(FakeLogRecord record) => record.Level == LogLevel.Warning && record.Id.Name == "WorkersStarved";

    /// <summary>
    /// A system on a fake clock whose every worker is held by an actor blocking on async work: its handler waits
    /// synchronously for an async method that awaits <see cref="OpenGate"/>'s task on the actor context.
    /// </summary>
    private sealed class StarvedSystem : IAsyncDisposable
    {
        private readonly TaskCompletionSource _gate = Wait.Signal();
        private readonly CountdownEvent _entered;

        private StarvedSystem(int workers)
        {
            _entered = new CountdownEvent(workers);
            Finished = new CountdownEvent(workers);
            System = ActorSystem.Create(new ActorSystemOptions
            {
                Name = "starved",
                WorkerCount = workers,
                TimeProvider = Time,
                LoggerFactory = FakeLogging.CreateFactory(Logs),
            });
            Blockers = [.. Enumerable.Range(0, workers).Select(i => System.Spawn(() => DelegateActor<int>.Of(_ => Block()), $"blocker-{i}"))];
        }

        public FakeTimeProvider Time { get; } = new();

        public FakeLogCollector Logs { get; } = new();

        public ActorSystem System { get; }

        public DedicatedThreadScheduler Scheduler => (DedicatedThreadScheduler)System.Scheduler;

        public IReadOnlyList<ActorRef<int>> Blockers { get; }

        /// <summary>Set once every blocker's handler has returned.</summary>
        public CountdownEvent Finished { get; }

        /// <summary>Creates the system and waits until every worker is inside a blocker's handler.</summary>
        public static async Task<StarvedSystem> StartAsync(int workers)
        {
            var starved = new StarvedSystem(workers);
            foreach (var blocker in starved.Blockers)
            {
                blocker.Tell(0);
            }

            if (!Wait.For(starved._entered))
            {
                await starved.DisposeAsync();
                Assert.Fail("the blockers did not all start");
            }

            return starved;
        }

        /// <summary>Completes the task the blockers' async methods await; their continuations go to the actor scheduler.</summary>
        public void OpenGate() => _gate.TrySetResult();

        /// <summary>Tells a new actor, unrelated to the blockers, one message; the task completes when it has handled it.</summary>
        public Task TellUnrelated()
        {
            var ran = Wait.Signal();
            System.Spawn(() => DelegateActor<int>.Of(_ => ran.TrySetResult()), "unrelated").Tell(1);
            return ran.Task;
        }

        public List<FakeLogRecord> StarvationWarnings() => [.. Logs.GetSnapshot().Where(IsStarvationWarning)];

        public async ValueTask DisposeAsync()
        {
            OpenGate();

            // Bounded: on a scheduler that cannot run the continuations the blockers never return.
            using var cancel = new CancellationTokenSource(Wait.Timeout);
            await System.ShutdownAsync(cancel.Token);
            _entered.Dispose();
            Finished.Dispose();
        }

        private static async Task AwaitGateAsync(Task gate) => await gate; // Resumes on the actor context: no ConfigureAwait.

        private void Block()
        {
            _entered.Signal();

            // Sync over async: this worker now waits for a continuation that only a worker of this scheduler can run.
            AwaitGateAsync(_gate.Task).GetAwaiter().GetResult();
            Finished.Signal();
        }
    }
}
