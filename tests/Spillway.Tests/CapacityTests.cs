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
    public async Task WriteAsync_WhenFull_WaitsUntilTheReaderConsumesTheBatch()
    {
        var (sender, receiver) = CreateBounded(capacity: 2);
        sender.Send(1);
        sender.Send(2);

        var write = sender.WriteAsync(3).AsTask();
        Assert.That(write.IsCompleted, Is.False);

        Assert.That(await receiver.ReadAsync(), Is.EqualTo(1));
        Assert.That(write.IsCompleted, Is.False, "room must not come back before the lane batch is consumed");
        Assert.That(await receiver.ReadAsync(), Is.EqualTo(2));
        Assert.That(await receiver.ReadAsync().AsTask().WaitAsync(Timeout), Is.EqualTo(3));
        await write.WaitAsync(Timeout);
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

    private static (Sender<int> Sender, Receiver<int> Receiver) CreateBounded(int capacity) =>
        SpillwayChannel.Create<int>(new SpillwayChannelOptions { Capacity = capacity });
}
