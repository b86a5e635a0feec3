using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace Spillway.Actors.Hosting.Tests.TestKit;

/// <summary>Logger factories that write every level, Debug and up, to a <see cref="FakeLogCollector"/>.</summary>
internal static class Logs
{
    public static ILoggerFactory CreateFactory(FakeLogCollector collector) =>
        LoggerFactory.Create(builder => builder.SetMinimumLevel(LogLevel.Debug).AddProvider(new FakeLoggerProvider(collector)));

    /// <summary>
    /// The runtime's records with one event id (see <see cref="LogEvents"/>). Only categories of the runtime count:
    /// the host logs under small event ids of its own.
    /// </summary>
    public static IReadOnlyList<FakeLogRecord> WithEventId(this FakeLogCollector collector, int eventId) =>
        [.. collector.GetSnapshot().Where(record => record.Id.Id == eventId && record.Category?.StartsWith("Spillway.Actors", StringComparison.Ordinal) == true)];
}
