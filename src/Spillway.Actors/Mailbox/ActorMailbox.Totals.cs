namespace Spillway.Actors;

/// <summary>The mailbox's gauges for the metrics walk: queued, sent and processed, read racily from a collector's thread.</summary>
internal abstract partial class ActorMailbox<TMsg>
{
    /// <summary>Gets a racy snapshot of the messages waiting in this mailbox (lanes and the current batch), for the queued gauge.</summary>
    public override long QueuedCount => IsStopped ? 0 : Lanes.CountQueuedInLanes() + _reader.BufferedCount;

    /// <summary>
    /// Gets every message appended to this mailbox's lanes so far: the sum of the lanes' own append counts, read when a
    /// collector asks, so a tell pays nothing for it and a message counts as sent the moment it is queued (a consumer
    /// that falls behind shows its senders' rate, not its own). Lanes only grow in number and their counts only grow;
    /// each count is a volatile read of a value its appender stored under the lane lock. Messages a close or a full
    /// mailbox later drops were appended, so they are in here already. Once the mailbox is closed (every stop closes it
    /// before the actor retires) no lane counts another append, so the total folded at retirement is final.
    /// </summary>
    public override long SentTotal
    {
        get
        {
            var lanes = Lanes;
            var total = 0L;
            var inUse = lanes.LanesInUse;
            for (var i = 0; i < inUse; i++)
            {
                total += lanes.LaneAt(i)?.AppendedCount ?? 0;
            }

            return total;
        }
    }

    // Volatile read: the metrics walk runs on a collector's thread while the turn writes the total; Volatile reads the
    // long whole (on 32-bit too) and fresh, never a value the JIT kept from an earlier read.
    public override long ProcessedTotal => Volatile.Read(ref _processedTotal);
}
