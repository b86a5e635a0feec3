namespace Spillway.Actors;

/// <summary>A mailbox whose storage the <see cref="MailboxTrimmer"/> gives back once it has stayed idle.</summary>
internal interface ITrimmableMailbox
{
    /// <summary>Gets whether the actor has stopped: the trimmer forgets it.</summary>
    bool IsStopped { get; }

    /// <summary>Gets a count that changes whenever the mailbox does work (messages handled); read from the trimmer's thread.</summary>
    long ActivityCount { get; }

    /// <summary>
    /// Queues a turn that gives back the mailbox's storage, if the mailbox is idle right now (the same idle-to-scheduled
    /// compare-and-swap a sender's wake-up uses); <see langword="false"/> when a turn is running or queued.
    /// </summary>
    bool TryScheduleTrim();
}
