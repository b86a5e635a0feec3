namespace Spillway;

/// <summary>
/// The reader side of a <see cref="LaneSet{T}"/>, as its senders see it: told when there may be something new to look
/// at. This is the one call from the lanes up into their owner (a channel's receiver, an actor's mailbox).
/// </summary>
/// <remarks>
/// Called from sender threads, never under a lane lock, possibly concurrently with itself and with the reader.
/// Implementations must be cheap and must not throw. An owner that also counts its senders implements
/// <see cref="IWritersDoneListener"/>.
/// </remarks>
internal interface ILaneListener
{
    /// <summary>A lane went from empty to non-empty.</summary>
    void OnLaneFilled();
}
