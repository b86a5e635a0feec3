namespace Shop;

/// <summary>What an order desk tells the shipper for every accepted order.</summary>
/// <param name="OrderId">The order to ship.</param>
public sealed record Shipment(string OrderId);
