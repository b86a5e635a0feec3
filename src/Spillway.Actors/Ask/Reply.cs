namespace Spillway.Actors;

/// <summary>
/// The way back to the caller of <see cref="ActorRef{TMsg}.Ask{TReply}"/>: put it in the request message, and call
/// <see cref="Send"/> or <see cref="Fail"/> once from the handler.
/// </summary>
/// <typeparam name="T">The reply type.</typeparam>
/// <remarks>
/// <para>
/// Thread-safety: any thread may complete it. The first <see cref="Send"/> or <see cref="Fail"/> wins; later calls, and
/// calls after the asker timed out or was cancelled, are ignored (the asker is gone, which is not the replier's error).
/// </para>
/// <para>
/// A reply is bound to one ask for good: the runtime reuses the machinery behind asks, but a reply kept past its ask
/// (sent late, after a time-out, or twice) can never complete another ask.
/// </para>
/// </remarks>
public sealed class Reply<T> : IPendingReply
{
    private readonly AskSource<T> _source;

    /// <summary>The version of <see cref="_source"/> this reply belongs to; see <see cref="AskOperation"/>.</summary>
    private readonly int _version;

    internal Reply(AskSource<T> source, int version)
    {
        _source = source;
        _version = version;
    }

    /// <summary>Gets whether a reply, a failure, a time-out or a cancellation already completed the ask.</summary>
    public bool IsCompleted => _source.IsClaimed(_version);

    /// <summary>Answers the ask with a value.</summary>
    /// <param name="value">The reply.</param>
    public void Send(T value) => Settle(value, null);

    /// <summary>Answers the ask with an error: the asker's task throws <paramref name="error"/>.</summary>
    /// <param name="error">The error.</param>
    /// <exception cref="ArgumentNullException"><paramref name="error"/> is <see langword="null"/>.</exception>
    public void Fail(Exception error)
    {
        ArgumentNullException.ThrowIfNull(error);
        Settle(default!, error);
    }

    /// <inheritdoc/>
    void IPendingReply.FailUndelivered(string recipient, DeadLetterReason reason)
    {
        // Checked first, so an ask already answered allocates no exception.
        if (!_source.IsClaimed(_version))
        {
            Settle(default!, new DeadLetterException(recipient, reason));
        }
    }

    /// <inheritdoc/>
    void IPendingReply.FailFromHandler(Exception error) => Settle(default!, error);

    /// <summary>
    /// Completes the ask from a replier's code (a handler, a stop). The asker's continuation, scheduled from here, is
    /// marked as the asker's code, not the replying actor's, where it is scheduled (see <c>AskOperation.Finish</c>).
    /// </summary>
    private void Settle(T value, Exception? error) => _source.TryComplete(_version, value, error);
}
