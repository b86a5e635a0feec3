using Spillway.Actors;

namespace Shop;

/// <summary>The messages an order desk understands.</summary>
public abstract record OrderMessage
{
    /// <summary>Places an order for one item; the reply says whether it was accepted.</summary>
    public sealed record Place(string OrderId, Reply<bool> Reply) : OrderMessage;
}
