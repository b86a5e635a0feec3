namespace Spillway.Samples.Dashboard.Pipeline;

/// <summary>A reading over the alert threshold, to be written to the (slow) archive.</summary>
internal sealed record Alert(string SensorId, string Region, double Value);
