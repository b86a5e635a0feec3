namespace Spillway.Actors;

/// <summary>
/// What a plain <see cref="ActorRef{TMsg}.Tell"/> does when the actor's bounded mailbox
/// (<see cref="SpawnOptions.MailboxCapacity"/>) is full. <see cref="ActorRef{TMsg}.TryTell"/> and
/// <see cref="ActorRef{TMsg}.TellAsync"/> never drop anything: they report a full mailbox, or wait for room.
/// </summary>
public enum MailboxOverflow
{
    /// <summary>The default: the new message becomes a dead letter with <see cref="DeadLetterReason.MailboxFull"/>.</summary>
    DeadLetter,

    /// <summary>
    /// The oldest message still waiting in a mailbox lane is dropped to make room and the new message is queued. The
    /// actor's turn takes a lane's messages in one swap, so "oldest" is among what the lanes still hold: the oldest
    /// message queued through the telling reference's own lane, else the oldest of the first other lane (in lane order)
    /// that holds one. When no lane holds anything (every counted message is already with the running turn), the new
    /// message is queued past the capacity, which stays a soft bound. The dropped message becomes a dead letter with
    /// <see cref="DeadLetterReason.MailboxFull"/>; if it was an ask's request, that ask fails with
    /// <see cref="DeadLetterException"/>. Asks and watch notifications into a full mailbox still become dead letters
    /// themselves (an ask fails at once) rather than drop another message.
    /// </summary>
    DropOldest,
}
