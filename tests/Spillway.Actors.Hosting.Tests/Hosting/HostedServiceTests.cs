using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Spillway.Actors.Hosting.Tests.TestKit;

namespace Spillway.Actors.Hosting.Tests.Hosting;

/// <summary>
/// The hosted service: the system runs while the host runs; the host's stop drains every mailbox, so nothing told
/// before the stop is lost; and when the host's shutdown token fires first, what could not be processed becomes dead
/// letters and one warning gives their count.
/// </summary>
public sealed class HostedServiceTests
{
    [Test]
    public async Task StopAsync_BacklogsQueuedWhenStopBegins_EveryMessageToldBeforeIsProcessed()
    {
        const int PerActor = 1_000;
        var collector = new FakeLogCollector();
        using var host = BuildHost(collector);
        await host.StartAsync().OrTimeout();
        var system = host.Services.GetRequiredService<ActorSystem>();
        var gate = Wait.Signal();

        var workers = Enumerable.Range(0, 3).Select(i => system.Spawn<CounterActor, Ping>($"worker-{i}")).ToArray();
        var lastAnswers = workers.Select(worker =>
        {
            worker.Tell(new Ping(Gate: gate.Task));
            worker.TellMany(PerActor - 2);
            return worker.SyncAsync();
        }).ToArray();

        // The gate opens only once the shutdown has begun (its drain waits for the gated handlers): so every backlog is
        // still queued behind its gated first message when the mailboxes are sealed.
        var stopping = host.StopAsync();
        Assert.That(SpinWait.SpinUntil(() => system.IsShuttingDown, Wait.Timeout), Is.True, "the shutdown began");
        gate.TrySetResult();
        await stopping.OrTimeout();

        // Each last ask was answered by an actor that had handled all PerActor messages, the gated one included.
        Assert.That(await Task.WhenAll(lastAnswers).OrTimeout(), Is.All.EqualTo(PerActor));
        Assert.That(gate.Task.IsCompleted, Is.True);
        Assert.That(system.DeadLetterCount, Is.Zero);
        Assert.That(system.ActorCount, Is.Zero);
        Assert.That(workers.Select(worker => worker.IsStopped), Is.All.True);
        Assert.That(collector.WithEventId(LogEvents.ShutdownIncomplete), Is.Empty);
        Assert.That(collector.WithEventId(LogEvents.SchedulerStopped), Has.Count.EqualTo(1));
    }

    [Test]
    public async Task StopAsync_ShutdownTokenFiresBeforeDrainCompletes_LeftoverBecomesDeadLettersAndWarningLogsCount()
    {
        const int Leftover = 10;
        var collector = new FakeLogCollector();
        var time = new TimerWatchingTimeProvider();
        using var host = BuildHost(collector, time);
        await host.StartAsync().OrTimeout();
        var system = host.Services.GetRequiredService<ActorSystem>();
        var deadLetters = new ConcurrentQueue<DeadLetter>();
        system.DeadLetterReceived += (_, letter) => deadLetters.Enqueue(letter);
        var actor = system.Spawn<CounterActor, Ping>("slow");
        var entered = Wait.Signal();
        var gate = Wait.Signal();
        actor.Tell(new Ping(Entered: entered, Gate: gate.Task));
        await entered.Task.OrTimeout();
        actor.TellMany(Leftover);

        using var shutdownToken = new CancellationTokenSource();
        await shutdownToken.CancelAsync();
        var stopping = host.StopAsync(shutdownToken.Token);

        // The handler never returns while the shutdown runs: the shutdown gives up on it, claims the suspended turn and
        // reports the messages behind it. Releasing the handler afterwards changes nothing.
        await stopping.OrTimeout();
        gate.SetResult();

        Assert.That(deadLetters, Has.Count.EqualTo(Leftover));
        Assert.That(deadLetters.Select(letter => letter.Reason), Is.All.EqualTo(DeadLetterReason.SystemShutdown));
        Assert.That(deadLetters.Select(letter => letter.Recipient), Is.All.EqualTo(actor.Path));
        Assert.That(system.DeadLetterCount, Is.EqualTo(Leftover));
        var warning = collector.WithEventId(LogEvents.ShutdownIncomplete).Single();
        Assert.That(warning.Level, Is.EqualTo(LogLevel.Warning));
        Assert.That(warning.GetStructuredStateValue("Count"), Is.EqualTo(Leftover.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        Assert.That(warning.Message, Does.Contain($"{Leftover} messages could not be processed"));
        Assert.That(collector.WithEventId(LogEvents.SchedulerStopAbandoned), Is.Empty);
        Assert.That(collector.WithEventId(LogEvents.SchedulerStopped), Has.Count.EqualTo(1));
    }

    private static IHost BuildHost(FakeLogCollector collector, TimeProvider? time = null)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Logging.SetMinimumLevel(LogLevel.Debug).AddProvider(new FakeLoggerProvider(collector));
        if (time is not null)
        {
            builder.Services.AddSingleton(time);
        }

        builder.Services.AddSpillwayActors(options =>
        {
            options.WorkerCount = 2;

            // No slow-turn watchdog: its timer would be one more on the fake clock.
            options.SlowTurnThreshold = TimeSpan.Zero;
        });
        return builder.Build();
    }
}
