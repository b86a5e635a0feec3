namespace HostedApp;

/// <summary>The default <see cref="IGreetingFormatter"/>.</summary>
public sealed class GreetingFormatter : IGreetingFormatter
{
    /// <inheritdoc/>
    public string Format(string name, int count) => $"Hello, {name} (greeting #{count})";
}
