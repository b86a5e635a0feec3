using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Spillway.Actors.Hosting.Tests.TestKit;

namespace Spillway.Actors.Hosting.Tests.Logging;

/// <summary>
/// The lifecycle log: the scheduler's start and stop, an actor's start and stop at Debug, a failure at Error with the
/// exception, and a restart.
/// </summary>
public sealed class LifecycleLoggingTests
{
    [Test]
    public async Task SchedulerStartAndShutdown_LogsStartWithWorkerCountThenStop()
    {
        var collector = new FakeLogCollector();
        using var loggerFactory = Logs.CreateFactory(collector);
        var system = ActorSystem.Create(new ActorSystemOptions { Name = "logged", WorkerCount = 2, LoggerFactory = loggerFactory });

        var started = collector.WithEventId(LogEvents.SchedulerStarted).Single();
        await system.ShutdownAsync().OrTimeout();
        var stopped = collector.WithEventId(LogEvents.SchedulerStopped).Single();

        Assert.That(started.Level, Is.EqualTo(LogLevel.Information));
        Assert.That(started.GetStructuredStateValue("SystemName"), Is.EqualTo("logged"));
        Assert.That(started.GetStructuredStateValue("WorkerCount"), Is.EqualTo("2"));
        Assert.That(started.Category, Is.EqualTo(typeof(ActorSystem).FullName));
        Assert.That(stopped.Level, Is.EqualTo(LogLevel.Information));
        Assert.That(stopped.GetStructuredStateValue("SystemName"), Is.EqualTo("logged"));
        Assert.That(collector.WithEventId(LogEvents.SchedulerStopAbandoned), Is.Empty);
    }

    [Test]
    public async Task ActorStartAndStop_LoggedAtDebugWithPath()
    {
        var collector = new FakeLogCollector();
        using var loggerFactory = Logs.CreateFactory(collector);
        await using var system = ActorSystem.Create(new ActorSystemOptions { Name = "logged", WorkerCount = 1, LoggerFactory = loggerFactory });
        var actor = system.Spawn<CounterActor, Ping>("worker");

        await actor.SyncAsync();
        await system.StopAsync(actor).OrTimeout();

        var started = collector.WithEventId(LogEvents.ActorStarted).Single();
        var stopped = collector.WithEventId(LogEvents.ActorStopped).Single();
        Assert.That(started.Level, Is.EqualTo(LogLevel.Debug));
        Assert.That(stopped.Level, Is.EqualTo(LogLevel.Debug));
        Assert.That(started.GetStructuredStateValue("ActorPath"), Is.EqualTo("spillway://logged/worker"));
        Assert.That(stopped.GetStructuredStateValue("ActorPath"), Is.EqualTo("spillway://logged/worker"));
    }

    [Test]
    public async Task HandlerThrows_RestartStrategy_LogsFailureWithExceptionThenRestart()
    {
        var collector = new FakeLogCollector();
        using var loggerFactory = Logs.CreateFactory(collector);
        await using var system = ActorSystem.Create(new ActorSystemOptions { Name = "logged", WorkerCount = 1, LoggerFactory = loggerFactory });
        var actor = system.Spawn<CounterActor, Ping>("worker", new SpawnOptions { Supervision = SupervisionStrategy.Restart() });

        actor.Tell(new Ping(Fail: true));
        await actor.SyncAsync();

        var failed = collector.WithEventId(LogEvents.ActorFailed).Single();
        var restarted = collector.WithEventId(LogEvents.ActorRestarted).Single();
        Assert.That(failed.Level, Is.EqualTo(LogLevel.Error));
        Assert.That(failed.Exception, Is.SameAs(Ping.Failure));
        Assert.That(failed.GetStructuredStateValue("ActorPath"), Is.EqualTo("spillway://logged/worker"));
        Assert.That(failed.GetStructuredStateValue("Directive"), Is.EqualTo(nameof(SupervisionDirective.Restart)));
        Assert.That(restarted.Level, Is.EqualTo(LogLevel.Information));
        Assert.That(restarted.GetStructuredStateValue("RestartCount"), Is.EqualTo("1"));

        // Failure first, restart after: the restart line is what a reader looks for below the stack trace.
        var snapshot = collector.GetSnapshot();
        Assert.That(snapshot.ToList().IndexOf(failed), Is.LessThan(snapshot.ToList().IndexOf(restarted)));
    }

    [Test]
    public async Task HandlerThrows_StopStrategy_LogsFailureWithStopDirectiveAndNoRestart()
    {
        var collector = new FakeLogCollector();
        using var loggerFactory = Logs.CreateFactory(collector);
        await using var system = ActorSystem.Create(new ActorSystemOptions { Name = "logged", WorkerCount = 1, LoggerFactory = loggerFactory });
        var stopped = Wait.Signal();
        var actor = system.Spawn(
            () => new DelegateActor<Ping>
            {
                OnReceive = (_, _) => throw Ping.Failure,
                OnStopped = _ =>
                {
                    stopped.TrySetResult();
                    return default;
                },
            },
            "worker",
            new SpawnOptions { Supervision = SupervisionStrategy.Stop });

        actor.Tell(new Ping(Fail: true));
        await stopped.Task.OrTimeout();

        // The stop line is written just after the hook: the shutdown waits for every worker, so for that line too.
        await system.ShutdownAsync().OrTimeout();

        var failed = collector.WithEventId(LogEvents.ActorFailed).Single();
        Assert.That(failed.Exception, Is.SameAs(Ping.Failure));
        Assert.That(failed.GetStructuredStateValue("Directive"), Is.EqualTo(nameof(SupervisionDirective.Stop)));
        Assert.That(collector.WithEventId(LogEvents.ActorRestarted), Is.Empty);
        Assert.That(collector.WithEventId(LogEvents.ActorStopped), Has.Count.EqualTo(1));
    }
}
