using Microsoft.Extensions.Logging;

namespace Spillway.Actors;

/// <summary>Dead letters: counted, raised as an event, and logged in aggregate.</summary>
public sealed partial class ActorSystem
{
    private readonly DeadLetterLog _deadLetterLog;

    internal void PublishDeadLetter(object? message, string recipient, DeadLetterReason reason, in KeyValuePair<string, object?> typeTag)
    {
        // Interlocked: dead letters come from every telling thread at once.
        var total = Interlocked.Increment(ref _deadLetters);
        Metrics.RecordDeadLetter(typeTag, reason);
        var deadLetter = new DeadLetter(message, recipient, reason);
        var handlers = DeadLetterReceived;
        if (handlers is not null)
        {
            try
            {
                handlers(this, deadLetter);
            }
            catch (Exception error)
            {
                Log.DeadLetterHandlerFailed(Logger, error);
            }
        }

        _deadLetterLog.Record(deadLetter, total);
    }

    /// <summary>
    /// Logs dead letters at most once per interval, with the count since the last line, so a flood of dead letters
    /// cannot flood the log.
    /// </summary>
    /// <remarks>Thread-safety: any thread; the interval is claimed by compare-and-swap so one thread logs per interval.</remarks>
    private sealed class DeadLetterLog(ILogger logger, TimeProvider timeProvider)
    {
        private static readonly TimeSpan s_interval = TimeSpan.FromSeconds(1);
        private long _lastLogged = long.MinValue;
        private long _countAtLastLog;
        private DeadLetter _firstSinceLog;
        private int _hasFirst;

        public void Record(DeadLetter deadLetter, long total)
        {
            if (!logger.IsEnabled(LogLevel.Warning))
            {
                return;
            }

            // CAS: keep the first dead letter of the interval as the example to log.
            if (Interlocked.CompareExchange(ref _hasFirst, 1, 0) == 0)
            {
                _firstSinceLog = deadLetter;
            }

            var now = timeProvider.GetTimestamp();
            var last = Volatile.Read(ref _lastLogged);
            if (last != long.MinValue && timeProvider.GetElapsedTime(last, now) < s_interval)
            {
                return;
            }

            // CAS: of the threads that see the interval expired, one logs.
            if (Interlocked.CompareExchange(ref _lastLogged, now, last) == last)
            {
                Write(total);
            }
        }

        public void Flush(long total)
        {
            if (logger.IsEnabled(LogLevel.Warning) && total > Volatile.Read(ref _countAtLastLog))
            {
                Write(total);
            }
        }

        private void Write(long total)
        {
            var since = total - Interlocked.Exchange(ref _countAtLastLog, total);
            if (since <= 0)
            {
                return;
            }

            var example = _firstSinceLog;
            Volatile.Write(ref _hasFirst, 0);
            Log.DeadLetters(logger, since, example.Recipient, example.Reason, total);
        }
    }
}
