using System.Threading.Channels;

namespace Spillway.Tests;

/// <summary>The channel contract on a channel with one lane, where every handle shares the same lock and queue.</summary>
public sealed class SingleLaneChannelContractTests : ChannelContractTests
{
    protected override (ChannelWriter<int> Writer, ChannelReader<int> Reader) CreateChannel() =>
        SpillwayChannel.Create<int>(new SpillwayChannelOptions { Lanes = 1 });
}
