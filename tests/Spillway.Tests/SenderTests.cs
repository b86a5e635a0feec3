using System.Threading.Channels;

namespace Spillway.Tests;

/// <summary>
/// The lifetime of sender handles: clone, dispose and complete each release one handle, the channel completes when the
/// last one goes, and a released handle fails with an exception that says why.
/// </summary>
public sealed class SenderTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Test]
    public void Send_AfterDispose_ThrowsObjectDisposed()
    {
        var (sender, _) = SpillwayChannel.Create<int>();
        sender.Dispose();

        Assert.Throws<ObjectDisposedException>(() => sender.Send(1));
        Assert.Throws<ObjectDisposedException>(() => sender.SendMany([1, 2]));
        Assert.That(sender.TryWrite(1), Is.False);
    }

    [Test]
    public void WriteAsync_AfterDispose_ThrowsObjectDisposed()
    {
        var (sender, _) = SpillwayChannel.Create<int>();
        sender.Dispose();

        Assert.ThrowsAsync<ObjectDisposedException>(async () => await sender.WriteAsync(1));
    }

    [Test]
    public void Clone_AfterDispose_ThrowsObjectDisposed()
    {
        var (sender, _) = SpillwayChannel.Create<int>();
        using var other = sender.Clone(); // the channel itself stays open
        sender.Dispose();

        Assert.Throws<ObjectDisposedException>(() => sender.Clone());
    }

    [Test]
    public void Send_ThroughADisposedHandle_OtherHandlesAndTheChannelAreUnharmed()
    {
        var (first, receiver) = SpillwayChannel.Create<int>(new SpillwayChannelOptions { Lanes = 1 });
        var second = first.Clone(); // shares the lane with the disposed handle
        first.Send(1);
        first.Dispose();

        Assert.Throws<ObjectDisposedException>(() => first.Send(2));
        second.Send(3);

        Assert.That(receiver.TryReadBatch(out var batch), Is.True);
        Assert.That(batch.ToArray(), Is.EqualTo(new[] { 1, 3 }));
        second.Dispose();
        Assert.That(receiver.Completion.IsCompletedSuccessfully, Is.True);
    }

    [Test]
    public void Send_AfterTryComplete_ThrowsChannelClosed()
    {
        var (sender, _) = SpillwayChannel.Create<int>();
        sender.TryComplete();

        Assert.Throws<ChannelClosedException>(() => sender.Send(1));
        Assert.Throws<ChannelClosedException>(() => sender.SendMany([1]));
    }

    [Test]
    public void Clone_AfterTryComplete_ThrowsChannelClosed()
    {
        var (sender, _) = SpillwayChannel.Create<int>();
        sender.TryComplete();

        Assert.Throws<ChannelClosedException>(() => sender.Clone());
    }

    [Test]
    public void Dispose_Twice_IsHarmlessAndCompletesOnce()
    {
        var (sender, receiver) = SpillwayChannel.Create<int>();

        sender.Dispose();
        sender.Dispose();

        Assert.That(sender.TryComplete(), Is.False);
        Assert.That(receiver.Completion.IsCompletedSuccessfully, Is.True);
    }

    [Test]
    public void Send_AfterTryCompleteThenDispose_ThrowsObjectDisposed()
    {
        var (sender, _) = SpillwayChannel.Create<int>();
        sender.TryComplete();
        sender.Dispose();

        Assert.Throws<ObjectDisposedException>(() => sender.Send(1));
    }

    [Test]
    public async Task Dispose_OneOfTwoHandles_ChannelStaysOpenUntilTheOtherGoes()
    {
        var (first, receiver) = SpillwayChannel.Create<int>();
        var second = first.Clone();

        first.Dispose();
        second.Send(1);

        Assert.That(receiver.Completion.IsCompleted, Is.False);
        Assert.That(await receiver.ReadAsync().AsTask().WaitAsync(Timeout), Is.EqualTo(1));
        var wait = receiver.WaitToReadAsync();
        Assert.That(wait.IsCompleted, Is.False);

        second.Dispose();

        Assert.That(await wait.AsTask().WaitAsync(Timeout), Is.False);
        await receiver.Completion.WaitAsync(Timeout);
    }

    [Test]
    public void Clone_OfAClone_KeepsTheChannelOpen()
    {
        var (first, receiver) = SpillwayChannel.Create<int>();
        var second = first.Clone();
        first.Dispose();
        var third = second.Clone();
        second.Dispose();

        third.Send(3);

        Assert.That(receiver.Completion.IsCompleted, Is.False);
        Assert.That(receiver.TryRead(out var item), Is.True);
        Assert.That(item, Is.EqualTo(3));
        third.Dispose();
        Assert.That(receiver.Completion.IsCompletedSuccessfully, Is.True);
    }

    [Test]
    public void TryComplete_OneHandleWithAnErrorWhileAnotherIsOpen_OnlyThatHandleStops()
    {
        var (first, receiver) = SpillwayChannel.Create<int>();
        var second = first.Clone();

        Assert.That(first.TryComplete(new FormatException()), Is.True);

        Assert.That(second.TryWrite(2), Is.True);
        Assert.That(receiver.TryRead(out var item), Is.True);
        Assert.That(item, Is.EqualTo(2));
        Assert.That(receiver.Completion.IsCompleted, Is.False);
        second.Dispose();
    }

    [Test]
    public void TryComplete_TwoHandlesWithErrors_TheFirstErrorFaultsCompletion()
    {
        var (first, receiver) = SpillwayChannel.Create<int>();
        var second = first.Clone();
        var firstError = new FormatException();

        first.TryComplete(firstError);
        second.TryComplete(new InvalidCastException());

        var thrown = Assert.CatchAsync<FormatException>(async () => await receiver.Completion.WaitAsync(Timeout));
        Assert.That(thrown, Is.SameAs(firstError));
    }

    [Test]
    public void TryComplete_OneHandleWithErrorOtherDisposedLater_CompletionFaultsAfterTheDrain()
    {
        var (first, receiver) = SpillwayChannel.Create<int>();
        var second = first.Clone();
        var error = new FormatException();

        first.Send(1);
        first.TryComplete(error);
        second.Send(2);
        second.Dispose();

        Assert.That(receiver.TryRead(out _), Is.True);
        Assert.That(receiver.Completion.IsCompleted, Is.False);
        Assert.That(receiver.TryRead(out _), Is.True);
        Assert.That(receiver.Completion.IsFaulted, Is.True);
        Assert.That(receiver.Completion.Exception!.InnerException, Is.SameAs(error));
    }

    [Test]
    public async Task WaitToWriteAsync_AfterDispose_ReturnsFalse()
    {
        var (sender, _) = SpillwayChannel.Create<int>();
        sender.Dispose();

        Assert.That(await sender.WaitToWriteAsync().AsTask().WaitAsync(Timeout), Is.False);
    }
}
