using System.Threading.Channels;

namespace Spillway.Tests;

/// <summary>
/// The reference: the channel contract run against the BCL's own unbounded single-reader channel, so every contract
/// test is known to describe what System.Threading.Channels does.
/// </summary>
public sealed class BclUnboundedChannelContractTests : ChannelContractTests
{
    protected override (ChannelWriter<int> Writer, ChannelReader<int> Reader) CreateChannel()
    {
        var channel = Channel.CreateUnbounded<int>(new UnboundedChannelOptions { SingleReader = true });
        return (channel.Writer, channel.Reader);
    }
}
