using Microsoft.Extensions.Logging;

namespace Spillway.Actors.TestKit;

/// <summary>A logger factory whose loggers append every event, at every level, to one list.</summary>
/// <remarks>Thread-safety: any thread logs; the list is guarded by <see cref="_gate"/>, and nothing else runs under it.</remarks>
internal sealed class CapturingLoggerFactory : ILoggerFactory
{
    private readonly object _gate = new();
    private readonly List<CapturedLogEvent> _events = [];

    /// <summary>Gets a copy of the events captured so far, in the order they were written.</summary>
    public CapturedLogEvent[] Snapshot()
    {
        lock (_gate)
        {
            return [.. _events];
        }
    }

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }

    private void Add(CapturedLogEvent logEvent)
    {
        lock (_gate)
        {
            _events.Add(logEvent);
        }
    }

    private sealed class Logger(CapturingLoggerFactory owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel != LogLevel.None)
            {
                owner.Add(new CapturedLogEvent(category, logLevel, eventId, formatter(state, exception), exception));
            }
        }
    }
}
