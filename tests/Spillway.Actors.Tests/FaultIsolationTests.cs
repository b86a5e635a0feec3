using System.Threading.Tasks.Sources;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using Spillway.Actors.Tests.TestKit;

namespace Spillway.Actors.Tests;

/// <summary>
/// A fault in code the runtime runs around handlers (a logging provider, a dead-letter handler, an <c>async void</c>
/// method in actor code) never ends a worker thread or the process: the system starts, processes messages, supervises
/// and shuts down as if nothing had failed, on both schedulers. (Metrics listeners: see the hosting tests.)
/// </summary>
/// <remarks>
/// Before these faults were contained, most of these scenarios ended the test host itself (an exception thrown out of a
/// <c>catch</c> on a worker or pool thread): a crashed run is the failure they report then.
/// </remarks>
public sealed class FaultIsolationTests
{
    private static readonly InvalidOperationException s_handlerFailure = new("the handler failed on purpose");
    private static readonly InvalidOperationException s_asyncVoidFailure = new("an async void method failed on purpose");

    /// <summary>Where the <c>async void</c> method of <see cref="Job.FailAsyncVoid"/> throws.</summary>
    public enum FailPoint
    {
        /// <summary>Before its first await: the exception is posted from the actor's turn.</summary>
        Synchronously,

        /// <summary>After <c>Task.Yield</c>: from a continuation the actor posted.</summary>
        AfterYield,

        /// <summary>After a task the test completes: from a continuation posted by the test's thread, so no actor is known.</summary>
        AfterGate,
    }

    [TestCase(SchedulerKind.DedicatedThreads, false)]
    [TestCase(SchedulerKind.DedicatedThreads, true)]
    [TestCase(SchedulerKind.ThreadPool, false)]
    [TestCase(SchedulerKind.ThreadPool, true)]
    public async Task Lifecycle_LoggingProviderThrowsOnEveryCall_SystemStartsProcessesRestartsAndShutsDown(SchedulerKind scheduler, bool failIsEnabled)
    {
        var provider = new ThrowingLoggerProvider(failIsEnabled);
        using var factory = provider.CreateFactory();
        var system = ActorSystem.Create(new ActorSystemOptions { Scheduler = scheduler, WorkerCount = 2, LoggerFactory = factory });
        var actor = system.Spawn(() => new LoggingCounter(), "counter", new SpawnOptions { Supervision = SupervisionStrategy.Restart() });
        var other = system.Spawn(() => new LoggingCounter(), "other");

        for (var i = 0; i < 3; i++)
        {
            actor.Tell(new Job());
        }

        var beforeFailure = await CountAsync(actor);
        actor.Tell(new Job(Fail: true));
        var afterRestart = await CountAsync(actor);
        await system.StopAsync(actor).OrTimeout();
        actor.Tell(new Job());
        var otherCount = await CountAsync(other);
        await system.ShutdownAsync().OrTimeout();

        Assert.That(beforeFailure, Is.EqualTo(4), "a user log call that throws in the provider is not a handler failure");
        Assert.That(afterRestart, Is.EqualTo(1), "restarted once, for the failing message only");
        Assert.That(otherCount, Is.EqualTo(1));
        Assert.That(system.DeadLetterCount, Is.EqualTo(1));
        Assert.That(system.ActorCount, Is.Zero);
        Assert.That(provider.Calls, Is.GreaterThan(0), "the provider was live and threw");
        Assert.That(system.LoggingFaults.Count, Is.EqualTo(provider.Calls), "every provider failure was swallowed and counted");
        if (!failIsEnabled)
        {
            int[] reached = [LogEventIds.ActorStarted, LogEventIds.ActorFailed, LogEventIds.ActorRestarted, LogEventIds.ActorStopped, LogEventIds.DeadLetters];
            Assert.That(provider.EventIds, Is.SupersetOf(scheduler == SchedulerKind.DedicatedThreads ? [.. reached, LogEventIds.SchedulerStarted, LogEventIds.SchedulerStopped] : reached));
        }
    }

