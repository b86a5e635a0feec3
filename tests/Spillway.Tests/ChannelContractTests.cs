using System.Threading.Channels;

namespace Spillway.Tests;

/// <summary>
/// The <see cref="ChannelReader{T}"/>/<see cref="ChannelWriter{T}"/> contract, in the shape of dotnet/runtime's
/// <c>ChannelTestBase</c>: every test here sees the channel only through the base types, so a spillway channel is
/// checked against what code written for System.Threading.Channels expects. One small subclass per variant.
/// </summary>
/// <remarks>
/// The writer is the channel's only sender handle, so completing it completes the channel, as with a BCL channel. The
/// same tests also run against the BCL's own single-reader channels (<see cref="BclUnboundedChannelContractTests"/>,
/// <see cref="BclBoundedChannelContractTests"/>), so every expectation here is the BCL's behaviour, not ours.
/// </remarks>
public abstract class ChannelContractTests
{
    /// <summary>How long any single wait in a test may take before the test fails instead of hanging.</summary>
    protected static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    /// <summary>Gets how many items a test may queue before anyone reads: the capacity of a bounded variant.</summary>
    protected virtual int MaxBufferedItems => 100;

    /// <summary>
    /// Gets whether a new read supersedes (cancels) a read or wait left pending, as a single-reader channel does. The
    /// BCL bounded channel ignores <c>SingleReader</c> and queues readers instead.
    /// </summary>
    protected virtual bool SupersedesAbandonedReads => true;

    /// <summary>Creates the channel under test, seen only through its base types.</summary>
    protected abstract (ChannelWriter<int> Writer, ChannelReader<int> Reader) CreateChannel();

    [Test]
    public void TryRead_EmptyChannel_ReturnsFalse()
    {
        var (_, reader) = CreateChannel();

        Assert.That(reader.TryRead(out _), Is.False);
    }

    [Test]
    public void TryWrite_ThenTryRead_ItemsArriveInWriteOrder()
    {
        var (writer, reader) = CreateChannel();
        var count = Math.Min(MaxBufferedItems, 100);

        for (var i = 0; i < count; i++)
        {
            Assert.That(writer.TryWrite(i), Is.True);
        }

        for (var i = 0; i < count; i++)
        {
            Assert.That(reader.TryRead(out var item), Is.True);
            Assert.That(item, Is.EqualTo(i));
        }

        Assert.That(reader.TryRead(out _), Is.False);
    }

    [Test]
    public async Task WriteAsync_ConcurrentWithReadAsync_ItemsArriveInWriteOrder()
    {
        const int Count = 10_000;
        var (writer, reader) = CreateChannel();

        var writing = Task.Run(async () =>
        {
            for (var i = 0; i < Count; i++)
            {
                await writer.WriteAsync(i);
            }
        });

        for (var i = 0; i < Count; i++)
        {
            Assert.That(await reader.ReadAsync().AsTask().WaitAsync(Timeout), Is.EqualTo(i));
        }

        await writing.WaitAsync(Timeout);
    }

    [Test]
    public async Task WriteAsync_ManyThreadsThroughOneWriter_EveryItemArrivesExactlyOnce()
    {
        const int Threads = 4;
        const int PerThread = 5_000;
        var (writer, reader) = CreateChannel();

        var writers = Enumerable.Range(0, Threads)
            .Select(t => Task.Run(async () =>
            {
                for (var i = 0; i < PerThread; i++)
                {
                    await writer.WriteAsync((t * PerThread) + i);
                }
            }))
            .ToArray();
        var seen = new bool[Threads * PerThread];
        var duplicates = 0;
        for (var i = 0; i < seen.Length; i++)
        {
            var item = await reader.ReadAsync().AsTask().WaitAsync(Timeout);
            duplicates += seen[item] ? 1 : 0;
            seen[item] = true;
        }

        await Task.WhenAll(writers).WaitAsync(Timeout);
        Assert.That(duplicates, Is.Zero);
        Assert.That(seen, Is.All.True);
        Assert.That(reader.TryRead(out _), Is.False);
    }

