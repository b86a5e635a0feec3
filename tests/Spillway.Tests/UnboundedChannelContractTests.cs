using System.Threading.Channels;

namespace Spillway.Tests;

/// <summary>The channel contract on the default channel: unbounded, eight lanes.</summary>
public sealed class UnboundedChannelContractTests : ChannelContractTests
{
    protected override (ChannelWriter<int> Writer, ChannelReader<int> Reader) CreateChannel() =>
        SpillwayChannel.Create<int>();
}
