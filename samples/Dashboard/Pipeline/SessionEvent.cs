namespace Spillway.Samples.Dashboard.Pipeline;

/// <summary>The messages a <see cref="Session"/> handles.</summary>
internal abstract record SessionEvent
{
    /// <summary>An event within the session.</summary>
    public sealed record Data(int Number) : SessionEvent;

    /// <summary>Ends the session: the actor stops, and whatever is told to it afterwards becomes a dead letter.</summary>
    public sealed record Close : SessionEvent
    {
        public static Close Instance { get; } = new();
    }
}
