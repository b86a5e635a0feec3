namespace Spillway;

/// <summary>
/// The reader side of a <see cref="LaneSet{T}"/>: told when there may be something new to look at.
/// </summary>
/// <remarks>
/// Both calls come from sender threads, never under a lane lock, and may come concurrently with each other and with
/// the reader. Implementations must be cheap and must not throw.
/// </remarks>
internal interface ILaneListener
{
    /// <summary>A lane went from empty to non-empty.</summary>
    void OnLaneFilled();

    /// <summary>The reader took a whole lane holding <paramref name="count"/> messages (called on the reader's thread).</summary>
    void OnLaneTaken(int count);

    /// <summary>The last counted sender handle was released: no more messages will arrive.</summary>
    void OnWritersDone();
}
