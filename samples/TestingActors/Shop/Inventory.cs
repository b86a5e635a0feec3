using Spillway.Actors;

namespace Shop;

/// <summary>Keeps the stock of one item; restocks on a timer when asked to.</summary>
/// <param name="stock">The items in stock at the start.</param>
/// <param name="restockAmount">How many items each restock adds; 0 for none.</param>
/// <param name="restockEvery">How often to restock.</param>
public sealed class Inventory(int stock, int restockAmount = 0, TimeSpan restockEvery = default) : Actor<StockMessage>
{
    private int _stock = stock;

    /// <inheritdoc/>
    protected override ValueTask OnStartedAsync()
    {
        if (restockAmount > 0)
        {
            Context.SchedulePeriodic(new StockMessage.Restock(), restockEvery, restockEvery);
        }

        return default;
    }

    /// <inheritdoc/>
    protected override ValueTask ReceiveAsync(StockMessage message)
    {
        switch (message)
        {
            case StockMessage.Check check:
                check.Reply.Send(_stock);
                break;
            case StockMessage.Take take:
                _stock -= take.Quantity;
                break;
            case StockMessage.TryTake tryTake:
                var enough = _stock >= tryTake.Quantity;
                if (enough)
                {
                    _stock -= tryTake.Quantity;
                }

                tryTake.Reply.Send(enough);
                break;
            case StockMessage.Restock:
                _stock += restockAmount;
                break;
        }

        return default;
    }
}
