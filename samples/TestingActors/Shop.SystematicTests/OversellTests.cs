using Spillway.Actors;
using Spillway.Actors.TestKit;
using Spillway.Actors.TestKit.Coyote;

namespace Shop.SystematicTests;

/// <summary>
/// Two customers order the last item at the same time, each at a desk of their own. Coyote runs the scenario over many
/// interleavings of the desks', the inventory's and the customers' steps: the racy desk oversells in some of them, and
/// the engine finds one and hands back its trace; the fixed desk never does.
/// </summary>
public class OversellTests
{
    private const int Iterations = 100;

    [Test]
    public void RacyOrderDesk_TwoOrdersForTheLastItem_CoyoteFindsTheOversellAndReplaysIt()
    {
        var scenario = TwoOrdersForTheLastItem((inventory, shipper) => new RacyOrderDesk(inventory, shipper));

        var report = ActorSystematicTest.Run(scenario, new SystematicTestOptions { Iterations = Iterations, Seed = 42 });
        TestContext.Out.WriteLine(report);

        Assert.That(report.BugFound, Is.True, "Coyote should find the check-then-act race");
        Assert.That(report.Bugs, Has.Some.Contains("oversold"));

        // The trace replays exactly the failing interleaving, as often as needed (under a debugger, say).
        var replay = ActorSystematicTest.Replay(scenario, report.ReproducibleTrace);
        Assert.That(replay.BugFound, Is.True, "the trace should reproduce the bug");
        Assert.That(replay.Bugs, Has.Some.Contains("oversold"));
    }

    [Test]
    public void OrderDesk_TwoOrdersForTheLastItem_NeverOversells()
    {
        var scenario = TwoOrdersForTheLastItem((inventory, shipper) => new OrderDesk(inventory, shipper));

        var report = ActorSystematicTest.Run(scenario, new SystematicTestOptions { Iterations = Iterations, Seed = 42 });
        TestContext.Out.WriteLine(report);

        report.ThrowIfBugFound();
        Assert.That(report.Iterations, Is.EqualTo(Iterations));
        Assert.That(report.UncontrolledInvocations, Is.Empty, "every interleaving the engine explored was under its control");
    }

    /// <summary>One item in stock, two desks, two customers ordering concurrently: exactly one order may succeed.</summary>
    private static Func<ActorTestKit, Task> TwoOrdersForTheLastItem(
        Func<ActorRef<StockMessage>, ActorRef<Shipment>, Actor<OrderMessage>> createDesk) => async kit =>
    {
        var inventory = kit.System.Spawn(() => new Inventory(stock: 1));
        var shipper = kit.CreateProbe<Shipment>();
        var desk1 = kit.System.Spawn(() => createDesk(inventory, shipper.Ref));
        var desk2 = kit.System.Spawn(() => createDesk(inventory, shipper.Ref));

        var first = Task.Run(() => desk1.Ask<bool>(reply => new OrderMessage.Place("first", reply), Timeout.InfiniteTimeSpan).AsTask());
        var second = Task.Run(() => desk2.Ask<bool>(reply => new OrderMessage.Place("second", reply), Timeout.InfiniteTimeSpan).AsTask());
        var accepted = (await first ? 1 : 0) + (await second ? 1 : 0);
        var left = await inventory.Ask<int>(reply => new StockMessage.Check(reply), Timeout.InfiniteTimeSpan);

        // Checked by throwing (a probe's expectation would throw the same way): the engine reports it as the bug.
        if (accepted != 1 || left != 0)
        {
            throw new TestKitAssertionException($"one item in stock and two orders: {accepted} accepted, {left} left in stock (oversold)");
        }

        // Probes work here too: an expectation waits without a time-out (the engine reports a wait that cannot end).
        await shipper.ExpectMessageAsync();
        await shipper.ExpectNoMessageAsync(TimeSpan.Zero);
    };
}