    [Test]
    public async Task WaitToReadAsync_ParkedThenWrittenFromAnotherThread_ReturnsTrue()
    {
        var (writer, reader) = CreateChannel();

        var wait = reader.WaitToReadAsync();
        Assert.That(wait.IsCompleted, Is.False);
        await Task.Run(() => writer.TryWrite(7));

        Assert.That(await wait.AsTask().WaitAsync(Timeout), Is.True);
        Assert.That(reader.TryRead(out var item), Is.True);
        Assert.That(item, Is.EqualTo(7));
    }

    [Test]
    public async Task WaitToReadAsync_ItemAlreadyQueued_CompletesSynchronouslyWithTrue()
    {
        var (writer, reader) = CreateChannel();
        Assert.That(writer.TryWrite(1), Is.True);

        var wait = reader.WaitToReadAsync();

        Assert.That(wait.IsCompletedSuccessfully, Is.True);
        Assert.That(await wait, Is.True);
    }

    [Test]
    public void Completion_BeforeTheWriterCompletes_IsNotCompleted()
    {
        var (writer, reader) = CreateChannel();
        Assert.That(writer.TryWrite(1), Is.True);
        Assert.That(reader.TryRead(out _), Is.True);

        Assert.That(reader.Completion.IsCompleted, Is.False);
    }

    [Test]
    public async Task TryComplete_EmptyChannel_CompletesReader()
    {
        var (writer, reader) = CreateChannel();

        Assert.That(writer.TryComplete(), Is.True);

        await reader.Completion.WaitAsync(Timeout);
        Assert.That(reader.Completion.IsCompletedSuccessfully, Is.True);
        Assert.That(await reader.WaitToReadAsync(), Is.False);
        Assert.That(reader.TryRead(out _), Is.False);
    }

    [Test]
    public void TryComplete_Twice_SecondReturnsFalse()
    {
        var (writer, _) = CreateChannel();

        Assert.That(writer.TryComplete(), Is.True);
        Assert.That(writer.TryComplete(), Is.False);
        Assert.That(writer.TryComplete(new FormatException()), Is.False);
    }

    [Test]
    public void TryComplete_WithException_FaultsCompletionWithIt()
    {
        var (writer, reader) = CreateChannel();
        var error = new FormatException();

        Assert.That(writer.TryComplete(error), Is.True);

        var thrown = Assert.CatchAsync<FormatException>(async () => await reader.Completion.WaitAsync(Timeout));
        Assert.That(thrown, Is.SameAs(error));
    }

    [Test]
    public void WaitToReadAsync_AfterCompleteWithException_ThrowsIt()
    {
        var (writer, reader) = CreateChannel();
        var error = new FormatException();
        writer.TryComplete(error);

        var thrown = Assert.ThrowsAsync<FormatException>(async () => await reader.WaitToReadAsync());

        Assert.That(thrown, Is.SameAs(error));
    }

    [Test]
    public void ReadAsync_AfterCompleteWithException_ThrowsChannelClosedWithItAsInner()
    {
        var (writer, reader) = CreateChannel();
        var error = new FormatException();
        writer.TryComplete(error);

        var thrown = Assert.ThrowsAsync<ChannelClosedException>(async () => await reader.ReadAsync());

        Assert.That(thrown!.InnerException, Is.SameAs(error));
    }

    [Test]
    public async Task WaitToReadAsync_ParkedThenCompletedWithException_ThrowsIt()
    {
        var (writer, reader) = CreateChannel();
        var error = new FormatException();

        var wait = reader.WaitToReadAsync();
        Assert.That(wait.IsCompleted, Is.False);
        await Task.Run(() => writer.TryComplete(error));

        var thrown = Assert.CatchAsync<FormatException>(async () => await wait.AsTask().WaitAsync(Timeout));
        Assert.That(thrown, Is.SameAs(error));
    }

    [Test]
    public async Task WaitToReadAsync_ParkedThenCompleted_ReturnsFalse()
    {
        var (writer, reader) = CreateChannel();

        var wait = reader.WaitToReadAsync();
        Assert.That(wait.IsCompleted, Is.False);
        await Task.Run(() => writer.TryComplete());

        Assert.That(await wait.AsTask().WaitAsync(Timeout), Is.False);
        await reader.Completion.WaitAsync(Timeout);
    }

