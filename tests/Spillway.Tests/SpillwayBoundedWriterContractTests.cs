using System.Threading.Channels;

namespace Spillway.Tests;

/// <summary>The bounded writer contract on a spillway channel.</summary>
public sealed class SpillwayBoundedWriterContractTests : BoundedWriterContractTests
{
    protected override (ChannelWriter<int> Writer, ChannelReader<int> Reader) CreateChannel(int capacity) =>
        SpillwayChannel.Create<int>(new SpillwayChannelOptions { Lanes = 4, Capacity = capacity });
}
