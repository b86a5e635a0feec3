using System.Threading.Channels;

namespace Spillway.Tests;

/// <summary>
/// The soft capacity of a bounded channel: full means <see cref="Sender{T}.TryWrite(T)"/> is false and
/// <see cref="Sender{T}.Send(T)"/> throws, the async writes wait for the reader to consume a lane batch, and closing the
/// channel releases every waiting writer.
/// </summary>
public sealed class CapacityTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Test]
    public void TryWrite_WhenFull_ReturnsFalseAndQueuesNothing()
    {
        var (sender, receiver) = CreateBounded(capacity: 2);
        Assert.That(sender.TryWrite(1), Is.True);
        Assert.That(sender.TryWrite(2), Is.True);

        Assert.That(sender.TryWrite(3), Is.False);
        Assert.That(receiver.Count, Is.EqualTo(2));
    }

    [Test]
    public void Send_WhenFull_ThrowsChannelFullAndQueuesNothing()
    {
        var (sender, receiver) = CreateBounded(capacity: 2);
        sender.Send(1);
        sender.Send(2);

        Assert.Throws<ChannelFullException>(() => sender.Send(3));
        Assert.That(receiver.Count, Is.EqualTo(2));
    }

    [Test]
    public void Send_FullFromAnotherHandle_ThrowsChannelFull()
    {
        // The bound is across lanes: one handle filling the channel blocks every other handle.
        var (sender, _) = CreateBounded(capacity: 2);
        using var other = sender.Clone();
        sender.Send(1);
        sender.Send(2);

        Assert.Throws<ChannelFullException>(() => other.Send(3));
        Assert.That(other.TryWrite(3), Is.False);
    }

    [Test]
    public void SendMany_BelowTheBound_AdmitsTheWholeBatch()
    {
        var (sender, receiver) = CreateBounded(capacity: 2);
        sender.Send(0);

        sender.SendMany([1, 2, 3, 4]);

        Assert.That(receiver.Count, Is.EqualTo(5));
        Assert.That(sender.TryWrite(5), Is.False);
    }

    [Test]
    public void SendMany_WhenFull_ThrowsChannelFullAndQueuesNoneOfTheBatch()
    {
        var (sender, receiver) = CreateBounded(capacity: 2);
        sender.SendMany([1, 2]);

        Assert.Throws<ChannelFullException>(() => sender.SendMany([3, 4, 5]));
        Assert.That(receiver.Count, Is.EqualTo(2));
    }

    [Test]
    public void TryWrite_AfterTheReaderConsumedTheWholeBatch_HasRoomAgain()
    {
        var (sender, receiver) = CreateBounded(capacity: 2);
        sender.Send(1);
        sender.Send(2);
        Assert.That(sender.TryWrite(3), Is.False);

        Assert.That(receiver.TryRead(out _), Is.True);
        Assert.That(receiver.TryRead(out _), Is.True);

        Assert.That(sender.TryWrite(3), Is.True);
    }

    [Test]
    public void TryWrite_AfterTryReadBatchAndTheNextRead_HasRoomAgain()
    {
        var (sender, receiver) = CreateBounded(capacity: 2);
        sender.Send(1);
        sender.Send(2);

        Assert.That(receiver.TryReadBatch(out var batch), Is.True);
        Assert.That(batch.Length, Is.EqualTo(2));
        Assert.That(receiver.TryReadBatch(out _), Is.False); // the batch span is given up: its room comes back

        Assert.That(sender.TryWrite(3), Is.True);
    }

    [Test]
    public async Task WriteAsync_WhenFull_GoesThroughAsSoonAsOneMessageOfTheBatchIsRead()
    {
        var (sender, receiver) = CreateBounded(capacity: 2);
        sender.Send(1);
        sender.Send(2);

        var write = sender.WriteAsync(3).AsTask();
        Assert.That(write.IsCompleted, Is.False);

        Assert.That(await receiver.ReadAsync(), Is.EqualTo(1));
        await write.WaitAsync(Timeout);
        Assert.That(await receiver.ReadAsync(), Is.EqualTo(2));
        Assert.That(await receiver.ReadAsync().AsTask().WaitAsync(Timeout), Is.EqualTo(3));
    }

    [Test]
    public void TryWrite_AfterTryReadBatch_HasRoomAgainAtOnce()
    {
        var (sender, receiver) = CreateBounded(capacity: 2);
        sender.Send(1);
        sender.Send(2);

        Assert.That(receiver.TryReadBatch(out var batch), Is.True);

        Assert.That(sender.TryWrite(3), Is.True, "the span hands both messages over: their room is back");
        Assert.That(sender.TryWrite(4), Is.True);
        Assert.That(batch.ToArray(), Is.EqualTo(new[] { 1, 2 }));
    }

    [Test]
    public async Task WriteAsync_PendingWhenItsHandleIsDisposed_ThrowsChannelClosed()
    {
        var (sender, receiver) = CreateBounded(capacity: 1);
        sender.Send(1);
        var write = sender.WriteAsync(2).AsTask();
        Assert.That(write.IsCompleted, Is.False);

        await Task.Run(sender.Dispose);

        Assert.CatchAsync<ChannelClosedException>(async () => await write.WaitAsync(Timeout));
        Assert.That(await receiver.ReadAsync().AsTask().WaitAsync(Timeout), Is.EqualTo(1));
        Assert.That(await receiver.WaitToReadAsync().AsTask().WaitAsync(Timeout), Is.False);
    }

    [Test]
    public async Task WaitToWriteAsync_PendingWhenItsHandleIsDisposed_ReturnsFalse()
    {
        var (sender, _) = CreateBounded(capacity: 1);
        sender.Send(1);
        var wait = sender.WaitToWriteAsync().AsTask();
        Assert.That(wait.IsCompleted, Is.False);

        await Task.Run(sender.Dispose);

        Assert.That(await wait.WaitAsync(Timeout), Is.False);
    }

    [Test]
    public async Task WriteAsync_PendingOnAnotherHandleWhenOneHandleCompletes_KeepsWaitingForRoom()
    {
        var (first, receiver) = CreateBounded(capacity: 1);
        using var second = first.Clone();
        first.Send(1);
        var own = first.WriteAsync(2).AsTask();
        var other = second.WriteAsync(3).AsTask();
        var otherWait = second.WaitToWriteAsync().AsTask();

        first.TryComplete();

        Assert.CatchAsync<ChannelClosedException>(async () => await own.WaitAsync(Timeout));
        Assert.That(other.IsCompleted, Is.False, "another handle's write waits for room, not for this handle");
        Assert.That(otherWait.IsCompleted, Is.False);
        Assert.That(await receiver.ReadAsync().AsTask().WaitAsync(Timeout), Is.EqualTo(1));
        await other.WaitAsync(Timeout);
        Assert.That(await receiver.ReadAsync().AsTask().WaitAsync(Timeout), Is.EqualTo(3));
        Assert.That(await otherWait.WaitAsync(Timeout), Is.True);
    }

    [Test]
    public async Task WriteAsync_PendingOnThreeHandles_AdmittedInTheOrderTheyStartedWaiting()
    {
        var (first, receiver) = CreateBounded(capacity: 1);
        using var b = first.Clone();
        using var c = first.Clone();
        first.Send(0);

        // In the order they start waiting, not in handle order: c, then first, then b.
        var writes = new[] { c.WriteAsync(3), first.WriteAsync(1), b.WriteAsync(2) };
        for (var read = 1; read <= writes.Length; read++)
        {
            Assert.That(receiver.TryRead(out _), Is.True);

            // The room of the message just read goes to the oldest waiting write, before TryRead returns.
            Assert.That(writes.Select(w => w.IsCompleted), Is.EqualTo(writes.Select((_, i) => i < read)), $"after read {read}");
        }

        foreach (var write in writes)
        {
            await write;
        }

        Assert.That(receiver.TryRead(out var last), Is.True);
        Assert.That(last, Is.EqualTo(2));
    }

    [Test]
    public async Task WriteAsync_ManyCancelledWhileFull_LeaveNoWaiterBehind()
    {
        const int Writes = 10_000;
        var (sender, receiver, set) = CreateBoundedWithSet(capacity: 1);
        sender.Send(0);
        using var cts = new CancellationTokenSource();

        var writes = Enumerable.Range(1, Writes).Select(i => sender.WriteAsync(i, cts.Token)).ToArray();
        Assert.That(set.WriterWaiterCount, Is.EqualTo(Writes));
        await cts.CancelAsync();

        Assert.That(set.WriterWaiterCount, Is.Zero, "a cancelled write leaves the waiter queue at once");
        Assert.That(writes.Count(w => w.IsCanceled), Is.EqualTo(Writes));
        foreach (var write in writes)
        {
            Assert.CatchAsync<OperationCanceledException>(async () => await write);
        }

        Assert.That(await receiver.ReadAsync().AsTask().WaitAsync(Timeout), Is.Zero);
        Assert.That(receiver.TryRead(out _), Is.False);
        Assert.That(sender.TryWrite(1), Is.True);
    }

    [Test]
    public async Task WaitToWriteAsync_ManyCancelledWhileFull_LeaveNoWaiterBehind()
    {
        const int Waits = 10_000;
        var (sender, _, set) = CreateBoundedWithSet(capacity: 1);
        sender.Send(0);

        for (var i = 0; i < Waits; i++)
        {
            using var cts = new CancellationTokenSource();
            var wait = sender.WaitToWriteAsync(cts.Token);
            await cts.CancelAsync();
            Assert.That(wait.IsCanceled, Is.True);
            Assert.CatchAsync<OperationCanceledException>(async () => await wait);
        }

        Assert.That(set.WriterWaiterCount, Is.Zero);
    }

    [Test]
    public async Task WaitToWriteAsync_WhenFull_CompletesWithTrueOnceThereIsRoom()
    {
        var (sender, receiver) = CreateBounded(capacity: 1);
        sender.Send(1);

        var wait = sender.WaitToWriteAsync().AsTask();
        Assert.That(wait.IsCompleted, Is.False);

        Assert.That(await receiver.ReadAsync(), Is.EqualTo(1));
        Assert.That(await wait.WaitAsync(Timeout), Is.True);
        Assert.That(sender.TryWrite(2), Is.True);
    }

    [Test]
    public async Task WriteAsync_WhenFullAndCancelled_ThrowsAndSendsNothing()
    {
        var (sender, receiver) = CreateBounded(capacity: 1);
        sender.Send(1);
        using var cts = new CancellationTokenSource();

        var write = sender.WriteAsync(2, cts.Token).AsTask();
        Assert.That(write.IsCompleted, Is.False);
        await cts.CancelAsync();

        Assert.CatchAsync<OperationCanceledException>(async () => await write.WaitAsync(Timeout));
        Assert.That(await receiver.ReadAsync(), Is.EqualTo(1));
        Assert.That(receiver.TryRead(out _), Is.False);
    }

    [Test]
    public async Task WriteAsync_WhenFullAndReceiverDisposed_ThrowsChannelClosed()
    {
        var (sender, receiver) = CreateBounded(capacity: 1);
        sender.Send(1);

        var write = sender.WriteAsync(2).AsTask();
        Assert.That(write.IsCompleted, Is.False);
        await Task.Run(receiver.Dispose);

        Assert.ThrowsAsync<ChannelClosedException>(async () => await write.WaitAsync(Timeout));
    }

    [Test]
    public async Task WaitToWriteAsync_WhenFullAndReceiverDisposed_ReturnsFalse()
    {
        var (sender, receiver) = CreateBounded(capacity: 1);
        sender.Send(1);

        var wait = sender.WaitToWriteAsync().AsTask();
        Assert.That(wait.IsCompleted, Is.False);
        await Task.Run(receiver.Dispose);

        Assert.That(await wait.WaitAsync(Timeout), Is.False);
    }

    [Test]
    public async Task WaitToWriteAsync_AfterReceiverDisposed_ReturnsFalse()
    {
        var (sender, receiver) = CreateBounded(capacity: 1);
        receiver.Dispose();

        Assert.That(await sender.WaitToWriteAsync().AsTask().WaitAsync(Timeout), Is.False);
    }

    [Test]
    public void Send_FullThenReceiverDisposed_ThrowsChannelClosedRatherThanFull()
    {
        // Closed wins over full: a sender learns the channel is gone, not that it is busy.
        var (sender, receiver) = CreateBounded(capacity: 1);
        sender.Send(1);

        receiver.Dispose();

        Assert.Throws<ChannelClosedException>(() => sender.Send(2));
    }

    [Test]
    public async Task WriteAsync_ManyWritersThroughAOneSlotChannel_EveryMessageArrivesOnce()
    {
        const int Writers = 4;
        const int PerWriter = 2_000;
        var (first, receiver) = CreateBounded(capacity: 1);
        var senders = Enumerable.Range(0, Writers).Select(i => i == 0 ? first : first.Clone()).ToArray();

        var writing = senders
            .Select((sender, writer) => Task.Run(async () =>
            {
                for (var i = 0; i < PerWriter; i++)
                {
                    await sender.WriteAsync((writer * PerWriter) + i);
                }

                sender.Dispose();
            }))
            .ToArray();
        var next = Enumerable.Range(0, Writers).Select(w => w * PerWriter).ToArray();
        var outOfOrder = 0;
        await foreach (var message in receiver.ReadAllAsync())
        {
            var writer = message / PerWriter;
            outOfOrder += message == next[writer] ? 0 : 1;
            next[writer] = message + 1;
        }

        await Task.WhenAll(writing).WaitAsync(Timeout);
        Assert.That(outOfOrder, Is.Zero);
        Assert.That(next, Is.EqualTo(Enumerable.Range(1, Writers).Select(w => w * PerWriter)));
    }

    /// <summary>Creates a bounded channel through its internals, to watch its writer-waiter queue.</summary>
    private static (Sender<int> Sender, Receiver<int> Receiver, LaneSet<int> Set) CreateBoundedWithSet(int capacity)
    {
        var core = new ReceiverCore<int>(SpillwayChannelOptions.DefaultLanes, capacity);
        return (new Sender<int>(LaneHandle<int>.CreateFirst(core.Set)), new Receiver<int>(core), core.Set);
    }

    private static (Sender<int> Sender, Receiver<int> Receiver) CreateBounded(int capacity) =>
        SpillwayChannel.Create<int>(new SpillwayChannelOptions { Capacity = capacity });
}
