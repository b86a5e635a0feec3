using QuickStart;
using Spillway.Actors.TestKit;

namespace Shop.Tests;

/// <summary>The QuickStart's counter, tested three ways: running, stepped, and its handler alone.</summary>
public class CounterTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(5);

    [Test]
    public async Task Report_AfterAddsThroughTwoReferences_HasTheTotalInOrder()
    {
        await using var kit = new ActorTestKit();
        var counter = kit.System.Spawn<Counter, CounterMessage>();
        var other = counter.Clone();

        counter.Tell(new CounterMessage.Add(Producer: 0, Sequence: 0, Amount: 2));
        other.Tell(new CounterMessage.Add(Producer: 1, Sequence: 0, Amount: 3));
        var report = await counter.Ask<CounterReport>(reply => new CounterMessage.Report(reply), s_timeout);

        Assert.That(report, Is.EqualTo(new CounterReport(Total: 5, Messages: 2, InOrder: true)));
    }

    [Test]
    public async Task Report_Deterministic_AnsweredOnlyWhenTheTestSteps()
    {
        await using var kit = new ActorTestKit(new ActorTestKitOptions { Mode = TestKitMode.Deterministic });
        var counter = kit.System.Spawn<Counter, CounterMessage>();

        counter.Tell(new CounterMessage.Add(0, 0, 7));
        var report = counter.Ask<CounterReport>(reply => new CounterMessage.Report(reply), s_timeout).AsTask();
        var answeredBeforeStep = report.IsCompleted;
        kit.RunUntilIdle();

        Assert.That(answeredBeforeStep, Is.False);
        Assert.That((await report).Total, Is.EqualTo(7));
    }

    [Test]
    public async Task Report_OutOfOrderSequence_HandlerAloneSaysSo()
    {
        var counter = new Counter();
        await ActorHandler.ReceiveAsync(counter, new CounterMessage.Add(0, 1, 1));
        var reply = TestReply.Create<CounterReport>();

        await ActorHandler.ReceiveAsync(counter, new CounterMessage.Report(reply.Reply));

        Assert.That((await reply.Task).InOrder, Is.False);
    }
}
