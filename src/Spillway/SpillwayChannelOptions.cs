namespace Spillway;

/// <summary>
/// Settings for a channel made by <see cref="SpillwayChannel.Create{T}(SpillwayChannelOptions)"/>.
/// </summary>
/// <remarks>
/// Options are read once, when the channel is created; changing a copy later has no effect on an existing channel.
/// </remarks>
public sealed class SpillwayChannelOptions
{
    /// <summary>The number of lanes when none is given: 8, as in the original spillway.</summary>
    public const int DefaultLanes = 8;

    /// <summary>
    /// Gets the number of lanes (locks around a queue) the channel has. Each sender handle takes one lane, round-robin
    /// in creation order; handles share a lane once there are more handles than lanes. Defaults to
    /// <see cref="DefaultLanes"/>; the number of threads that send concurrently is a good value. Must be at least 1.
    /// </summary>
    public int Lanes { get; init; } = DefaultLanes;

    /// <summary>
    /// Gets the soft bound on the number of messages the channel holds across all lanes, or <see langword="null"/>
    /// (the default) for an unbounded channel. Must be at least 1 when set.
    /// </summary>
    /// <remarks>
    /// Messages count against the bound from the moment they are sent until the reader reads them: each message read
    /// (<see cref="Receiver{T}.TryRead(out T)"/>, <see cref="Receiver{T}.ReadAsync(CancellationToken)"/>) gives its room
    /// back at once, and <see cref="Receiver{T}.TryReadBatch(out ReadOnlySpan{T})"/> gives back the room of every
    /// message it hands over. When the bound is reached, <see cref="Sender{T}.TryWrite(T)"/> returns
    /// <see langword="false"/>, <see cref="Sender{T}.Send(T)"/> throws <see cref="ChannelFullException"/> and
    /// <see cref="Sender{T}.WriteAsync(T, CancellationToken)"/> waits for room. Waiting writes are served in the order
    /// they started waiting, and while any waits, sends that do not wait find the channel full.
    /// <see cref="Sender{T}.SendMany(ReadOnlySpan{T})"/> admits a whole batch while the channel is below the bound,
    /// which is why the bound is soft.
    /// </remarks>
    public int? Capacity { get; init; }

    internal void Validate()
    {
        if (LaneSetShape.FindLaneCountProblem(Lanes) is { } lanesProblem)
        {
            throw new ArgumentOutOfRangeException(nameof(Lanes), Lanes, $"Lanes {lanesProblem}: a spillway channel needs at least one lane.");
        }

        if (LaneSetShape.FindCapacityProblem(Capacity) is { } capacityProblem)
        {
            throw new ArgumentOutOfRangeException(nameof(Capacity), Capacity, $"Capacity {capacityProblem}.");
        }
    }
}
