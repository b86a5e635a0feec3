using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Logging;

namespace Spillway.Samples.Dashboard.View;

/// <summary>
/// A logger provider that keeps the last few log lines in memory for the terminal view to show, instead of writing
/// them over the view. The host's log filters (appsettings.json, <c>Logging:LogLevel</c>) apply as usual.
/// </summary>
/// <remarks>Thread-safety: any thread logs; the view reads a snapshot.</remarks>
internal sealed class RecentLogProvider(int capacity) : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();

    /// <summary>Returns the most recent lines, oldest first.</summary>
    public IReadOnlyList<string> Snapshot() => [.. _lines];

    public ILogger CreateLogger(string categoryName) => new RecentLogger(this, categoryName[(categoryName.LastIndexOf('.') + 1)..]);

    public void Dispose()
    {
    }

    private void Add(string line)
    {
        _lines.Enqueue(line);
        while (_lines.Count > capacity && _lines.TryDequeue(out _))
        {
        }
    }

    private sealed class RecentLogger(RecentLogProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }

            var level = logLevel switch
            {
                LogLevel.Trace => "trce",
                LogLevel.Debug => "dbug",
                LogLevel.Information => "info",
                LogLevel.Warning => "warn",
                LogLevel.Error => "fail",
                _ => "crit",
            };
            var line = string.Create(CultureInfo.InvariantCulture, $"{DateTime.Now:HH:mm:ss} {level} {category}: {formatter(state, exception)}");
            if (exception is not null)
            {
                line += $" ({exception.GetType().Name}: {exception.Message})";
            }

            provider.Add(line);
        }
    }
}
