using Spillway.Actors;

namespace Shop;

/// <summary>The messages an <see cref="Inventory"/> understands.</summary>
public abstract record StockMessage
{
    /// <summary>Asks how many items are in stock.</summary>
    public sealed record Check(Reply<int> Reply) : StockMessage;

    /// <summary>Takes <paramref name="Quantity"/> items out of stock, no questions asked.</summary>
    public sealed record Take(int Quantity) : StockMessage;

    /// <summary>Takes <paramref name="Quantity"/> items if that many are in stock, and answers whether it did: check and act in one turn.</summary>
    public sealed record TryTake(int Quantity, Reply<bool> Reply) : StockMessage;

    /// <summary>Sent by the inventory's own timer: puts the restock amount back on the shelf.</summary>
    public sealed record Restock : StockMessage;
}
