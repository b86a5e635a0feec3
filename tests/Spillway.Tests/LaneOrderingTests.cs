namespace Spillway.Tests;

/// <summary>
/// How handles map to lanes and how the reader visits them: per-sender order (also when handles share a lane), lane
/// assignment round-robin in creation order, lane visiting round-robin from a cursor, whole-lane batches, and
/// <see cref="Sender{T}.SendMany(ReadOnlySpan{T})"/> landing contiguously.
/// </summary>
public sealed class LaneOrderingTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Test]
    public void Send_MoreHandlesThanLanes_EveryHandleKeepsItsOwnOrder()
    {
        const int Handles = 7;
        const int PerHandle = 200;
        var (first, receiver) = SpillwayChannel.Create<(int Handle, int Sequence)>(new SpillwayChannelOptions { Lanes = 3 });
        var senders = CloneAll(first, Handles);

        // Interleave the handles send by send, so handles sharing a lane interleave inside it.
        for (var sequence = 0; sequence < PerHandle; sequence++)
        {
            for (var handle = 0; handle < Handles; handle++)
            {
                senders[handle].Send((handle, sequence));
            }
        }

        DisposeAll(senders);
        var read = DrainSync(receiver);

        Assert.That(read, Has.Count.EqualTo(Handles * PerHandle));
        for (var handle = 0; handle < Handles; handle++)
        {
            var own = read.Where(m => m.Handle == handle).Select(m => m.Sequence);
            Assert.That(own, Is.EqualTo(Enumerable.Range(0, PerHandle)), $"handle {handle}");
        }
    }

    [Test]
    public async Task Send_ClonesSharingLanesOnSeveralThreads_EveryHandleKeepsItsOwnOrder()
    {
        const int Handles = 6;
        const int PerHandle = 50_000;
        var (first, receiver) = SpillwayChannel.Create<long>(new SpillwayChannelOptions { Lanes = 2 });
        var senders = CloneAll(first, Handles);

        var producers = senders
            .Select((sender, handle) => Task.Run(() =>
            {
                for (var sequence = 0; sequence < PerHandle; sequence++)
                {
                    sender.Send(((long)handle << 32) | (uint)sequence);
                }

                sender.Dispose();
            }))
            .ToArray();
        var next = new int[Handles];
        var outOfOrder = 0;
        await foreach (var message in receiver.ReadAllAsync())
        {
            var handle = (int)(message >> 32);
            outOfOrder += (int)message == next[handle] ? 0 : 1;
            next[handle] = (int)message + 1;
        }

        await Task.WhenAll(producers).WaitAsync(Timeout);
        Assert.That(outOfOrder, Is.Zero);
        Assert.That(next, Is.All.EqualTo(PerHandle));
    }

    [Test]
    public void Clone_MoreHandlesThanLanes_TakesLanesRoundRobinInCreationOrder()
    {
        var (first, receiver) = SpillwayChannel.Create<int>(new SpillwayChannelOptions { Lanes = 3 });
        var senders = CloneAll(first, 5); // lanes 0, 1, 2, 0, 1

        for (var handle = 0; handle < senders.Length; handle++)
        {
            senders[handle].Send(handle);
        }

        // A batch is one lane's messages, so the batches show which handles share a lane.
        Assert.That(ReadBatches(receiver), Is.EqualTo(new[] { new[] { 0, 3 }, new[] { 1, 4 }, new[] { 2 } }));
        DisposeAll(senders);
    }

    [Test]
    public void TryReadBatch_SeveralLanesFilled_VisitsThemInLaneOrder()
    {
        var (first, receiver) = SpillwayChannel.Create<int>(new SpillwayChannelOptions { Lanes = 4 });
        var senders = CloneAll(first, 4);

        senders[3].Send(30);
        senders[1].Send(10);
        senders[2].Send(20);
        senders[0].Send(0);
        senders[0].Send(1);

        Assert.That(ReadBatches(receiver), Is.EqualTo(new[] { new[] { 0, 1 }, new[] { 10 }, new[] { 20 }, new[] { 30 } }));
        DisposeAll(senders);
    }

    [Test]
    public void TryRead_LaneRefilledBehindTheCursor_OtherLanesAreServedFirst()
    {
        var (first, receiver) = SpillwayChannel.Create<int>(new SpillwayChannelOptions { Lanes = 3 });
        var senders = CloneAll(first, 3);
        senders[0].Send(1);
        senders[2].Send(3);

        Assert.That(receiver.TryRead(out var item), Is.True);
        Assert.That(item, Is.EqualTo(1));

        // Lane 0 fills again, but the cursor is past it: lane 2 comes first, then the scan wraps around to lane 0.
        senders[0].Send(2);
        Assert.That(receiver.TryRead(out item), Is.True);
        Assert.That(item, Is.EqualTo(3));
        Assert.That(receiver.TryRead(out item), Is.True);
        Assert.That(item, Is.EqualTo(2));
        Assert.That(receiver.TryRead(out _), Is.False);
        DisposeAll(senders);
    }

    [Test]
    public void TryReadBatch_OneLaneFilled_HandsOverTheWholeLaneInSendOrder()
    {
        var (sender, receiver) = SpillwayChannel.Create<int>();
        for (var i = 0; i < 5; i++)
        {
            sender.Send(i);
        }

        Assert.That(receiver.TryReadBatch(out var batch), Is.True);
        Assert.That(batch.ToArray(), Is.EqualTo(new[] { 0, 1, 2, 3, 4 }));
        Assert.That(receiver.Count, Is.Zero);
        Assert.That(receiver.TryReadBatch(out batch), Is.False);
        Assert.That(batch.IsEmpty, Is.True);
        sender.Dispose();
    }

    [Test]
    public void TryReadBatch_AfterTryReadTookPartOfALane_HandsOverTheRestOfIt()
    {
        var (sender, receiver) = SpillwayChannel.Create<int>();
        for (var i = 0; i < 5; i++)
        {
            sender.Send(i);
        }

        Assert.That(receiver.TryRead(out var item), Is.True);
        Assert.That(item, Is.EqualTo(0));
        sender.Send(5); // lands in the lane, not in the batch the reader already took

        Assert.That(receiver.TryReadBatch(out var batch), Is.True);
        Assert.That(batch.ToArray(), Is.EqualTo(new[] { 1, 2, 3, 4 }));
        Assert.That(receiver.TryReadBatch(out batch), Is.True);
        Assert.That(batch.ToArray(), Is.EqualTo(new[] { 5 }));
        sender.Dispose();
    }

    [Test]
    public void SendMany_BetweenSendsOfAHandleSharingTheLane_LandsContiguouslyInOrder()
    {
        var (first, receiver) = SpillwayChannel.Create<int>(new SpillwayChannelOptions { Lanes = 1 });
        var second = first.Clone();

        first.Send(1);
        second.SendMany([10, 11, 12]);
        first.Send(2);

        Assert.That(ReadBatches(receiver), Is.EqualTo(new[] { new[] { 1, 10, 11, 12, 2 } }));
        first.Dispose();
        second.Dispose();
    }

    [Test]
    public void SendMany_EmptySpan_SendsNothing()
    {
        var (sender, receiver) = SpillwayChannel.Create<int>();

        sender.SendMany([]);

        Assert.That(receiver.Count, Is.Zero);
        Assert.That(receiver.TryRead(out _), Is.False);
        sender.Dispose();
    }

    [Test]
    public async Task SendMany_RacingSendsOnTheSameLane_EveryBatchStaysContiguous()
    {
        const int Batches = 20_000;
        const int BatchSize = 8;
        const int Singles = 100_000;
        var (batcher, receiver) = SpillwayChannel.Create<int>(new SpillwayChannelOptions { Lanes = 1 });
        var single = batcher.Clone();

        // Batched messages are 0..Batches*BatchSize-1; single messages are negative and must never split a batch.
        var batching = Task.Run(() =>
        {
            Span<int> batch = stackalloc int[BatchSize];
            for (var b = 0; b < Batches; b++)
            {
                for (var i = 0; i < BatchSize; i++)
                {
                    batch[i] = (b * BatchSize) + i;
                }

                batcher.SendMany(batch);
            }

            batcher.Dispose();
        });
        var sending = Task.Run(() =>
        {
            for (var i = 1; i <= Singles; i++)
            {
                single.Send(-i);
            }

            single.Dispose();
        });

        var nextBatched = 0;
        var nextSingle = -1;
        var splitBatches = 0;
        var outOfOrder = 0;
        await foreach (var message in receiver.ReadAllAsync())
        {
            if (message < 0)
            {
                outOfOrder += message == nextSingle ? 0 : 1;
                nextSingle = message - 1;
                splitBatches += nextBatched % BatchSize == 0 ? 0 : 1;
            }
            else
            {
                outOfOrder += message == nextBatched ? 0 : 1;
                nextBatched = message + 1;
            }
        }

        await Task.WhenAll(batching, sending).WaitAsync(Timeout);
        Assert.That(splitBatches, Is.Zero);
        Assert.That(outOfOrder, Is.Zero);
        Assert.That(nextBatched, Is.EqualTo(Batches * BatchSize));
        Assert.That(nextSingle, Is.EqualTo(-Singles - 1));
    }

    private static Sender<T>[] CloneAll<T>(Sender<T> first, int count)
    {
        var senders = new Sender<T>[count];
        senders[0] = first;
        for (var i = 1; i < count; i++)
        {
            senders[i] = first.Clone();
        }

        return senders;
    }

    private static void DisposeAll<T>(Sender<T>[] senders)
    {
        foreach (var sender in senders)
        {
            sender.Dispose();
        }
    }

    private static List<T> DrainSync<T>(Receiver<T> receiver)
    {
        var read = new List<T>();
        while (receiver.TryRead(out var item))
        {
            read.Add(item);
        }

        return read;
    }

    private static List<int[]> ReadBatches(Receiver<int> receiver)
    {
        var batches = new List<int[]>();
        while (receiver.TryReadBatch(out var batch))
        {
            batches.Add(batch.ToArray());
        }

        return batches;
    }
}
