namespace Spillway;

/// <summary>What happened to a message offered to a lane.</summary>
internal enum AppendOutcome
{
    /// <summary>Queued behind other messages of the lane; the reader already knows the lane is non-empty.</summary>
    Appended,

    /// <summary>Queued into an empty lane: the caller must tell the reader (outside the lane lock).</summary>
    AppendedToEmptyLane,

    /// <summary>Not queued: the handle was released or the channel was closed by its reader.</summary>
    Closed,

    /// <summary>Not queued: the channel is at its capacity.</summary>
    Full,
}
