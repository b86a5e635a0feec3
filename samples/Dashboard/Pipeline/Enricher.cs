using Spillway.Actors;

namespace Spillway.Samples.Dashboard.Pipeline;

/// <summary>
/// Adds the region's display name to each reading and routes it to an aggregator shard by sensor, so one sensor's
/// readings always reach the same shard, in order.
/// </summary>
internal sealed class Enricher(RegionCatalog regions, ActorRef<AggregatorMessage>[] shards) : Actor<Reading>
{
    protected override ValueTask ReceiveAsync(Reading message)
    {
        var shard = (int)((uint)StringComparer.Ordinal.GetHashCode(message.SensorId) % (uint)shards.Length);
        shards[shard].Tell(new AggregatorMessage.Add(new EnrichedReading(message.SensorId, regions.NameOf(message.RegionCode), message.Value)));
        return default;
    }
}
