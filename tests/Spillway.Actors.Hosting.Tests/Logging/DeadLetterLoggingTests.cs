using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using Spillway.Actors.Hosting.Tests.TestKit;

namespace Spillway.Actors.Hosting.Tests.Logging;

/// <summary>
/// Dead letters are logged in aggregate: at most one line per interval carrying the count since the last line, plus a
/// last line at shutdown, so a flood writes a handful of lines whose counts add up to the flood.
/// </summary>
public sealed class DeadLetterLoggingTests
{
    [Test]
    public async Task Flood_TenThousandDeadLettersAcrossTwoIntervals_FewLinesWhoseCountsAddUp()
    {
        const int Flood = 10_000;
        var collector = new FakeLogCollector();
        using var loggerFactory = Logs.CreateFactory(collector);
        var time = new FakeTimeProvider();
        var system = ActorSystem.Create(new ActorSystemOptions
        {
            Name = "logged",
            WorkerCount = 1,
            LoggerFactory = loggerFactory,
            TimeProvider = time,
            SlowTurnThreshold = TimeSpan.Zero,
        });
        var actor = system.Spawn<CounterActor, Ping>("gone");
        await system.StopAsync(actor).OrTimeout();

        actor.TellMany(Flood / 2);
        time.Advance(TimeSpan.FromSeconds(2));
        actor.TellMany(Flood / 2);
        await system.ShutdownAsync().OrTimeout();

        var lines = collector.WithEventId(LogEvents.DeadLetters);
        var counts = lines.Select(line => long.Parse(line.GetStructuredStateValue("Count")!, CultureInfo.InvariantCulture)).ToArray();

        // The first dead letter, the first after the interval passed (with everything in between), and the rest at shutdown.
        Assert.That(counts, Is.EqualTo(new long[] { 1, Flood / 2, (Flood / 2) - 1 }));
        Assert.That(counts.Sum(), Is.EqualTo(Flood));
        Assert.That(lines, Has.All.Property(nameof(FakeLogRecord.Level)).EqualTo(LogLevel.Warning));
        Assert.That(lines[^1].GetStructuredStateValue("Total"), Is.EqualTo(Flood.ToString(CultureInfo.InvariantCulture)));
        Assert.That(lines[0].GetStructuredStateValue("Recipient"), Is.EqualTo("spillway://logged/gone"));
        Assert.That(lines[0].GetStructuredStateValue("Reason"), Is.EqualTo(nameof(DeadLetterReason.ActorStopped)));
        Assert.That(system.DeadLetterCount, Is.EqualTo(Flood));
    }

    [Test]
    public async Task Flood_RealClock_LinesAreFewAndCountsAddUp()
    {
        const int Flood = 10_000;
        var collector = new FakeLogCollector();
        using var loggerFactory = Logs.CreateFactory(collector);
        var system = ActorSystem.Create(new ActorSystemOptions { Name = "logged", WorkerCount = 1, LoggerFactory = loggerFactory });
        var actor = system.Spawn<CounterActor, Ping>("gone");
        await system.StopAsync(actor).OrTimeout();

        // From several threads at once: one of them logs per interval, the others only count.
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => actor.Clone().TellMany(Flood / 4))));
        await system.ShutdownAsync().OrTimeout();

        var counts = collector.WithEventId(LogEvents.DeadLetters)
            .Select(line => long.Parse(line.GetStructuredStateValue("Count")!, CultureInfo.InvariantCulture))
            .ToArray();
        Assert.That(counts.Sum(), Is.EqualTo(Flood));
        Assert.That(counts, Has.Length.LessThan(Flood / 100), "aggregated, not one line per dead letter");
    }
}
