using System.Threading.Tasks.Sources;

namespace Spillway.Actors;

/// <summary>
/// A pooled ask: the <see cref="IValueTaskSource{TResult}"/> behind the <see cref="ValueTask{TResult}"/> that
/// <see cref="ActorRef{TMsg}.Ask{TReply}"/> returns. One object serves ask after ask: the asker hands it back to the pool
/// when it takes the result, and its version (see <see cref="AskOperation"/>) keeps every older
/// <see cref="Reply{T}"/> from touching the next ask.
/// </summary>
/// <typeparam name="T">The reply type.</typeparam>
/// <remarks>
/// Thread-safety: completers race through <see cref="TryComplete"/> (one wins); the asker alone calls
/// <see cref="GetResult"/>, once, as the <see cref="ValueTask{TResult}"/> contract requires.
/// </remarks>
internal sealed class AskSource<T> : AskOperation, IValueTaskSource<T>
{
    /// <summary>How many spare sources per reply type the process keeps beyond one per thread.</summary>
    private static readonly AskSource<T>?[] s_shared = new AskSource<T>?[Math.Max(4, Environment.ProcessorCount * 2)];


    private ManualResetValueTaskSourceCore<T> _core;

    /// <summary>The outcome, stored by the winner of the claim between the claim and the signal.</summary>
    private T _value = default!;

    private Exception? _error;

    /// <summary>Gets a pending source from the pool, or a new one.</summary>
    public static AskSource<T> Rent()
    {
        // The thread's spare, if it serves this reply type (an asker in a loop reuses the same object).
        if (ThreadSpare is AskSource<T> source)
        {
            ThreadSpare = null;
            return source;
        }

        for (var i = 0; i < s_shared.Length; i++)
        {
            // Interlocked: other threads rent and return through the same slots.
            if (Volatile.Read(ref s_shared[i]) is not null && Interlocked.Exchange(ref s_shared[i], null) is { } shared)
            {
                return shared;
            }
        }

        return new AskSource<T>();
    }

    /// <summary>Gets the token of the <see cref="ValueTask{TResult}"/> over the current ask.</summary>
    public short Token => _core.Version;

    /// <summary>Completes the ask of <paramref name="version"/> unless something else already did; see <see cref="AskOperation"/>.</summary>
    /// <returns>Whether this call completed it.</returns>
    public bool TryComplete(int version, T value, Exception? error)
    {
        if (!TryClaim(version))
        {
            return false;
        }

        _value = value;
        _error = error;
        Finish();
        return true;
    }

    /// <summary>
    /// Ends an ask whose request could not be built: disarms it and returns it to the pool, unless something completed
    /// it meanwhile (then nobody awaits it, and it is left to the collector: its completer may still be signalling).
    /// </summary>
    public void Abandon()
    {
        if (TryClaim(Version))
        {
            Disarm();
            Recycle();
        }
    }

    internal override void CompleteTimedOut()
    {
        _error = new TimeoutException($"No reply within {Timeout}.");
        Finish();
    }

    private protected override void CompleteCancelled(CancellationToken token)
    {
        _error = new OperationCanceledException(token);
        Finish();
    }

    private protected override void SignalNow(bool inline)
    {
        // The core runs the continuation inline only when asked to (a dedicated worker between turns); it posts to the
        // asker's captured context or task scheduler either way.
        _core.RunContinuationsAsynchronously = !inline;
        var error = _error;
        if (error is null)
        {
            _core.SetResult(_value);
        }
        else
        {
            _core.SetException(error);
        }

        // Nothing after this line: the asker may already have taken the result and recycled this object.
    }

    /// <inheritdoc/>
    public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

    /// <inheritdoc/>
    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);

    /// <inheritdoc/>
    public T GetResult(short token)
    {
        // A wrong token or an unfinished ask is a misuse of the ValueTask (awaited twice, or its result read early): the
        // core throws, and this object is not recycled, since it may belong to another ask now.
        if (token != _core.Version || _core.GetStatus(token) == ValueTaskSourceStatus.Pending)
        {
            return _core.GetResult(token);
        }

        try
        {
            return _core.GetResult(token);
        }
        finally
        {
            Recycle();
        }
    }

    private void Recycle()
    {
        _value = default!;
        _error = null;
        _core.Reset();
        ResetForReuse();
        if (ThreadSpare is null)
        {
            ThreadSpare = this;
            return;
        }

        for (var i = 0; i < s_shared.Length; i++)
        {
            // Interlocked: claim an empty slot only; a full pool drops this object for the collector.
            if (Volatile.Read(ref s_shared[i]) is null && Interlocked.CompareExchange(ref s_shared[i], this, null) is null)
            {
                return;
            }
        }

        // Dropped: out of the time-out heap too, so the heap holds only the operations in use or pooled.
        LeaveTimeouts();
    }
}