    [Test]
    public void TryComplete_WithOperationCanceledException_CancelsCompletion()
    {
        var (writer, reader) = CreateChannel();

        writer.TryComplete(new OperationCanceledException());

        Assert.That(
            async () => await reader.Completion.WaitAsync(Timeout),
            Throws.InstanceOf<OperationCanceledException>());
        Assert.That(reader.Completion.IsCanceled, Is.True);
    }

    [Test]
    public async Task TryComplete_WithItemsQueued_EveryItemIsReadBeforeCompletion()
    {
        var (writer, reader) = CreateChannel();
        var count = Math.Min(MaxBufferedItems, 10);
        for (var i = 0; i < count; i++)
        {
            Assert.That(writer.TryWrite(i), Is.True);
        }

        writer.TryComplete();

        for (var i = 0; i < count; i++)
        {
            Assert.That(reader.Completion.IsCompleted, Is.False, $"completed before item {i} was read");
            Assert.That(await reader.ReadAsync().AsTask().WaitAsync(Timeout), Is.EqualTo(i));
        }

        await reader.Completion.WaitAsync(Timeout);
        Assert.That(await reader.WaitToReadAsync(), Is.False);
    }

    [Test]
    public async Task TryComplete_WithExceptionAndItemsQueued_ItemsAreReadBeforeTheFault()
    {
        var (writer, reader) = CreateChannel();
        var error = new FormatException();
        var count = Math.Min(MaxBufferedItems, 3);
        for (var i = 0; i < count; i++)
        {
            Assert.That(writer.TryWrite(i), Is.True);
        }

        writer.TryComplete(error);

        for (var i = 0; i < count; i++)
        {
            Assert.That(await reader.WaitToReadAsync(), Is.True);
            Assert.That(reader.Completion.IsCompleted, Is.False);
            Assert.That(reader.TryRead(out var item), Is.True);
            Assert.That(item, Is.EqualTo(i));
        }

        var thrown = Assert.ThrowsAsync<FormatException>(async () => await reader.WaitToReadAsync());
        Assert.That(thrown, Is.SameAs(error));
        Assert.That(
            async () => await reader.Completion.WaitAsync(Timeout),
            Throws.TypeOf<FormatException>());
    }

    [Test]
    public void ReadAsync_AfterComplete_ThrowsChannelClosed()
    {
        var (writer, reader) = CreateChannel();
        writer.TryComplete();

        Assert.ThrowsAsync<ChannelClosedException>(async () => await reader.ReadAsync());
    }

    [Test]
    public void ReadAsync_AfterCompleteWithOperationCanceled_ThrowsIt()
    {
        var (writer, reader) = CreateChannel();
        var error = new OperationCanceledException();
        writer.TryComplete(error);

        // The BCL throws a cancellation of its own; a spillway channel rethrows the writer's exception.
        Assert.CatchAsync<OperationCanceledException>(async () => await reader.ReadAsync());
    }

    [Test]
    public void WriteAsync_AfterCompleteWithException_ThrowsChannelClosedWithItAsInner()
    {
        var (writer, _) = CreateChannel();
        var error = new FormatException();
        writer.TryComplete(error);

        var thrown = Assert.ThrowsAsync<ChannelClosedException>(async () => await writer.WriteAsync(1));

        Assert.That(thrown!.InnerException, Is.SameAs(error));
    }

    [Test]
    public void WriteAsync_AfterCompleteWithOperationCanceled_ThrowsIt()
    {
        var (writer, _) = CreateChannel();
        var error = new OperationCanceledException();
        writer.TryComplete(error);

        var thrown = Assert.CatchAsync<OperationCanceledException>(async () => await writer.WriteAsync(1));

        Assert.That(thrown, Is.SameAs(error));
    }

    [Test]
    public void TryWrite_AfterCompleteWithException_ReturnsFalse()
    {
        var (writer, _) = CreateChannel();
        writer.TryComplete(new FormatException());

        Assert.That(writer.TryWrite(1), Is.False);
    }

    [Test]
    public void WaitToWriteAsync_AfterCompleteWithException_ThrowsIt()
    {
        var (writer, _) = CreateChannel();
        var error = new FormatException();
        writer.TryComplete(error);

        var thrown = Assert.CatchAsync<FormatException>(async () => await writer.WaitToWriteAsync());

        Assert.That(thrown, Is.SameAs(error));
    }