    [TestCase(SchedulerKind.DedicatedThreads)]
    [TestCase(SchedulerKind.ThreadPool)]
    public async Task Create_LoggingProviderCannotCreateLoggers_SystemRunsWithoutLogging(SchedulerKind scheduler)
    {
        var provider = new ThrowingLoggerProvider(failCreate: true);
        using var factory = provider.CreateFactory();
        var system = ActorSystem.Create(new ActorSystemOptions { Scheduler = scheduler, WorkerCount = 2, LoggerFactory = factory });
        var actor = system.Spawn(() => new LoggingCounter(), "counter");

        actor.Tell(new Job());
        var count = await CountAsync(actor);
        await system.ShutdownAsync().OrTimeout();

        Assert.That(count, Is.EqualTo(2));
        Assert.That(provider.Calls, Is.GreaterThan(0), "the provider was asked for loggers and threw");
        Assert.That(system.LoggingFaults.Count, Is.EqualTo(provider.Calls));
    }

    [Test]
    public async Task SlowTurnWarning_LoggingProviderThrows_WatchdogAndWorkersGoOn()
    {
        var provider = new ThrowingLoggerProvider();
        using var factory = provider.CreateFactory();
        var time = new FakeTimeProvider();
        await using var system = ActorSystem.Create(new ActorSystemOptions
        {
            WorkerCount = 2,
            TimeProvider = time,
            SlowTurnThreshold = TimeSpan.FromSeconds(2),
            LoggerFactory = factory,
        });
        using var release = new ManualResetEventSlim();
        var entered = Wait.Signal();
        var slow = system.Spawn(
            () => DelegateActor<int>.Of(_ =>
            {
                entered.TrySetResult();
                release.Wait(Wait.Timeout);
            }),
            "slow");
        var other = system.Spawn(() => new LoggingCounter(), "other");

        slow.Tell(1);
        await entered.Task.OrTimeout();

        // The watchdog ticks here, on this thread: its warning reaches the provider, which throws.
        Assert.That(() => time.Advance(TimeSpan.FromSeconds(3)), Throws.Nothing);
        var count = await CountAsync(other);
        release.Set();

        Assert.That(provider.EventIds, Does.Contain(LogEventIds.SlowTurn));
        Assert.That(count, Is.EqualTo(1));
    }

    [TestCase(SchedulerKind.DedicatedThreads, FailPoint.Synchronously)]
    [TestCase(SchedulerKind.DedicatedThreads, FailPoint.AfterYield)]
    [TestCase(SchedulerKind.DedicatedThreads, FailPoint.AfterGate)]
    [TestCase(SchedulerKind.ThreadPool, FailPoint.Synchronously)]
    [TestCase(SchedulerKind.ThreadPool, FailPoint.AfterYield)]
    [TestCase(SchedulerKind.ThreadPool, FailPoint.AfterGate)]
    public async Task AsyncVoidInHandler_Throws_LoggedAsErrorAndActorsKeepProcessing(SchedulerKind scheduler, FailPoint failPoint)
    {
        var failureLogged = Wait.Signal();
        FakeLogCollector? collector = null;

        // The sink runs after each record is stored: the failure's record is in the snapshot when it is signalled.
        collector = FakeLogCollector.Create(new FakeLogCollectorOptions
        {
            OutputSink = _ =>
            {
                if (collector!.GetSnapshot().Any(r => r.Exception == s_asyncVoidFailure))
                {
                    failureLogged.TrySetResult();
                }
            },
        });
        await using var system = ActorSystem.Create(new ActorSystemOptions
        {
            Scheduler = scheduler,
            WorkerCount = 2,
            LoggerFactory = FakeLogging.CreateFactory(collector),
        });
        var actor = system.Spawn(() => new LoggingCounter(), "counter", new SpawnOptions { Supervision = SupervisionStrategy.Restart() });
        var other = system.Spawn(() => new LoggingCounter(), "other");
        var gate = Wait.Signal();

        actor.Tell(new Job(FailAsyncVoid: failPoint, Gate: gate.Task));
        var afterFailure = await CountAsync(actor);
        gate.TrySetResult();
        await failureLogged.Task.OrTimeout();
        var later = await CountAsync(actor);
        var otherCount = await CountAsync(other);

        var record = collector.GetSnapshot().Single(r => r.Exception == s_asyncVoidFailure);
        Assert.That(record.Level, Is.EqualTo(LogLevel.Error));
        Assert.That(record.Id.Id, Is.EqualTo(LogEventIds.PostedCallbackFailed));
        Assert.That(record.Message, Does.Contain(failPoint == FailPoint.AfterGate ? "?" : actor.Path), "names the actor when the post came from its code");
        Assert.That(afterFailure, Is.EqualTo(2), "the handler itself completed: no supervision");
        Assert.That(later, Is.EqualTo(3), "the actor keeps processing, not restarted");
        Assert.That(otherCount, Is.EqualTo(1));
    }

