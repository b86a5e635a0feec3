using Spillway.Actors;

namespace Shop;

/// <summary>
/// The same desk with a seeded race, kept to show a systematic test finding it: it asks how many items are in stock,
/// and then (in a later turn of the inventory) takes one. Another desk's check can come in between, and both desks sell
/// the last item. One desk alone is safe (its own turns run one at a time); two desks sharing an inventory are not.
/// </summary>
public sealed class RacyOrderDesk(ActorRef<StockMessage> inventory, ActorRef<Shipment> shipper) : Actor<OrderMessage>
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(5);

    /// <inheritdoc/>
    protected override async ValueTask ReceiveAsync(OrderMessage message)
    {
        if (message is OrderMessage.Place place)
        {
            // The race: check, then act, in two messages to another actor.
            var available = await inventory.Ask<int>(reply => new StockMessage.Check(reply), s_timeout);
            var accepted = available >= 1;
            if (accepted)
            {
                inventory.Tell(new StockMessage.Take(1));
                shipper.Tell(new Shipment(place.OrderId));
            }

            place.Reply.Send(accepted);
        }
    }
}
