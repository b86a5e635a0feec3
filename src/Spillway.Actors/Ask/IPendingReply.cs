namespace Spillway.Actors;

/// <summary>
/// The reply side of an ask as the runtime sees it: the tag an ask's request carries through the mailbox (a tagged lane
/// append), so the runtime finds the ask of a request by the request's position in its lane, never by the message
/// type's equality.
/// </summary>
/// <remarks>Thread-safety: any thread; the first completion of the reply wins and later ones are ignored.</remarks>
internal interface IPendingReply
{
    /// <summary>Fails the ask: its request became a dead letter.</summary>
    void FailUndelivered(string recipient, DeadLetterReason reason);

    /// <summary>Fails the ask with the exception its request's handler threw.</summary>
    void FailFromHandler(Exception error);
}