    [TestCase(SchedulerKind.DedicatedThreads)]
    [TestCase(SchedulerKind.ThreadPool)]
    public async Task DeadLetterReceived_HandlerAndLoggingThrow_DeadLettersCountedWhileRunningAndDuringShutdown(SchedulerKind scheduler)
    {
        var provider = new ThrowingLoggerProvider();
        using var factory = provider.CreateFactory();
        var system = ActorSystem.Create(new ActorSystemOptions { Scheduler = scheduler, WorkerCount = 2, LoggerFactory = factory });
        var raised = 0;
        system.DeadLetterReceived += (_, _) =>
        {
            Interlocked.Increment(ref raised);
            throw new InvalidOperationException("a broken dead-letter handler");
        };
        var stopped = system.Spawn(() => new LoggingCounter(), "stopped");
        await system.StopAsync(stopped).OrTimeout();
        var busy = system.Spawn(() => new LoggingCounter(), "busy");
        var entered = Wait.Signal();
        var gate = Wait.Signal();

        // While running: raised on this thread by the tell.
        Assert.That(() => stopped.Tell(new Job()), Throws.Nothing);

        // During shutdown: an immediate stop turns the queued messages into dead letters on a worker.
        busy.Tell(new Job(Entered: entered, Gate: gate.Task));
        await entered.Task.OrTimeout();
        busy.Tell(new Job());
        busy.Tell(new Job());
        var shutdown = system.ShutdownAsync(new CancellationToken(canceled: true));
        gate.TrySetResult();
        await shutdown.OrTimeout();

        // And after it: raised on this thread again.
        Assert.That(() => busy.Tell(new Job()), Throws.Nothing);
        Assert.That(system.DeadLetterCount, Is.EqualTo(4));
        Assert.That(Volatile.Read(ref raised), Is.EqualTo(4), "the handler ran for every dead letter");
        Assert.That(provider.EventIds, Does.Contain(LogEventIds.DeadLetterHandlerFailed), "the handler's failure was logged, and that threw too");
        Assert.That(system.ActorCount, Is.Zero);
    }

    [TestCase(SchedulerKind.DedicatedThreads)]
    [TestCase(SchedulerKind.ThreadPool)]
    public async Task Handler_ValueTaskSourceThrowsWhenAskedItsStatus_ThatActorStopsAndTheOnlyWorkerGoesOn(SchedulerKind scheduler)
    {
        // A fault the turn cannot attribute to a handler (the runtime asks the returned ValueTask whether it completed,
        // outside the handler's try): the worker survives, the actor is stopped rather than left scheduled forever, and
        // one worker is enough for another actor to go on.
        var provider = new ThrowingLoggerProvider(failIsEnabled: false);
        using var factory = provider.CreateFactory();
        await using var system = ActorSystem.Create(new ActorSystemOptions { Scheduler = scheduler, WorkerCount = 1, LoggerFactory = factory });
        var broken = system.Spawn(() => new BrokenValueTaskActor(), "broken");
        var other = system.Spawn(() => new LoggingCounter(), "other");

        broken.Tell(1);
        await broken.Cell.Completion.OrTimeout();
        var otherCount = await CountAsync(other);
        broken.Tell(2);

        Assert.That(broken.IsStopped, Is.True);
        Assert.That(otherCount, Is.EqualTo(1));
        Assert.That(provider.EventIds, Does.Contain(LogEventIds.WorkItemFailed), "the fault was logged (and the provider threw)");
        Assert.That(system.DeadLetterCount, Is.EqualTo(1), "the stopped actor's later message is a dead letter");
    }

