using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using Spillway.Actors.Hosting.Tests.TestKit;

namespace Spillway.Actors.Hosting.Tests.Logging;

/// <summary>
/// The slow-turn watchdog: a handler that blocks its worker past <see cref="ActorSystemOptions.SlowTurnThreshold"/> is
/// reported once, at Warning, naming the actor.
/// </summary>
public sealed class SlowTurnLoggingTests
{
    [Test]
    public async Task HandlerBlocksPastThreshold_LogsOneWarningNamingTheActor()
    {
        var collector = new FakeLogCollector();
        using var loggerFactory = Logs.CreateFactory(collector);
        var time = new FakeTimeProvider();
        await using var system = ActorSystem.Create(new ActorSystemOptions
        {
            Name = "logged",
            WorkerCount = 1,
            LoggerFactory = loggerFactory,
            TimeProvider = time,
            SlowTurnThreshold = TimeSpan.FromSeconds(1),
        });
        var actor = system.Spawn<CounterActor, Ping>("sleeper");
        using var block = new ManualResetEventSlim();
        var entered = Wait.Signal();
        actor.Tell(new Ping(Entered: entered, Block: block));
        await entered.Task.OrTimeout();

        // The watchdog's timer runs on the fake clock, inline in Advance: no wall-clock wait anywhere.
        time.Advance(TimeSpan.FromSeconds(3));
        var warnings = collector.WithEventId(LogEvents.SlowTurn);
        block.Set();
        await actor.SyncAsync();

        var warning = warnings.Single();
        Assert.That(warning.Level, Is.EqualTo(LogLevel.Warning));
        Assert.That(warning.GetStructuredStateValue("Actor"), Is.EqualTo("spillway://logged/sleeper"));
        Assert.That(warning.GetStructuredStateValue("WorkerIndex"), Is.EqualTo("0"));
        Assert.That(double.Parse(warning.GetStructuredStateValue("ElapsedSeconds")!, System.Globalization.CultureInfo.InvariantCulture), Is.GreaterThanOrEqualTo(1.0));
    }
}
