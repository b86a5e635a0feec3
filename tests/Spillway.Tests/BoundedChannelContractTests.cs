using System.Threading.Channels;

namespace Spillway.Tests;

/// <summary>
/// The channel contract on a bounded channel small enough that the concurrent tests keep running into the bound, so
/// writers wait for room and are woken by the reader.
/// </summary>
public sealed class BoundedChannelContractTests : ChannelContractTests
{
    private const int Capacity = 3;

    protected override int MaxBufferedItems => Capacity;

    protected override (ChannelWriter<int> Writer, ChannelReader<int> Reader) CreateChannel() =>
        SpillwayChannel.Create<int>(new SpillwayChannelOptions { Lanes = 4, Capacity = Capacity });
}
