namespace Spillway;

/// <summary>
/// A lane listener that counts its senders (a channel's receiver: its reader completes once every sender is done).
/// An actor's mailbox does not: it closes when its actor stops, never because references went away.
/// </summary>
/// <remarks>Called on the thread that released the last counted sender, never under a lane lock; must not throw.</remarks>
internal interface IWritersDoneListener : ILaneListener
{
    /// <summary>The last counted sender handle was released: no more messages will arrive.</summary>
    void OnWritersDone();
}
