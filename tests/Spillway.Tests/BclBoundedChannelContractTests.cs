using System.Threading.Channels;

namespace Spillway.Tests;

/// <summary>The reference: the channel contract run against the BCL's own bounded single-reader channel.</summary>
public sealed class BclBoundedChannelContractTests : ChannelContractTests
{
    private const int Capacity = 3;

    protected override int MaxBufferedItems => Capacity;

    protected override bool SupersedesAbandonedReads => false;

    protected override (ChannelWriter<int> Writer, ChannelReader<int> Reader) CreateChannel()
    {
        var channel = Channel.CreateBounded<int>(new BoundedChannelOptions(Capacity) { SingleReader = true });
        return (channel.Writer, channel.Reader);
    }
}
