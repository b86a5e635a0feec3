namespace Spillway.Actors;

/// <summary>Why a message could not be delivered.</summary>
public enum DeadLetterReason
{
    /// <summary>The recipient had stopped (or was stopping) when the message was told, or stopped before processing it.</summary>
    ActorStopped,

    /// <summary>The recipient's mailbox was at its capacity.</summary>
    MailboxFull,

    /// <summary>The actor system was shutting down or shut down.</summary>
    SystemShutdown,
}
