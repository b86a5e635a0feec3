using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Spillway.Actors.Tests.TestKit;

/// <summary>
/// A logging provider that throws on every call: from <see cref="ILogger.Log{TState}"/> and
/// <see cref="ILogger.BeginScope{TState}"/> always, from <see cref="ILogger.IsEnabled"/> when asked to (otherwise it says
/// every level is enabled, so the log calls reach <c>Log</c>), and from <see cref="CreateLogger"/> when asked to. It
/// records the event id of every log call it saw before throwing.
/// </summary>
internal sealed class ThrowingLoggerProvider(bool failIsEnabled = false, bool failCreate = false) : ILoggerProvider
{
    private int _calls;

    private bool FailIsEnabled => failIsEnabled;

    /// <summary>Gets how many calls threw so far.</summary>
    public int Calls => Volatile.Read(ref _calls);

    /// <summary>Gets the event ids of the log calls that reached <c>Log</c> (and threw there).</summary>
    public ConcurrentQueue<int> EventIds { get; } = new();

    /// <summary>A Microsoft.Extensions.Logging factory (which rethrows a provider's exceptions, aggregated) over this provider, every level on.</summary>
    public ILoggerFactory CreateFactory() =>
        LoggerFactory.Create(builder => builder.SetMinimumLevel(LogLevel.Trace).AddProvider(this));

    public ILogger CreateLogger(string categoryName)
    {
        if (failCreate)
        {
            throw Fail();
        }

        return new Logger(this);
    }

    public void Dispose()
    {
    }

    private InvalidOperationException Fail()
    {
        Interlocked.Increment(ref _calls);
        return new InvalidOperationException("a broken logging provider");
    }

    private sealed class Logger(ThrowingLoggerProvider owner) : ILogger
    {
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            owner.EventIds.Enqueue(eventId.Id);
            throw owner.Fail();
        }

        public bool IsEnabled(LogLevel logLevel) => owner.FailIsEnabled ? throw owner.Fail() : true;

        public IDisposable BeginScope<TState>(TState state)
            where TState : notnull => throw owner.Fail();
    }
}
