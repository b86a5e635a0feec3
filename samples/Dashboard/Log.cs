using Microsoft.Extensions.Logging;

namespace Spillway.Samples.Dashboard;

/// <summary>The sample's log messages, source-generated.</summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Information, "Pipeline started: {Producers} producers -> {Parsers} parsers -> enricher -> {Aggregators} aggregators -> archive (capacity {Capacity}); metrics at {MetricsUrl}")]
    public static partial void PipelineStarted(ILogger logger, int producers, int parsers, int aggregators, int capacity, string metricsUrl);

    [LoggerMessage(2, LogLevel.Information, "Aggregated {Readings} readings in {Regions} regions, {Alerts} alerts; {DeadLetters} dead letters so far; {Actors} live actors")]
    public static partial void Totals(ILogger logger, long readings, int regions, long alerts, long deadLetters, int actors);

    [LoggerMessage(3, LogLevel.Warning, "Asking the aggregators for their totals failed")]
    public static partial void TotalsFailed(ILogger logger, Exception error);

    [LoggerMessage(4, LogLevel.Debug, "Session {Session} closed after {Events} events")]
    public static partial void SessionClosed(ILogger logger, string session, int events);

    [LoggerMessage(6, LogLevel.Information, "Dashboard page: {PageUrl}")]
    public static partial void PageListening(ILogger logger, string pageUrl);

    [LoggerMessage(5, LogLevel.Information, "Producers stopped after telling {Records} records")]
    public static partial void ProducersStopped(ILogger logger, long records);
}
