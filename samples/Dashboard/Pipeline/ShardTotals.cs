namespace Spillway.Samples.Dashboard.Pipeline;

/// <summary>What one aggregator shard has counted so far: the answer to <see cref="AggregatorMessage.GetTotals"/>.</summary>
internal sealed record ShardTotals(long Readings, long Alerts, int Regions);
