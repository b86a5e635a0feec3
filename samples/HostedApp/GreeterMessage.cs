using Spillway.Actors;

namespace HostedApp;

/// <summary>The messages a <see cref="Greeter"/> understands.</summary>
public abstract record GreeterMessage
{
    /// <summary>Greets someone.</summary>
    public sealed record Greet(string Name) : GreeterMessage;

    /// <summary>Asks how many greetings were made.</summary>
    public sealed record HowMany(Reply<int> Reply) : GreeterMessage;
}
