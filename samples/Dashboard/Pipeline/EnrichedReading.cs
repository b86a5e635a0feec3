namespace Spillway.Samples.Dashboard.Pipeline;

/// <summary>A reading with its region's display name, on its way to an aggregator shard.</summary>
internal sealed record EnrichedReading(string SensorId, string Region, double Value);
