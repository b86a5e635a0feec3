using Spillway.Actors;

namespace Spillway.Samples.Dashboard.Pipeline;

/// <summary>
/// One shard of the statistics: counts readings per region, answers <see cref="AggregatorMessage.GetTotals"/> asks,
/// and sends readings over the threshold to the archive writer, waiting for room in its bounded mailbox.
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

                    // Backpressure: while the slow archive's bounded mailbox is full, this shard waits for room (and its
                    // own mailbox holds the readings behind) instead of turning alerts into dead letters. Completes at
                    // once, without allocating, whenever there is room.
                    return archive.TellAsync(new Alert(reading.SensorId, reading.Region, reading.Value));
                }

                break;
            case AggregatorMessage.GetTotals(var reply):
                reply.Send(new ShardTotals(_readings, _alerts, _byRegion.Count));
                break;
        }

        return default;
    }
}
