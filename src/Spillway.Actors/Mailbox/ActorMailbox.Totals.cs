using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace Spillway.Actors;

/// <summary>The mailbox's running totals and gauges: sent, processed, queued, and the sampled lane depth.</summary>
internal abstract partial class ActorMailbox<TMsg>
{
    /// <summary>
    /// Messages handed to handlers so far (processed). Written only by the running turn, without interlocked operations
    /// (<see cref="CountProcessed"/>): one writer at a time, and successive turns on different workers are ordered by the
    /// idle/scheduled hand-off of <see cref="_status"/>. Read with <see cref="Volatile"/> by the metrics walk on another
    /// thread (a stale value there is only a collection that comes a little early). Once the actor has retired
    /// (<see cref="MailboxTotals.TryRetire"/>) no turn runs again, so nothing is added after its total was folded into
    /// its type's. (Sent needs no field of its own: the lanes count their appends, see <see cref="SentTotal"/>.)
    /// </summary>
    private long _processedTotal;

    /// <summary>
    /// Lanes taken so far, for lane-depth sampling (wraps harmlessly); touched only by the running turn. 16 bits, so an
    /// idle cell is a word smaller: sampling intervals up to 65,536 (the internal option's values) sample exactly.
    /// </summary>
    private ushort _lanesTaken;

    /// <summary>
    /// The low 16 bits of the system's <see cref="ActorMetrics.SampleEpoch"/> when this actor last recorded a lane depth;
    /// a take in a later epoch records whatever the count says, so a slow consumer is sampled at least once per epoch
    /// (second) in which it takes a lane. Touched only by the running turn. 16 bits: a wrap (an actor that took no lane
    /// for 65,536 epochs, then one in exactly the same residue) costs at most one missed sample.
    /// </summary>
    private ushort _sampledEpoch;

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

    /// <summary>Counts one processed message and returns the new total; called only by the running turn (the one writer).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    protected long CountProcessed()
    {
        var sum = _processedTotal + 1;
        if (IntPtr.Size == 8)
        {
            // A plain store: on 64-bit it is atomic, so the metrics walk reads the old total or the new one. (The size
            // test is a JIT-time constant.)
            _processedTotal = sum;
        }
        else
        {
            // Volatile: on 32-bit a plain long store is two stores, and the metrics walk could read half of each.
            Volatile.Write(ref _processedTotal, sum);
        }

        return sum;
    }

    /// <summary>
    /// Reads the next message for the running turn: from the reader's batch (inlined, one compare), else through the
    /// reader's slow path, which may take a lane; a lane taken is sampled for the lane-depth histogram here, in the
    /// mailbox, so the reader never calls back up.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    protected bool TryReadNext([MaybeNullWhen(false)] out TMsg message) =>
        _reader.TryReadBuffered(out message) || TryReadTakingLane(out message);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool TryReadTakingLane([MaybeNullWhen(false)] out TMsg message)
    {
        var read = _reader.TryReadSlow(out message, out var laneTaken);
        if (laneTaken != 0)
        {
            SampleLaneDepth(laneTaken);
        }

        return read;
    }

    /// <summary>
    /// A lane taken by the running turn (see the fields). With no listener this is all a take costs the metrics: a
    /// count, and one plain read of the system's epoch (no clock). Sampled: the first take, then one in the interval
    /// (see ActorMetrics.LaneDepthSampleInterval), and the first take of every epoch (second), so a slow consumer that
    /// takes few lanes is still seen. Sent is not counted here: the lanes count every append (see SentTotal).
    /// </summary>
    private void SampleLaneDepth(int count)
    {
        var metrics = Metrics;
        var epoch = (ushort)metrics.SampleEpoch;
        if ((_lanesTaken++ & (uint)metrics.LaneDepthSampleMask) == 0 || epoch != _sampledEpoch)
        {
            _sampledEpoch = epoch;
            metrics.RecordLaneDepth(count, TypeTag);
        }
    }
}
