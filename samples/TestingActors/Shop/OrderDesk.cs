using Spillway.Actors;

namespace Shop;

/// <summary>
/// Takes orders: reserves the item at the <see cref="Inventory"/> with one <see cref="StockMessage.TryTake"/> ask (the
/// inventory checks and takes in the same turn), then tells the shipper. Any number of desks can share one inventory.
/// </summary>
public sealed class OrderDesk(ActorRef<StockMessage> inventory, ActorRef<Shipment> shipper) : Actor<OrderMessage>
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(5);

    /// <inheritdoc/>
    protected override async ValueTask ReceiveAsync(OrderMessage message)
    {
        if (message is OrderMessage.Place place)
        {
            var taken = await inventory.Ask<bool>(reply => new StockMessage.TryTake(1, reply), s_timeout);
            if (taken)
            {
                shipper.Tell(new Shipment(place.OrderId));
            }

            place.Reply.Send(taken);
        }
    }
}
