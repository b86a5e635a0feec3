namespace Spillway.Actors;

/// <summary>
/// The way back to the caller of <see cref="ActorRef{TMsg}.Ask{TReply}"/>: put it in the request message, and call
/// <see cref="Send"/> or <see cref="Fail"/> once from the handler.
/// </summary>
/// <typeparam name="T">The reply type.</typeparam>
/// <remarks>
/// Thread-safety: any thread may complete it. The first <see cref="Send"/> or <see cref="Fail"/> wins; later calls, and
/// calls after the asker timed out or was cancelled, are ignored (the asker is gone, which is not the replier's error).
/// </remarks>
public sealed class Reply<T> : IPendingReply
{
    private readonly TaskCompletionSource<T> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    internal Reply()
    {
    }

    /// <summary>Gets whether a reply, a failure, a time-out or a cancellation already completed the ask.</summary>
    public bool IsCompleted => _completion.Task.IsCompleted;

    internal Task<T> Task => _completion.Task;

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

    internal void TimeOut(TimeSpan timeout) =>
        _completion.TrySetException(new TimeoutException($"No reply within {timeout}."));

    internal void Cancel(CancellationToken cancellationToken) => _completion.TrySetCanceled(cancellationToken);

    /// <inheritdoc/>
    void IPendingReply.FailUndelivered(string recipient, DeadLetterReason reason) =>
        Settle(default!, new DeadLetterException(recipient, reason));

    /// <inheritdoc/>
    void IPendingReply.FailFromHandler(Exception error) => Settle(default!, error);

    /// <summary>
    /// Completes the ask from a replier's code (a handler, a stop). The asker's continuation is posted from here, and it
    /// is the asker's code, not the replying actor's: marked foreign so it is not taken for the replier's (see ActorCode).
    /// </summary>
    private void Settle(T value, Exception? error)
    {
        var previous = ActorCode.EnterForeign();
        try
        {
            if (error is null)
            {
                _completion.TrySetResult(value);
            }
            else
            {
                _completion.TrySetException(error);
            }
        }
        finally
        {
            ActorCode.Exit(previous);
        }
    }
}