    [Test]
    public async Task WaitToReadAsync_AbandonedWaitThenANewOne_NewOneWorksAndTheOldOneIsCancelled()
    {
        // The polling idiom: Task.WhenAny(reader.WaitToReadAsync().AsTask(), timeout), then a new wait.
        var (writer, reader) = CreateChannel();
        var abandoned = reader.WaitToReadAsync().AsTask();
        Assert.That(abandoned.IsCompleted, Is.False);

        var next = reader.WaitToReadAsync().AsTask();
        Assert.That(writer.TryWrite(1), Is.True);

        Assert.That(await next.WaitAsync(Timeout), Is.True);
        Assert.That(reader.TryRead(out var item), Is.True);
        Assert.That(item, Is.EqualTo(1));
        if (SupersedesAbandonedReads)
        {
            Assert.That(async () => await abandoned.WaitAsync(Timeout), Throws.InstanceOf<OperationCanceledException>());
        }
    }

    [Test]
    public async Task WaitToReadAsync_AbandonedWaitThenTryRead_ReadsAndWaitsAgain()
    {
        var (writer, reader) = CreateChannel();
        _ = reader.WaitToReadAsync().AsTask();

        Assert.That(reader.TryRead(out _), Is.False);
        Assert.That(writer.TryWrite(2), Is.True);
        Assert.That(reader.TryRead(out var item), Is.True);
        Assert.That(item, Is.EqualTo(2));

        var next = reader.WaitToReadAsync().AsTask();
        Assert.That(writer.TryWrite(3), Is.True);
        Assert.That(await next.WaitAsync(Timeout), Is.True);
        Assert.That(await reader.ReadAsync().AsTask().WaitAsync(Timeout), Is.EqualTo(3));
    }

    [Test]
    public async Task ReadAsync_AbandonedReadThenANewOne_NewOneGetsTheItemAndTheOldOneIsCancelled()
    {
        var (writer, reader) = CreateChannel();
        var abandoned = reader.ReadAsync().AsTask();
        Assert.That(abandoned.IsCompleted, Is.False);

        var next = reader.ReadAsync().AsTask();
        Assert.That(writer.TryWrite(4), Is.True);
        if (!SupersedesAbandonedReads)
        {
            // A multi-reader channel (the BCL's bounded one) serves its reads oldest first instead.
            Assert.That(await abandoned.WaitAsync(Timeout), Is.EqualTo(4));
            Assert.That(writer.TryWrite(5), Is.True);
            Assert.That(await next.WaitAsync(Timeout), Is.EqualTo(5));
            return;
        }

        Assert.That(await next.WaitAsync(Timeout), Is.EqualTo(4));
        Assert.That(async () => await abandoned.WaitAsync(Timeout), Throws.InstanceOf<OperationCanceledException>());
    }

    [Test]
    public async Task WaitToReadAsync_AbandonedWaitThenCompleted_NewWaitReturnsFalse()
    {
        var (writer, reader) = CreateChannel();
        _ = reader.WaitToReadAsync().AsTask();

        var next = reader.WaitToReadAsync().AsTask();
        writer.TryComplete();

        Assert.That(await next.WaitAsync(Timeout), Is.False);
        await reader.Completion.WaitAsync(Timeout);
    }

    [Test]
    public void TryWrite_AfterComplete_ReturnsFalse()
    {
        var (writer, reader) = CreateChannel();
        writer.TryComplete();

        Assert.That(writer.TryWrite(1), Is.False);
        Assert.That(reader.TryRead(out _), Is.False);
    }

    [Test]
    public void WriteAsync_AfterComplete_ThrowsChannelClosed()
    {
        var (writer, _) = CreateChannel();
        writer.TryComplete();

        Assert.ThrowsAsync<ChannelClosedException>(async () => await writer.WriteAsync(1));
    }

    [Test]
    public async Task WaitToWriteAsync_OpenChannelWithRoom_ReturnsTrue()
    {
        var (writer, _) = CreateChannel();

        Assert.That(await writer.WaitToWriteAsync().AsTask().WaitAsync(Timeout), Is.True);
    }

