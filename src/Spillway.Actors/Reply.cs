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
public sealed class Reply<T>
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
    public void Send(T value)
    {
        // The asker's continuation is posted from here: it is the asker's code, not the replying actor's (see ActorCode).
        var previous = ActorCode.EnterForeign();
        try
        {
            _completion.TrySetResult(value);
        }
        finally
        {
            ActorCode.Exit(previous);
        }
    }

    /// <summary>Answers the ask with an error: the asker's task throws <paramref name="error"/>.</summary>
    /// <param name="error">The error.</param>
    /// <exception cref="ArgumentNullException"><paramref name="error"/> is <see langword="null"/>.</exception>
    public void Fail(Exception error)
    {
        ArgumentNullException.ThrowIfNull(error);
        var previous = ActorCode.EnterForeign();
        try
        {
            _completion.TrySetException(error);
        }
        finally
        {
            ActorCode.Exit(previous);
        }
    }

    internal void TimeOut(TimeSpan timeout) =>
        _completion.TrySetException(new TimeoutException($"No reply within {timeout}."));

    internal void Cancel(CancellationToken cancellationToken) => _completion.TrySetCanceled(cancellationToken);

    internal void FailUndelivered(string recipient) =>
        _completion.TrySetException(new InvalidOperationException(
            $"The request to {recipient} was accepted but never handled: the actor stopped first, and the request became a dead letter."));
}
