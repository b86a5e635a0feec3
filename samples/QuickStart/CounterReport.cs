namespace QuickStart;

/// <summary>What a <see cref="Counter"/> answers to <see cref="CounterMessage.Report"/>.</summary>
/// <param name="Total">The sum of every amount added.</param>
/// <param name="Messages">How many additions arrived.</param>
/// <param name="InOrder">Whether each producer's messages arrived in the order it told them.</param>
public sealed record CounterReport(long Total, long Messages, bool InOrder);
