using Spillway.Actors;

namespace Spillway.Samples.Dashboard.Pipeline;

/// <summary>The messages an <see cref="Aggregator"/> handles: a reading to count, or a request for its totals.</summary>
internal abstract record AggregatorMessage
{
    /// <summary>A reading to add to the shard's statistics.</summary>
    public sealed record Add(EnrichedReading Reading) : AggregatorMessage;

    /// <summary>A request for the shard's totals, answered through <paramref name="Reply"/> (sent with <c>Ask</c>).</summary>
    public sealed record GetTotals(Reply<ShardTotals> Reply) : AggregatorMessage;
}