    private static Task<int> CountAsync(ActorRef<Job> actor) => actor.Ask<int>(reply => new Job(Reply: reply), Wait.Timeout).AsTask();

    private static async void FailInAsyncVoid(FailPoint failPoint, Task gate)
    {
        switch (failPoint)
        {
            case FailPoint.AfterYield:
                await Task.Yield();
                break;
            case FailPoint.AfterGate:
                await gate;
                break;
        }

        throw s_asyncVoidFailure;
    }

    /// <summary>The runtime's log event ids these tests look for (see the runtime's <c>Log</c> class).</summary>
    private static class LogEventIds
    {
        public const int SchedulerStarted = 1;
        public const int SchedulerStopped = 2;
        public const int SlowTurn = 4;
        public const int WorkItemFailed = 5;
        public const int PostedCallbackFailed = 6;
        public const int ActorStarted = 10;
        public const int ActorStopped = 11;
        public const int ActorRestarted = 12;
        public const int ActorFailed = 13;
        public const int DeadLetters = 20;
        public const int DeadLetterHandlerFailed = 21;
    }

    /// <summary>
    /// A message of <see cref="LoggingCounter"/>: <see cref="Fail"/> throws from the handler, <see cref="FailAsyncVoid"/>
    /// starts an <c>async void</c> method that throws, <see cref="Gate"/> is awaited after <see cref="Entered"/> is set,
    /// and <see cref="Reply"/> answers with the count so far.
    /// </summary>
    private sealed record Job(
        bool Fail = false,
        Reply<int>? Reply = null,
        FailPoint? FailAsyncVoid = null,
        TaskCompletionSource? Entered = null,
        Task? Gate = null);

    /// <summary>Counts its messages; logs through its context's logger, in a scope, on every message.</summary>
    private sealed class LoggingCounter : Actor<Job>
    {
        private int _count;

        protected override async ValueTask ReceiveAsync(Job message)
        {
            using (Context.Logger.BeginScope("job {Count}", _count))
            {
                Context.Logger.LogInformation("Handling job {Count}", _count);
            }

            if (message.FailAsyncVoid is { } failPoint)
            {
                FailInAsyncVoid(failPoint, message.Gate ?? Task.CompletedTask);
            }
            else if (message.Gate is { } gate)
            {
                message.Entered?.TrySetResult();
                await gate;
            }

            if (message.Fail)
            {
                throw s_handlerFailure;
            }

            _count++;
            message.Reply?.Send(_count);
        }
    }

    /// <summary>Returns, for every message, a ValueTask whose source throws when the runtime asks for its status.</summary>
    private sealed class BrokenValueTaskActor : Actor<int>
    {
        protected override ValueTask ReceiveAsync(int message) => new(BrokenValueTaskSource.Instance, token: 0);
    }

    /// <summary>An <see cref="IValueTaskSource"/> that fails every call: a bug in code the handler returned, not in the handler.</summary>
    private sealed class BrokenValueTaskSource : IValueTaskSource
    {
        public static readonly BrokenValueTaskSource Instance = new();

        public ValueTaskSourceStatus GetStatus(short token) => throw new InvalidOperationException("this source is broken on purpose");

        public void GetResult(short token) => throw new InvalidOperationException("this source is broken on purpose");

        public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
            throw new InvalidOperationException("this source is broken on purpose");
    }
}
