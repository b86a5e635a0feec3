using System.Threading.Channels;

namespace Spillway.Tests;

/// <summary>The original crate's README example, ported: the same sends, the same expected order.</summary>
public sealed class ReadmeExampleTests
{
    [Test]
    public async Task ReadmeExample_SendsFromThreeHandles_ArriveInTheOriginalsOrder()
    {
        var (sender1, receiver) = SpillwayChannel.Create<int>();
        sender1.Send(1);
        using var sender2 = sender1.Clone();
        sender2.Send(2);
        sender1.Send(3);
        sender2.Send(4);
        Assert.That(await receiver.ReadAsync(), Is.EqualTo(1));
        sender1.Send(5);
        Assert.That(await receiver.ReadAsync(), Is.EqualTo(3));
        Assert.That(await receiver.ReadAsync(), Is.EqualTo(2));
        Assert.That(await receiver.ReadAsync(), Is.EqualTo(4));
        using var sender3 = sender1.Clone();
        sender3.Send(6);
        Assert.That(await receiver.ReadAsync(), Is.EqualTo(6));
        Assert.That(await receiver.ReadAsync(), Is.EqualTo(5));
        sender1.Dispose();
        sender2.Dispose();
        sender3.Dispose();
        Assert.That(await receiver.WaitToReadAsync(), Is.False);
        Assert.That(receiver.Completion.IsCompletedSuccessfully, Is.True);
    }

    [Test]
    public async Task ParkedReader_WokenBySendFromAnotherThread()
    {
        var (sender, receiver) = SpillwayChannel.Create<int>();
        var read = receiver.ReadAsync();
        Assert.That(read.IsCompleted, Is.False);
        await Task.Run(() => sender.Send(42));
        Assert.That(await read.AsTask().WaitAsync(TimeSpan.FromSeconds(10)), Is.EqualTo(42));
        sender.Dispose();
        await receiver.Completion.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.ThrowsAsync<ChannelClosedException>(async () => await receiver.ReadAsync());
    }
}
