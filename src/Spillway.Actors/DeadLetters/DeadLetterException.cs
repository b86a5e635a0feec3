namespace Spillway.Actors;

/// <summary>
/// The request of an ask became a dead letter: the mailbox refused it (the actor had stopped, its mailbox was full, or
/// the system was shutting down), or the actor stopped, or a shutdown gave up, before it was handled. The ask fails with
/// this at once instead of waiting out its timeout.
/// </summary>
/// <remarks>The request itself was also raised on <see cref="ActorSystem.DeadLetterReceived"/> and counted.</remarks>
public sealed class DeadLetterException : Exception
{
    /// <summary>Initializes a new instance with a generic message.</summary>
    public DeadLetterException()
        : this("The request became a dead letter.")
    {
    }

    /// <summary>Initializes a new instance with a message.</summary>
    /// <param name="message">What happened.</param>
    public DeadLetterException(string message)
        : base(message)
    {
        Recipient = string.Empty;
    }

    /// <summary>Initializes a new instance with a message and the exception behind it.</summary>
    /// <param name="message">What happened.</param>
    /// <param name="innerException">The cause.</param>
    public DeadLetterException(string message, Exception innerException)
        : base(message, innerException)
    {
        Recipient = string.Empty;
    }

    /// <summary>Initializes a new instance for a request to <paramref name="recipient"/> that became a dead letter for <paramref name="reason"/>.</summary>
    /// <param name="recipient">The path of the actor the request was for.</param>
    /// <param name="reason">Why it was not handled.</param>
    public DeadLetterException(string recipient, DeadLetterReason reason)
        : base(Describe(recipient, reason))
    {
        Recipient = recipient;
        Reason = reason;
    }

    /// <summary>Gets the path of the actor the request was for (empty when not given).</summary>
    public string Recipient { get; }

    /// <summary>Gets why the request was not handled.</summary>
    public DeadLetterReason Reason { get; }

    private static string Describe(string recipient, DeadLetterReason reason) => reason switch
    {
        DeadLetterReason.MailboxFull => $"The request to {recipient} became a dead letter: its mailbox is full.",
        DeadLetterReason.SystemShutdown => $"The request to {recipient} became a dead letter: the actor system is shutting down.",
        _ => $"The request to {recipient} became a dead letter: the actor stopped before handling it.",
    };
}
