using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace Spillway.Tests;

/// <summary>
/// The receiver's own rules: disposing it closes the channel for every sender and releases what is queued, and a
/// second concurrent reader is refused without harming the channel.
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
    public async Task WaitToReadAsync_SecondConcurrentWait_ThrowsInvalidOperationAndChannelStillWorks()
    {
        var (sender, receiver) = SpillwayChannel.Create<int>();
        var first = receiver.WaitToReadAsync();
        Assert.That(first.IsCompleted, Is.False);

        // Thrown or returned as a faulted task: either way the caller sees it at the await.
        Assert.ThrowsAsync<InvalidOperationException>(async () => await receiver.WaitToReadAsync());
        Assert.ThrowsAsync<InvalidOperationException>(async () => await receiver.ReadAsync());
        Assert.Throws<InvalidOperationException>(() => receiver.TryRead(out _));
        Assert.Throws<InvalidOperationException>(() => receiver.TryPeek(out _));
        Assert.Throws<InvalidOperationException>(() => receiver.TryReadBatch(out _));

        sender.Send(1);
        Assert.That(await first.AsTask().WaitAsync(Timeout), Is.True);
        Assert.That(receiver.TryRead(out var item), Is.True);
        Assert.That(item, Is.EqualTo(1));

        sender.Send(2);
        Assert.That(await receiver.ReadAsync().AsTask().WaitAsync(Timeout), Is.EqualTo(2));
        sender.Dispose();
        Assert.That(await receiver.WaitToReadAsync().AsTask().WaitAsync(Timeout), Is.False);
        await receiver.Completion.WaitAsync(Timeout);
    }

    [Test]
    public async Task ReadAsync_SecondConcurrentRead_ThrowsInvalidOperationAndTheFirstStillCompletes()
    {
        var (sender, receiver) = SpillwayChannel.Create<int>();
        var first = receiver.ReadAsync().AsTask();
        Assert.That(first.IsCompleted, Is.False);

        Assert.ThrowsAsync<InvalidOperationException>(async () => await receiver.ReadAsync());

        await Task.Run(() => sender.Send(5));
        Assert.That(await first.WaitAsync(Timeout), Is.EqualTo(5));
        sender.Dispose();
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
