namespace Spillway.Samples.Dashboard.Pipeline;

/// <summary>A line as a producer read it: <c>sensor-17;eu-west;42.5</c>, now and then a malformed one.</summary>
internal sealed record RawRecord(int Producer, long Sequence, string Line);
