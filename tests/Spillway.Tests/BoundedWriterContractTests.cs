using System.Threading.Channels;

namespace Spillway.Tests;

/// <summary>
/// The <see cref="ChannelWriter{T}"/> contract of a full bounded channel: writers wait for room, room comes back per
/// message read, waiting writes go in the order they started waiting, and completing the writer releases them at once.
/// Run against a spillway channel and, as the reference, against the BCL's bounded single-reader channel.
/// </summary>
public abstract class BoundedWriterContractTests
{
    private const int Capacity = 4;

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    /// <summary>Creates the channel under test with the given capacity, seen only through its base types.</summary>
    protected abstract (ChannelWriter<int> Writer, ChannelReader<int> Reader) CreateChannel(int capacity);

    [Test]
    public void TryWrite_FullThenOneRead_HasRoomAgain()
    {
        var (writer, reader) = CreateFull();

        Assert.That(reader.TryRead(out var item), Is.True);

        Assert.That(item, Is.Zero);
        Assert.That(writer.TryWrite(Capacity), Is.True, "reading one message gives its room back");
        Assert.That(writer.TryWrite(Capacity + 1), Is.False);
    }

    [Test]
    public async Task WriteAsync_PendingWhenFull_CompletesAfterOneRead()
    {
        var (writer, reader) = CreateFull();
        var write = writer.WriteAsync(Capacity).AsTask();
        Assert.That(write.IsCompleted, Is.False);

        Assert.That(await reader.ReadAsync().AsTask().WaitAsync(Timeout), Is.Zero);

        await write.WaitAsync(Timeout);
        for (var i = 1; i <= Capacity; i++)
        {
            Assert.That(await reader.ReadAsync().AsTask().WaitAsync(Timeout), Is.EqualTo(i));
        }
    }

    [Test]
    public async Task WriteAsync_PendingWhenTheWriterCompletes_ThrowsChannelClosed()
    {
        var (writer, _) = CreateFull();
        var write = writer.WriteAsync(Capacity).AsTask();
        Assert.That(write.IsCompleted, Is.False);

        await Task.Run(() => writer.TryComplete());

        var thrown = Assert.CatchAsync<ChannelClosedException>(async () => await write.WaitAsync(Timeout));
        Assert.That(thrown!.InnerException, Is.Null);
    }

    [Test]
    public async Task WriteAsync_PendingWhenTheWriterCompletesWithError_ThrowsChannelClosedWithItAsInner()
    {
        var (writer, _) = CreateFull();
        var error = new FormatException();
        var write = writer.WriteAsync(Capacity).AsTask();
        Assert.That(write.IsCompleted, Is.False);

        await Task.Run(() => writer.TryComplete(error));

        var thrown = Assert.CatchAsync<ChannelClosedException>(async () => await write.WaitAsync(Timeout));
        Assert.That(thrown!.InnerException, Is.SameAs(error));
    }

    [Test]
    public async Task WaitToWriteAsync_PendingWhenTheWriterCompletes_ReturnsFalse()
    {
        var (writer, _) = CreateFull();
        var wait = writer.WaitToWriteAsync().AsTask();
        Assert.That(wait.IsCompleted, Is.False);

        await Task.Run(() => writer.TryComplete());

        Assert.That(await wait.WaitAsync(Timeout), Is.False);
    }

    [Test]
    public async Task WaitToWriteAsync_PendingWhenTheWriterCompletesWithError_ThrowsIt()
    {
        var (writer, _) = CreateFull();
        var error = new FormatException();
        var wait = writer.WaitToWriteAsync().AsTask();
        Assert.That(wait.IsCompleted, Is.False);

        await Task.Run(() => writer.TryComplete(error));

        var thrown = Assert.CatchAsync<FormatException>(async () => await wait.WaitAsync(Timeout));
        Assert.That(thrown, Is.SameAs(error));
    }

    [Test]
    public async Task WriteAsync_ManyPendingOnOneWriter_ArriveInWriteOrder()
    {
        const int Count = 200;
        var (writer, reader) = CreateChannel(Capacity);

        var writes = Enumerable.Range(0, Count).Select(i => writer.WriteAsync(i).AsTask()).ToArray();

        // Read on a pool thread, as a consumer loop would: wake-ups it causes land on that thread's own queue.
        var read = await Task.Run(async () =>
        {
            var received = new List<int>();
            for (var i = 0; i < Count; i++)
            {
                received.Add(await reader.ReadAsync());
            }

            return received;
        }).WaitAsync(Timeout);

        await Task.WhenAll(writes).WaitAsync(Timeout);
        Assert.That(read, Is.EqualTo(Enumerable.Range(0, Count)));
    }

    [Test]
    public async Task WriteAsync_CancelledWhileFull_SendsNothingAndTheNextWriteGoesThrough()
    {
        var (writer, reader) = CreateFull();
        using var cts = new CancellationTokenSource();
        var cancelled = writer.WriteAsync(-1, cts.Token).AsTask();
        var next = writer.WriteAsync(Capacity).AsTask();

        await cts.CancelAsync();
        Assert.That(async () => await cancelled.WaitAsync(Timeout), Throws.InstanceOf<OperationCanceledException>());
        Assert.That(await reader.ReadAsync().AsTask().WaitAsync(Timeout), Is.Zero);
        await next.WaitAsync(Timeout);

        var rest = new List<int>();
        while (reader.TryRead(out var item))
        {
            rest.Add(item);
        }

        Assert.That(rest, Is.EqualTo(Enumerable.Range(1, Capacity)));
    }

    /// <summary>Creates a channel holding 0 .. capacity-1, full.</summary>
    private (ChannelWriter<int> Writer, ChannelReader<int> Reader) CreateFull()
    {
        var (writer, reader) = CreateChannel(Capacity);
        for (var i = 0; i < Capacity; i++)
        {
            Assert.That(writer.TryWrite(i), Is.True);
        }

        Assert.That(writer.TryWrite(Capacity), Is.False, "the channel must be full");
        return (writer, reader);
    }
}
