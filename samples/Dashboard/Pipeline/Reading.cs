namespace Spillway.Samples.Dashboard.Pipeline;

/// <summary>A parsed sensor reading, on its way to the enricher.</summary>
internal sealed record Reading(string SensorId, string RegionCode, double Value);