    [Test]
    public async Task WaitToWriteAsync_AfterComplete_ReturnsFalse()
    {
        var (writer, _) = CreateChannel();
        writer.TryComplete();

        Assert.That(await writer.WaitToWriteAsync().AsTask().WaitAsync(Timeout), Is.False);
    }

    [Test]
    public void WaitToWriteAsync_PreCancelledToken_IsCanceled()
    {
        var (writer, _) = CreateChannel();
        using var cts = new CancellationTokenSource();
        cts.Cancel();

        Assert.CatchAsync<OperationCanceledException>(async () => await writer.WaitToWriteAsync(cts.Token));
    }

    [Test]
    public void WriteAsync_PreCancelledToken_IsCanceledAndWritesNothing()
    {
        var (writer, reader) = CreateChannel();
        using var cts = new CancellationTokenSource();
        cts.Cancel();

        Assert.CatchAsync<OperationCanceledException>(async () => await writer.WriteAsync(1, cts.Token));
        Assert.That(reader.TryRead(out _), Is.False);
    }

    [Test]
    public async Task WriteAsync_RoomAvailable_CompletesAndItemIsReadable()
    {
        var (writer, reader) = CreateChannel();

        await writer.WriteAsync(5).AsTask().WaitAsync(Timeout);

        Assert.That(reader.TryRead(out var item), Is.True);
        Assert.That(item, Is.EqualTo(5));
    }

    [Test]
    public void WaitToReadAsync_PreCancelledToken_IsCanceledEvenWithItemsQueued()
    {
        var (writer, reader) = CreateChannel();
        writer.TryWrite(1);
        using var cts = new CancellationTokenSource();
        cts.Cancel();

        var thrown = Assert.CatchAsync<OperationCanceledException>(async () => await reader.WaitToReadAsync(cts.Token));

        Assert.That(thrown!.CancellationToken, Is.EqualTo(cts.Token));
        Assert.That(reader.TryRead(out var item), Is.True);
        Assert.That(item, Is.EqualTo(1));
    }

    [Test]
    public void ReadAsync_PreCancelledToken_IsCanceledAndConsumesNothing()
    {
        var (writer, reader) = CreateChannel();
        writer.TryWrite(1);
        using var cts = new CancellationTokenSource();
        cts.Cancel();

        var thrown = Assert.CatchAsync<OperationCanceledException>(async () => await reader.ReadAsync(cts.Token));

        Assert.That(thrown!.CancellationToken, Is.EqualTo(cts.Token));
        Assert.That(reader.TryRead(out var item), Is.True);
        Assert.That(item, Is.EqualTo(1));
    }

    [Test]
    public async Task WaitToReadAsync_CancelledWhileParked_ThrowsAndALaterItemIsStillRead()
    {
        var (writer, reader) = CreateChannel();
        using var cts = new CancellationTokenSource();

        var wait = reader.WaitToReadAsync(cts.Token);
        Assert.That(wait.IsCompleted, Is.False);
        await cts.CancelAsync();

        var thrown = Assert.CatchAsync<OperationCanceledException>(async () => await wait.AsTask().WaitAsync(Timeout));
        Assert.That(thrown!.CancellationToken, Is.EqualTo(cts.Token));

        Assert.That(writer.TryWrite(42), Is.True);
        Assert.That(await reader.WaitToReadAsync().AsTask().WaitAsync(Timeout), Is.True);
        Assert.That(reader.TryRead(out var item), Is.True);
        Assert.That(item, Is.EqualTo(42));
    }

    [Test]
    public async Task ReadAsync_CancelledWhileParked_ThrowsAndALaterItemIsStillRead()
    {
        var (writer, reader) = CreateChannel();
        using var cts = new CancellationTokenSource();

        var read = reader.ReadAsync(cts.Token).AsTask();
        Assert.That(read.IsCompleted, Is.False);
        await cts.CancelAsync();

        var thrown = Assert.CatchAsync<OperationCanceledException>(async () => await read.WaitAsync(Timeout));
        Assert.That(thrown!.CancellationToken, Is.EqualTo(cts.Token));

        Assert.That(writer.TryWrite(42), Is.True);
        Assert.That(await reader.ReadAsync().AsTask().WaitAsync(Timeout), Is.EqualTo(42));
        Assert.That(reader.TryRead(out _), Is.False);
    }

