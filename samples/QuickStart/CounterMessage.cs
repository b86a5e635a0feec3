using Spillway.Actors;

namespace QuickStart;

/// <summary>The messages a <see cref="Counter"/> understands.</summary>
public abstract record CounterMessage
{
    /// <summary>Adds <paramref name="Amount"/> to the total told by producer <paramref name="Producer"/> as its message number <paramref name="Sequence"/>.</summary>
    public sealed record Add(int Producer, long Sequence, long Amount) : CounterMessage;

    /// <summary>Asks for the total and whether every producer's messages arrived in order.</summary>
    public sealed record Report(Reply<CounterReport> Reply) : CounterMessage;
}
