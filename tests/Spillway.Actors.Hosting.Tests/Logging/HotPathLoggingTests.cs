using Microsoft.Extensions.Logging.Testing;
using Spillway.Actors.Hosting.Tests.TestKit;

namespace Spillway.Actors.Hosting.Tests.Logging;

/// <summary>Nothing is logged per message: a normal tell loop adds no log records, even at Debug.</summary>
public sealed class HotPathLoggingTests
{
    [Test]
    public async Task TellLoop_TenThousandMessagesAtDebugLevel_NoRecordPerMessage()
    {
        const int Told = 10_000;
        var collector = new FakeLogCollector();
        using var loggerFactory = Logs.CreateFactory(collector);
        await using var system = ActorSystem.Create(new ActorSystemOptions { Name = "logged", WorkerCount = 2, LoggerFactory = loggerFactory });
        var actor = system.Spawn<CounterActor, Ping>("busy");
        await actor.SyncAsync();
        var before = collector.Count;

        actor.TellMany(Told);
        var handled = await actor.SyncAsync();

        Assert.That(handled, Is.EqualTo(Told + 2));
        Assert.That(collector.Count, Is.EqualTo(before), string.Join(Environment.NewLine, collector.GetSnapshot().Skip(before)));
    }
}