    [Test]
    public async Task ReadAllAsync_WriterCompletesAfterWriting_YieldsEveryItemInOrderThenEnds()
    {
        const int Count = 1_000;
        var (writer, reader) = CreateChannel();

        var writing = Task.Run(async () =>
        {
            for (var i = 0; i < Count; i++)
            {
                await writer.WriteAsync(i);
            }

            writer.TryComplete();
        });
        var read = new List<int>();
        await foreach (var item in reader.ReadAllAsync())
        {
            read.Add(item);
        }

        await writing.WaitAsync(Timeout);
        Assert.That(read, Is.EqualTo(Enumerable.Range(0, Count)));
        await reader.Completion.WaitAsync(Timeout);
    }

    [Test]
    public async Task ReadAllAsync_CancelledWhileWaiting_Throws()
    {
        var (writer, reader) = CreateChannel();
        writer.TryWrite(1);
        using var cts = new CancellationTokenSource();

        var enumerator = reader.ReadAllAsync(cts.Token).GetAsyncEnumerator();
        try
        {
            Assert.That(await enumerator.MoveNextAsync(), Is.True);
            Assert.That(enumerator.Current, Is.EqualTo(1));
            var next = enumerator.MoveNextAsync();
            Assert.That(next.IsCompleted, Is.False);
            await cts.CancelAsync();

            Assert.CatchAsync<OperationCanceledException>(async () => await next.AsTask().WaitAsync(Timeout));
        }
        finally
        {
            await enumerator.DisposeAsync();
        }
    }

    [Test]
    public void Count_ItemsQueuedAndRead_TracksWhatIsLeft()
    {
        var (writer, reader) = CreateChannel();
        var count = Math.Min(MaxBufferedItems, 3);

        if (!reader.CanCount)
        {
            // The BCL's single-reader unbounded channel cannot count, and says so.
            Assert.That(() => reader.Count, Throws.InstanceOf<NotSupportedException>());
            return;
        }

        Assert.That(reader.Count, Is.Zero);
        for (var i = 0; i < count; i++)
        {
            writer.TryWrite(i);
        }

        Assert.That(reader.Count, Is.EqualTo(count));
        reader.TryRead(out _);
        Assert.That(reader.Count, Is.EqualTo(count - 1));
        while (reader.TryRead(out _))
        {
        }

        Assert.That(reader.Count, Is.Zero);
    }

    [Test]
    public void TryPeek_EmptyChannel_ReturnsFalse()
    {
        var (_, reader) = CreateChannel();

        Assert.That(reader.CanPeek, Is.True);
        Assert.That(reader.TryPeek(out _), Is.False);
    }

    [Test]
    public void TryPeek_ItemsQueued_ShowsTheNextItemWithoutTakingIt()
    {
        var (writer, reader) = CreateChannel();
        writer.TryWrite(1);
        writer.TryWrite(2);

        Assert.That(reader.TryPeek(out var peeked), Is.True);
        Assert.That(peeked, Is.EqualTo(1));
        Assert.That(reader.TryPeek(out peeked), Is.True);
        Assert.That(peeked, Is.EqualTo(1));
        if (reader.CanCount)
        {
            Assert.That(reader.Count, Is.EqualTo(2));
        }


        Assert.That(reader.TryRead(out var item), Is.True);
        Assert.That(item, Is.EqualTo(1));
        Assert.That(reader.TryPeek(out peeked), Is.True);
        Assert.That(peeked, Is.EqualTo(2));
    }

    [Test]
    public async Task TryPeek_LastItemAfterComplete_DoesNotCompleteTheReader()
    {
        var (writer, reader) = CreateChannel();
        writer.TryWrite(1);
        writer.TryComplete();

        Assert.That(reader.TryPeek(out _), Is.True);
        Assert.That(reader.Completion.IsCompleted, Is.False);
        Assert.That(reader.TryRead(out _), Is.True);

        await reader.Completion.WaitAsync(Timeout);
    }
}
