using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace Spillway.Tests;

/// <summary>
/// The receiver's own rules: disposing it closes the channel for every sender and releases what is queued, and a read
/// started while a wait is still parked supersedes that wait instead of failing.
/// </summary>
public sealed class ReceiverTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Test]
    public void Dispose_ThenSend_ThrowsChannelClosed()
    {
        var (sender, receiver) = SpillwayChannel.Create<int>();
        using var clone = sender.Clone();

        receiver.Dispose();

        Assert.Throws<ChannelClosedException>(() => sender.Send(1));
        Assert.Throws<ChannelClosedException>(() => clone.SendMany([1, 2]));
        Assert.ThrowsAsync<ChannelClosedException>(async () => await sender.WriteAsync(1));
        Assert.Throws<ChannelClosedException>(() => sender.Clone());
    }

    [Test]
    public void Dispose_ThenTryWrite_ReturnsFalse()
    {
        var (sender, receiver) = SpillwayChannel.Create<int>();

        receiver.Dispose();

        Assert.That(sender.TryWrite(1), Is.False);
    }

    [Test]
    public async Task Dispose_WhileWaitToReadAsyncIsPending_WaitReturnsFalse()
    {
        var (sender, receiver) = SpillwayChannel.Create<int>();
        var wait = receiver.WaitToReadAsync();
        Assert.That(wait.IsCompleted, Is.False);

        await Task.Run(receiver.Dispose);

        Assert.That(await wait.AsTask().WaitAsync(Timeout), Is.False);
        await receiver.Completion.WaitAsync(Timeout);
        sender.Dispose();
    }

    [Test]
    public async Task Dispose_WhileReadAsyncIsPending_ReadThrowsChannelClosed()
    {
        var (sender, receiver) = SpillwayChannel.Create<int>();
        var read = receiver.ReadAsync().AsTask();
        Assert.That(read.IsCompleted, Is.False);

        await Task.Run(receiver.Dispose);

        Assert.ThrowsAsync<ChannelClosedException>(async () => await read.WaitAsync(Timeout));
        sender.Dispose();
    }

    [Test]
    public async Task Dispose_WithMessagesQueued_DropsThemAndCompletes()
    {
        var (sender, receiver) = SpillwayChannel.Create<int>();
        using var clone = sender.Clone();
        sender.Send(1);
        clone.Send(2);
        Assert.That(receiver.Count, Is.EqualTo(2));

        receiver.Dispose();

        Assert.That(receiver.Count, Is.Zero);
        Assert.That(receiver.TryRead(out _), Is.False);
        Assert.That(await receiver.WaitToReadAsync(), Is.False);
        Assert.ThrowsAsync<ChannelClosedException>(async () => await receiver.ReadAsync());
        await receiver.Completion.WaitAsync(Timeout);
        Assert.That(receiver.Completion.IsCompletedSuccessfully, Is.True);
    }

    [Test]
    public void Dispose_WithMessageQueuedInALane_NoLongerReferencesIt()
    {
        var (sender, receiver) = SpillwayChannel.Create<object>();
        var queued = SendNewObject(sender);
        Collect();
        Assert.That(queued.IsAlive, Is.True, "a queued message must be kept alive: the test would prove nothing");

        receiver.Dispose();
        Collect();

        Assert.That(queued.IsAlive, Is.False);
        GC.KeepAlive(sender);
        GC.KeepAlive(receiver);
    }

    [Test]
    public void Dispose_WithMessageInTheReadersBatch_NoLongerReferencesIt()
    {
        var (sender, receiver) = SpillwayChannel.Create<object>();
        SendNewObject(sender);
        var inBatch = SendNewObject(sender);
        Assert.That(receiver.TryRead(out _), Is.True); // the reader now holds the lane's batch, second message unread
        Collect();
        Assert.That(inBatch.IsAlive, Is.True, "an unread message must be kept alive: the test would prove nothing");

        receiver.Dispose();
        Collect();

        Assert.That(inBatch.IsAlive, Is.False);
        GC.KeepAlive(sender);
        GC.KeepAlive(receiver);
    }

    [Test]
    public void Dispose_Twice_IsHarmless()
    {
        var (sender, receiver) = SpillwayChannel.Create<int>();

        receiver.Dispose();
        receiver.Dispose();

        Assert.That(receiver.Completion.IsCompletedSuccessfully, Is.True);
        sender.Dispose();
    }

    [Test]
    public async Task Dispose_AfterWritersCompletedWithAnError_CompletesWithoutTheError()
    {
        var (sender, receiver) = SpillwayChannel.Create<int>();
        sender.Send(1);
        sender.TryComplete(new FormatException());

        receiver.Dispose();

        await receiver.Completion.WaitAsync(Timeout);
        Assert.That(receiver.Completion.IsCompletedSuccessfully, Is.True);
        Assert.That(await receiver.WaitToReadAsync(), Is.False);
    }

    [Test]
    public async Task WaitToReadAsync_SecondWaitWhileTheFirstIsParked_CancelsTheFirstAndTheChannelStillWorks()
    {
        var (sender, receiver) = SpillwayChannel.Create<int>();
        var first = receiver.WaitToReadAsync();
        Assert.That(first.IsCompleted, Is.False);

        var second = receiver.WaitToReadAsync();

        Assert.That(first.IsCanceled, Is.True, "the abandoned wait is cancelled at once, as the BCL single-reader channel does");
        Assert.CatchAsync<OperationCanceledException>(async () => await first);
        sender.Send(1);
        Assert.That(await second.AsTask().WaitAsync(Timeout), Is.True);
        Assert.That(receiver.TryRead(out var item), Is.True);
        Assert.That(item, Is.EqualTo(1));

        sender.Send(2);
        Assert.That(await receiver.ReadAsync().AsTask().WaitAsync(Timeout), Is.EqualTo(2));
        sender.Dispose();
        Assert.That(await receiver.WaitToReadAsync().AsTask().WaitAsync(Timeout), Is.False);
        await receiver.Completion.WaitAsync(Timeout);
    }

    [Test]
    public async Task TryRead_WhileAWaitIsParked_CancelsTheWaitAndReads()
    {
        var (sender, receiver) = SpillwayChannel.Create<int>();
        var parked = receiver.WaitToReadAsync();
        sender.Send(0); // wakes the wait: it completes with true
        Assert.That(await parked.AsTask().WaitAsync(Timeout), Is.True);
        Assert.That(receiver.TryRead(out var first), Is.True);
        Assert.That(first, Is.Zero);
        var pending = receiver.WaitToReadAsync();
        Assert.That(pending.IsCompleted, Is.False);

        Assert.That(receiver.TryRead(out _), Is.False);
        Assert.That(receiver.TryPeek(out _), Is.False);
        Assert.That(receiver.TryReadBatch(out _), Is.False);

        Assert.That(pending.IsCanceled, Is.True);
        sender.Send(3);
        Assert.That(receiver.TryRead(out var item), Is.True);
        Assert.That(item, Is.EqualTo(3));
    }

    [Test]
    public async Task WaitToReadAsync_StaleResultOfAConsumedWait_ThrowsAndLeavesTheNewerWaitIntact()
    {
        var (sender, receiver) = SpillwayChannel.Create<int>();
        var consumed = receiver.WaitToReadAsync();
        Assert.That(consumed.IsCompleted, Is.False);
        sender.Send(1);
        Assert.That(await consumed.AsTask().WaitAsync(Timeout), Is.True);
        Assert.That(receiver.TryRead(out _), Is.True);
        using var cts = new CancellationTokenSource();
        var newer = receiver.WaitToReadAsync(cts.Token);
        Assert.That(newer.IsCompleted, Is.False);

        // Misuse: the consumed ValueTask read again. It must not release the reader guard or the newer wait's
        // cancellation registration.
        Assert.Throws<InvalidOperationException>(() => _ = consumed.Result);

        Assert.That(newer.IsCompleted, Is.False);
        await cts.CancelAsync();
        Assert.CatchAsync<OperationCanceledException>(async () => await newer.AsTask().WaitAsync(Timeout));
        sender.Send(2);
        Assert.That(await receiver.ReadAsync().AsTask().WaitAsync(Timeout), Is.EqualTo(2));
    }

    [Test]
    public void TryReadBatch_RacingDisposeOnAnotherThread_NeverHandsOverClearedMessages()
    {
        const int Rounds = 3_000;
        const int Messages = 8;
        var cleared = 0;
        var found = 0;
        for (var round = 0; round < Rounds; round++)
        {
            var (sender, receiver) = SpillwayChannel.Create<object>(new SpillwayChannelOptions { Lanes = 1 });
            sender.SendMany(Enumerable.Range(0, Messages).Select(_ => new object()).ToArray());
            var started = 0;
            var skew = round % 64;
            var disposing = Task.Run(() =>
            {
                // Interlocked/Volatile: a two-party start line, so the Dispose lands inside or around the batch read.
                Interlocked.Increment(ref started);
                while (Volatile.Read(ref started) < 2)
                {
                    Thread.SpinWait(1);
                }

                Thread.SpinWait(skew);
                receiver.Dispose();
            });
            Interlocked.Increment(ref started);
            while (Volatile.Read(ref started) < 2)
            {
                Thread.SpinWait(1);
            }

            if (receiver.TryReadBatch(out var batch))
            {
                found++;
                cleared += CountNulls(batch);
                Assert.That(disposing.Wait(Timeout), Is.True);

                // The span stays valid until the next call on the receiver: a Dispose on another thread must not clear it.
                cleared += CountNulls(batch);
            }
            else
            {
                Assert.That(disposing.Wait(Timeout), Is.True);
            }

            sender.Dispose();
        }

        Assert.That(cleared, Is.Zero, $"{found} of {Rounds} rounds read a batch");
    }

    [Test]
    public void Count_MessagesOnSeveralLanes_CountsThemAll()
    {
        var (first, receiver) = SpillwayChannel.Create<int>(new SpillwayChannelOptions { Lanes = 4 });
        using var second = first.Clone();
        using var third = first.Clone();

        first.Send(1);
        second.SendMany([2, 3]);
        third.Send(4);

        Assert.That(receiver.Count, Is.EqualTo(4));
        Assert.That(receiver.TryRead(out _), Is.True);
        Assert.That(receiver.Count, Is.EqualTo(3));
        Assert.That(receiver.TryReadBatch(out _), Is.True);
        Assert.That(receiver.Count, Is.EqualTo(1));
        first.Dispose();
    }

    private static int CountNulls(ReadOnlySpan<object> batch)
    {
        var nulls = 0;
        foreach (var message in batch)
        {
            nulls += message is null ? 1 : 0;
        }

        return nulls;
    }

    /// <summary>Sends a fresh object and returns only a weak reference to it, so no local keeps it alive.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference SendNewObject(Sender<object> sender)
    {
        var message = new object();
        sender.Send(message);
        return new WeakReference(message);
    }

    private static void Collect()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }
}
