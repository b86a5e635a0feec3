using System.Threading.Channels;

namespace Spillway.Tests;

/// <summary>The reference: the bounded writer contract on the BCL's bounded single-reader channel.</summary>
public sealed class BclBoundedWriterContractTests : BoundedWriterContractTests
{
    protected override (ChannelWriter<int> Writer, ChannelReader<int> Reader) CreateChannel(int capacity)
    {
        var channel = Channel.CreateBounded<int>(new BoundedChannelOptions(capacity) { SingleReader = true });
        return (channel.Writer, channel.Reader);
    }
}
