using System.Globalization;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Spillway.Actors;
using Spillway.Samples.Dashboard.Pipeline;

namespace Spillway.Samples.Dashboard;

/// <summary>
/// Spawns the pipeline and drives it: producer loops whose rate rises in bursts, a source that sends a malformed
/// record now and then (a parser fails and is restarted), short sessions that leave dead letters behind, and a
/// report of the aggregators' totals (by <c>Ask</c>) every ten seconds.
/// </summary>
/// <remarks>
/// Registered after <c>AddSpillwayActors</c>, so the host stops it first: the producers stop telling, then the actor
/// system drains what they told.
/// </remarks>
internal sealed class WorkloadService(
    ActorSystem system,
    RegionCatalog regions,
    IOptions<DashboardOptions> options,
    TimeProvider timeProvider,
    ILogger<WorkloadService> logger) : BackgroundService
{
    private static readonly TimeSpan s_tick = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan s_reportInterval = TimeSpan.FromSeconds(10);
    private readonly DashboardOptions _options = options.Value;
    private long _told;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var pipeline = PipelineTopology.Spawn(system, _options, regions);
        Log.PipelineStarted(logger, _options.Producers, _options.Parsers, _options.Aggregators, _options.ArchiveCapacity, $"http://127.0.0.1:{_options.Port}/metrics");

        var loops = new List<Task>();
        for (var i = 0; i < _options.Producers; i++)
        {
            // A reference per producer: a lane per producer in the parser's mailbox, so producers never contend.
            loops.Add(ProduceAsync(i, pipeline.Parsers[i % pipeline.Parsers.Count].Clone(), stoppingToken));
        }

        loops.Add(SendMalformedRecordsAsync(pipeline, stoppingToken));
        loops.Add(OpenSessionsAsync(stoppingToken));
        loops.Add(ReportAsync(pipeline, stoppingToken));
        try
        {
            await Task.WhenAll(loops);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The host is stopping.
        }

        Log.ProducersStopped(logger, Interlocked.Read(ref _told));
    }

    private async Task ProduceAsync(int producer, ActorRef<RawRecord> parser, CancellationToken cancellationToken)
    {
        var random = new Random(producer);
        var cycle = TimeSpan.FromSeconds(_options.BurstSeconds + _options.CalmSeconds);
        var burst = TimeSpan.FromSeconds(_options.BurstSeconds);
        var start = timeProvider.GetTimestamp();
        var last = start;
        var due = 0.0;
        long sequence = 0;
        using var timer = new PeriodicTimer(s_tick, timeProvider);
        while (await timer.WaitForNextTickAsync(cancellationToken))
        {
            var now = timeProvider.GetTimestamp();
            var sinceStart = timeProvider.GetElapsedTime(start, now);
            var inBurst = TimeSpan.FromTicks(sinceStart.Ticks % cycle.Ticks) < burst;
            var rate = _options.RatePerProducer * (inBurst ? _options.BurstMultiplier : 1.0);

            // Tell what is due for the time that really passed, so a late tick does not lower the rate.
            due += rate * timeProvider.GetElapsedTime(last, now).TotalSeconds;
            last = now;
            var count = (int)due;
            due -= count;
            for (var i = 0; i < count; i++)
            {
                var sensor = random.Next(500);
                var region = regions.Codes[sensor % regions.Codes.Count];
                var value = random.NextDouble() * 100;
                parser.Tell(new RawRecord(producer, sequence++, string.Create(CultureInfo.InvariantCulture, $"sensor-{sensor};{region};{value:F1}")));
            }

            Interlocked.Add(ref _told, count);
        }
    }

    private async Task SendMalformedRecordsAsync(PipelineTopology pipeline, CancellationToken cancellationToken)
    {
        if (_options.FailureIntervalSeconds == 0)
        {
            return;
        }

        var parsers = pipeline.Parsers.Select(p => p.Clone()).ToArray();
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(_options.FailureIntervalSeconds), timeProvider);
        for (var n = 0; await timer.WaitForNextTickAsync(cancellationToken); n++)
        {
            parsers[n % parsers.Length].Tell(new RawRecord(-1, n, "### truncated line ###"));
        }
    }

    private async Task OpenSessionsAsync(CancellationToken cancellationToken)
    {
        if (_options.SessionIntervalSeconds == 0)
        {
            return;
        }

        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(_options.SessionIntervalSeconds), timeProvider);
        while (await timer.WaitForNextTickAsync(cancellationToken))
        {
            var session = system.Spawn<Session, SessionEvent>(options: new SpawnOptions { MailboxLanes = 1 });
            for (var i = 0; i < 50; i++)
            {
                session.Tell(new SessionEvent.Data(i));
            }

            session.Tell(SessionEvent.Close.Instance);

            // A client that has not heard of the close yet: these wait behind it and die with the session...
            for (var i = 0; i < 5; i++)
            {
                session.Tell(new SessionEvent.Data(50 + i));
            }

            // ...and these arrive after the session has gone.
            await Task.Delay(TimeSpan.FromMilliseconds(200), timeProvider, cancellationToken);
            for (var i = 0; i < 5; i++)
            {
                session.Tell(new SessionEvent.Data(55 + i));
            }
        }
    }

    private async Task ReportAsync(PipelineTopology pipeline, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(s_reportInterval, timeProvider);
        while (await timer.WaitForNextTickAsync(cancellationToken))
        {
            try
            {
                var asks = pipeline.Aggregators.Select(a =>
                    a.Ask<ShardTotals>(reply => new AggregatorMessage.GetTotals(reply), TimeSpan.FromSeconds(2), cancellationToken).AsTask());
                var totals = await Task.WhenAll(asks);
                Log.Totals(
                    logger,
                    totals.Sum(t => t.Readings),
                    totals.Max(t => t.Regions),
                    totals.Sum(t => t.Alerts),
                    system.DeadLetterCount,
                    system.ActorCount);
            }
            catch (Exception error) when (error is TimeoutException or InvalidOperationException)
            {
                Log.TotalsFailed(logger, error);
            }
        }
    }
}
