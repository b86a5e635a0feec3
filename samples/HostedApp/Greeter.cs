using Microsoft.Extensions.Logging;
using Spillway.Actors;

namespace HostedApp;

/// <summary>An actor built by the container: its constructor takes services and a logger.</summary>
public sealed partial class Greeter(IGreetingFormatter formatter, ILogger<Greeter> logger) : Actor<GreeterMessage>
{
    private int _count;

    /// <inheritdoc/>
    protected override ValueTask ReceiveAsync(GreeterMessage message)
    {
        switch (message)
        {
            case GreeterMessage.Greet greet:
                _count++;
                LogGreeting(logger, formatter.Format(greet.Name, _count));
                break;
            case GreeterMessage.HowMany howMany:
                howMany.Reply.Send(_count);
                break;
        }

        return default;
    }

    [LoggerMessage(1, LogLevel.Information, "{Greeting}")]
    private static partial void LogGreeting(ILogger logger, string greeting);
}
