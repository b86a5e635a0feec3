namespace Spillway.Actors;

/// <summary>One ask waiting for its reply, as <see cref="PendingAsks"/> keeps it.</summary>
internal abstract class PendingAsk
{
    /// <summary>Gets whether the reply has been given (or the ask ended otherwise).</summary>
    public abstract bool IsCompleted { get; }

    /// <summary>Fails the ask: its request became a dead letter.</summary>
    public abstract void FailAsDeadLetter(string recipient);

    /// <summary>Forgets this ask: its request was refused, so no close will ever drop it.</summary>
    public abstract void Unregister();
}

/// <summary>An ask whose request has the actor's message type, so a dropped message can be compared with it.</summary>
/// <typeparam name="TMsg">The actor's message type.</typeparam>
internal abstract class PendingAsk<TMsg> : PendingAsk
{
    /// <summary>Gets whether <paramref name="message"/> is this ask's request (by the message type's equality).</summary>
    public abstract bool IsRequest(TMsg message);
}

/// <summary>An ask with its request and its reply.</summary>
/// <typeparam name="TMsg">The actor's message type.</typeparam>
/// <typeparam name="TReply">The reply type.</typeparam>
internal sealed class PendingAsk<TMsg, TReply>(PendingAsks owner, ActorCell actor, TMsg request, Reply<TReply> reply) : PendingAsk<TMsg>
{
    public override bool IsCompleted => reply.IsCompleted;

    // The request embeds its Reply (it was built around it), so records, structs and classes alike compare equal to
    // their own request only.
    public override bool IsRequest(TMsg message) => EqualityComparer<TMsg>.Default.Equals(message, request);

    public override void FailAsDeadLetter(string recipient) => reply.FailUndelivered(recipient);

    public override void Unregister() => owner.Unregister(actor, this);
}
