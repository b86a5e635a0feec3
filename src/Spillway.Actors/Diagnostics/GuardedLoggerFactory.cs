using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Spillway.Actors;

/// <summary>
/// Wraps the logger factory an actor system is given, so that no logging provider can fail the runtime: the loggers it
/// creates never throw from <see cref="ILogger.Log{TState}"/>, <see cref="ILogger.IsEnabled"/> or
/// <see cref="ILogger.BeginScope{TState}"/> (nor from disposing a scope), and creating one never throws either. A
/// provider's exception (Microsoft.Extensions.Logging rethrows them, aggregated, after every provider has run) is
/// swallowed and counted in <see cref="Faults"/>.
/// </summary>
/// <remarks>
/// <para>
/// Every logger the runtime uses comes from here: the system's, the scheduler's, and each actor's
/// <see cref="ActorContext{TMsg}.Logger"/>, so a broken provider turns neither a <c>catch</c> that logs into a dead
/// worker thread nor a user's log call into a handler failure.
/// </para>
/// <para>
/// Thread-safety: as thread-safe as the wrapped factory. The system does not own the factory: disposing this wrapper
/// leaves the wrapped one alone.
/// </para>
/// </remarks>
internal sealed class GuardedLoggerFactory(ILoggerFactory inner) : ILoggerFactory
{
    /// <summary>Gets the count of provider failures swallowed by this factory and its loggers.</summary>
    public FaultCounter Faults { get; } = new("A logging provider");

    public ILogger CreateLogger(string categoryName)
    {
        ILogger logger;
        try
        {
            logger = inner.CreateLogger(categoryName);
        }
        catch (Exception error)
        {
            // A provider failed to create its logger: this category logs nowhere rather than failing the caller.
            Faults.Report(error);
            return NullLogger.Instance;
        }

        return new GuardedLogger(logger, Faults);
    }

    public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

    public void Dispose()
    {
        // The factory belongs to whoever gave it to the system.
    }

    private sealed class GuardedLogger(ILogger inner, FaultCounter faults) : ILogger
    {
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            try
            {
                inner.Log(logLevel, eventId, state, exception, formatter);
            }
            catch (Exception error)
            {
                faults.Report(error);
            }
        }

        public bool IsEnabled(LogLevel logLevel)
        {
            try
            {
                return inner.IsEnabled(logLevel);
            }
            catch (Exception error)
            {
                // Disabled: the log call this check guards is skipped instead of failing in turn.
                faults.Report(error);
                return false;
            }
        }

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull
        {
            try
            {
                return inner.BeginScope(state) is { } scope ? new GuardedScope(scope, faults) : null;
            }
            catch (Exception error)
            {
                faults.Report(error);
                return null;
            }
        }
    }

    private sealed class GuardedScope(IDisposable inner, FaultCounter faults) : IDisposable
    {
        public void Dispose()
        {
            try
            {
                inner.Dispose();
            }
            catch (Exception error)
            {
                faults.Report(error);
            }
        }
    }
}
