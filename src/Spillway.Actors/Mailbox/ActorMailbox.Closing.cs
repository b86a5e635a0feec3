namespace Spillway.Actors;

/// <summary>
/// The mailbox's unhappy ends: the seal and the close of the lanes, the drop of what they still hold, and the dead
/// letters of messages that could not be queued.
/// </summary>
internal abstract partial class ActorMailbox<TMsg>
{
    /// <summary>A message could not be queued: it becomes a dead letter.</summary>
    /// <returns>Why it was not queued.</returns>
    public DeadLetterReason OnRejected(TMsg message, AppendOutcome outcome)
    {
        var reason = ReasonFor(outcome);
        System.PublishDeadLetter(message, Path, reason, TypeTag);
        return reason;
    }

    /// <summary>
    /// A message a full mailbox dropped to make room (<see cref="MailboxOverflow.DropOldest"/>): a dead letter with
    /// <see cref="DeadLetterReason.MailboxFull"/>, and the ask whose request it was (its <paramref name="tag"/>) fails.
    /// Called by the teller, outside every lock.
    /// </summary>
    public void OnDroppedOldest(TMsg message, object? tag)
    {
        System.PublishDeadLetter(message, Path, DeadLetterReason.MailboxFull, TypeTag);
        if (tag is IPendingReply ask)
        {
            ask.FailUndelivered(Path, DeadLetterReason.MailboxFull);
        }
    }

    /// <summary>
    /// A <see cref="ActorRef{TMsg}.TellAsync"/> waiting for room was refused: the mailbox was sealed or closed (the actor
    /// stops, or the system shuts down) before the message could land. A dead letter, as a refused tell is. Called by
    /// whoever ended the wait (the writer-waiter pass), outside every lock; must not throw, since the rest of that pass
    /// still has waiters to complete.
    /// </summary>
    public void OnWaitingTellRefused(TMsg message)
    {
        try
        {
            OnRejected(message, AppendOutcome.Closed);
        }
        catch (Exception error)
        {
            LogStepFailed(error, "the report of a dead letter");
        }
    }

    protected override void SealMailbox() => Lanes.Seal();

    /// <summary>
    /// Closes the mailbox and turns what it still holds into dead letters: the lanes always, the reader's current
    /// batch only when the caller owns the turn. The asks whose requests are dropped fail at once
    /// (<see cref="DeadLetterException"/>), found by the tags their requests carry, never by the message's equality.
    /// </summary>
    /// <param name="includeBatch">The caller owns the turn: the reader's unread batch is dropped too.</param>
    /// <param name="reason">The dead letters' reason.</param>
    /// <param name="abandonCurrent">
    /// The message whose handler is still pending will never be finished (a shutdown gave up on it): its ask fails too.
    /// </param>
    /// <remarks>
    /// Part of every stop path, so it cannot throw: each step that may run user code (a dead-letter handler) or a
    /// listener (metrics) is isolated, and its failure logged.
    /// </remarks>
    protected void CloseAndReportDropped(bool includeBatch, DeadLetterReason reason, bool abandonCurrent = false)
    {
        var dropped = new List<TMsg>();
        var droppedAsks = new List<object>();
        try
        {
            if (abandonCurrent && _reader.TakeTagOfLastRead() is { } current)
            {
                droppedAsks.Add(current);
            }

            if (includeBatch)
            {
                _reader.DrainBufferedTo(dropped, droppedAsks);
            }
        }
        catch (Exception error)
        {
            LogStepFailed(error, "the drop of its current batch");
        }

        try
        {
            // The dropped messages are already counted as sent: their lanes counted them when they were appended.
            Lanes.Close(dropped, droppedAsks);
        }
        catch (Exception error)
        {
            LogStepFailed(error, "the close of its mailbox");
        }

        foreach (var message in dropped)
        {
            try
            {
                System.PublishDeadLetter(message, Path, reason, TypeTag);
            }
            catch (Exception error)
            {
                LogStepFailed(error, "the report of a dead letter");
            }
        }

        // A dropped request of an ask fails that ask now rather than at its timeout. Completing a reply runs no
        // continuation here (replies complete asynchronously), and no lock is held.
        foreach (var ask in droppedAsks)
        {
            try
            {
                ((IPendingReply)ask).FailUndelivered(Path, reason);
            }
            catch (Exception error)
            {
                LogStepFailed(error, "the failing of an ask whose request was dropped");
            }
        }
    }

    /// <summary>The reason of the dead letters a stop drops: the system's shutdown, or this actor's own stop.</summary>
    protected DeadLetterReason StopReason => System.IsShuttingDown ? DeadLetterReason.SystemShutdown : DeadLetterReason.ActorStopped;

    private DeadLetterReason ReasonFor(AppendOutcome outcome) =>
        outcome == AppendOutcome.Full ? DeadLetterReason.MailboxFull : StopReason;
}
