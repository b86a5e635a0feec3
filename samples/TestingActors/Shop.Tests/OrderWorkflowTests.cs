using Spillway.Actors;
using Spillway.Actors.TestKit;

namespace Shop.Tests;

/// <summary>An order desk, an inventory and a probe standing in for the shipper.</summary>
public class OrderWorkflowTests
{
    [Test]
    public async Task Place_InStock_AcceptsAndShips()
    {
        await using var kit = new ActorTestKit(new ActorTestKitOptions { Mode = TestKitMode.Deterministic });
        var shipper = kit.CreateProbe<Shipment>();
        var inventory = kit.System.Spawn(() => new Inventory(stock: 1));
        var desk = kit.System.Spawn(() => new OrderDesk(inventory, shipper.Ref));

        var accepted = Place(kit, desk, "A-1");

        Assert.That(await accepted, Is.True);
        Assert.That(await shipper.ExpectMessageAsync(), Is.EqualTo(new Shipment("A-1")));
    }

    [Test]
    public async Task Place_OutOfStock_RejectsAndShipsNothing()
    {
        await using var kit = new ActorTestKit(new ActorTestKitOptions { Mode = TestKitMode.Deterministic });
        var shipper = kit.CreateProbe<Shipment>();
        var inventory = kit.System.Spawn(() => new Inventory(stock: 0));
        var desk = kit.System.Spawn(() => new OrderDesk(inventory, shipper.Ref));

        var accepted = Place(kit, desk, "A-2");

        Assert.That(await accepted, Is.False);
        await shipper.ExpectNoMessageAsync(TimeSpan.FromMilliseconds(100));
    }

    [Test]
    public async Task Place_AfterAnHourOfFakeTime_RestockedItemShips()
    {
        await using var kit = new ActorTestKit(new ActorTestKitOptions { Mode = TestKitMode.Deterministic });
        var shipper = kit.CreateProbe<Shipment>();
        var inventory = kit.System.Spawn(() => new Inventory(stock: 0, restockAmount: 1, restockEvery: TimeSpan.FromHours(1)));
        var desk = kit.System.Spawn(() => new OrderDesk(inventory, shipper.Ref));

        kit.Advance(TimeSpan.FromHours(1));
        var accepted = Place(kit, desk, "A-3");

        Assert.That(await accepted, Is.True);
        Assert.That((await shipper.ExpectMessageAsync()).OrderId, Is.EqualTo("A-3"));
    }

    [Test]
    public async Task Place_InventoryAnswersThroughAProbe_DeskFollowsTheAnswer()
    {
        await using var kit = new ActorTestKit();
        var shipper = kit.CreateProbe<Shipment>();
        var inventory = kit.CreateProbe<StockMessage>();
        inventory.SetAutoPilot(message =>
        {
            if (message is StockMessage.TryTake tryTake)
            {
                tryTake.Reply.Send(true);
            }
        });
        var desk = kit.System.Spawn(() => new OrderDesk(inventory.Ref, shipper.Ref));

        var accepted = await desk.Ask<bool>(reply => new OrderMessage.Place("A-4", reply), TimeSpan.FromSeconds(5));

        Assert.That(accepted, Is.True);
        Assert.That((await inventory.ExpectMessageAsync<StockMessage.TryTake>()).Quantity, Is.EqualTo(1));
        Assert.That(await shipper.ExpectMessageAsync(), Is.EqualTo(new Shipment("A-4")));
    }

    [Test]
    public async Task Inventory_TryTakeTwiceWithOneInStock_SecondRefused()
    {
        var inventory = new Inventory(stock: 1);
        var first = TestReply.Create<bool>();
        var second = TestReply.Create<bool>();

        await ActorHandler.ReceiveAsync(inventory, new StockMessage.TryTake(1, first.Reply));
        await ActorHandler.ReceiveAsync(inventory, new StockMessage.TryTake(1, second.Reply));

        Assert.That(await first.Task, Is.True);
        Assert.That(await second.Task, Is.False);
    }

    /// <summary>Asks the desk to place an order and steps the system until it has answered.</summary>
    private static Task<bool> Place(ActorTestKit kit, ActorRef<OrderMessage> desk, string orderId)
    {
        var accepted = desk.Ask<bool>(reply => new OrderMessage.Place(orderId, reply), TimeSpan.FromSeconds(5)).AsTask();
        kit.RunUntilIdle();
        return accepted;
    }
}
