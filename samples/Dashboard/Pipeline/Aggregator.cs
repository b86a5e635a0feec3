using Spillway.Actors;

namespace Spillway.Samples.Dashboard.Pipeline;

/// <summary>
/// One shard of the statistics: counts readings per region, answers <see cref="AggregatorMessage.GetTotals"/> asks,
/// and sends readings over the threshold to the archive writer.
/// </summary>
internal sealed class Aggregator(ActorRef<Alert> archive, double alertThreshold) : Actor<AggregatorMessage>
{
    private readonly Dictionary<string, (long Count, double Sum)> _byRegion = new(StringComparer.Ordinal);
    private long _readings;
    private long _alerts;

    protected override ValueTask ReceiveAsync(AggregatorMessage message)
    {
        switch (message)
        {
            case AggregatorMessage.Add(var reading):
                _readings++;
                _byRegion[reading.Region] = _byRegion.TryGetValue(reading.Region, out var stats)
                    ? (stats.Count + 1, stats.Sum + reading.Value)
                    : (1, reading.Value);
                if (reading.Value >= alertThreshold)
                {
                    _alerts++;
                    archive.Tell(new Alert(reading.SensorId, reading.Region, reading.Value));
                }

                break;
            case AggregatorMessage.GetTotals(var reply):
                reply.Send(new ShardTotals(_readings, _alerts, _byRegion.Count));
                break;
        }

        return default;
    }
}
