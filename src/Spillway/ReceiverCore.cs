using System.Diagnostics.CodeAnalysis;
using System.Threading.Channels;
using System.Threading.Tasks.Sources;

namespace Spillway;

/// <summary>
/// Everything behind a <see cref="Receiver{T}"/>: the single-reader guard, the parked-reader signal, and completion.
/// </summary>
/// <remarks>
/// <para>Thread-safety: one reader; any number of senders call the <see cref="ILaneListener"/> methods.</para>
/// <para>
/// The reader guard <see cref="_readerBusy"/> is 1 while a read operation runs or while the reader is parked in
/// <see cref="WaitToReadAsync"/>. A second concurrent read fails fast with <see cref="InvalidOperationException"/>
/// instead of corrupting the batch. Whoever holds the guard may look at the reader's batch; a parked reader's guard is
/// lent to whichever thread claims the signal (<see cref="_signalState"/>), which is how a closing sender can decide
/// whether the channel is drained.
/// </para>
/// <para>
/// No lost wake-up: a parking reader arms the signal with a full fence and then looks at the lanes again; a sender
/// publishes its message (lane flag set under the lane lock) and then tries to claim the signal with a
/// compare-and-swap, also a full fence. Whichever runs second sees the other.
/// </para>
/// </remarks>
internal sealed class ReceiverCore<T> : ILaneListener, IValueTaskSource<bool>
{
    private const int SignalIdle = 0;
    private const int SignalArmed = 1;

    private const int ReaderFree = 0;
    private const int ReaderBusy = 1;
    private const int ReaderBorrowed = 2;

    private readonly LaneReader<T> _reader;
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The reusable completion of a parked <see cref="WaitToReadAsync"/>; reset by the reader before arming.</summary>
    private ManualResetValueTaskSourceCore<bool> _signal = new() { RunContinuationsAsynchronously = true };

    /// <summary><see cref="SignalArmed"/> while a reader is parked; moved back to idle by exactly one claimer, who completes it.</summary>
    private int _signalState;

    /// <summary>
    /// <see cref="ReaderBusy"/> while a read runs or the reader is parked; <see cref="ReaderBorrowed"/> for the
    /// moment a closing sender or <see cref="Dispose"/> looks at the batch. See the type remarks.
    /// </summary>
    private int _readerBusy;

    /// <summary>The parked reader's cancellation registration; written by the reader before it can be claimed.</summary>
    private CancellationTokenRegistration _cancellation;

    public ReceiverCore(int lanes, int? capacity)
    {
        Set = new LaneSet<T>(lanes, capacity, this);
        _reader = new LaneReader<T>(Set);
    }

    public LaneSet<T> Set { get; }

    /// <summary>Gets the reader. Test-only: tests look at the storage it holds.</summary>
    internal LaneReader<T> ReaderForTest => _reader;

    public Task Completion => _completion.Task;

    // Once closed, everything queued is dropped, including a batch a concurrent read kept past the Dispose.
    public int Count => Set.IsClosed ? 0 : Set.CountQueuedInLanes() + _reader.BufferedCount;

    public bool TryRead([MaybeNullWhen(false)] out T item)
    {
        EnterRead();
        if (_reader.TryRead(out item))
        {
            if (_reader.HasBuffered)
            {
                // Plain release: the batch still holds messages, so nothing can complete while we are busy.
                Volatile.Write(ref _readerBusy, ReaderFree);
            }
            else
            {
                // The read took the last message of the lane batch: give its room back now, not on the next read. A
                // writer waiting in WriteAsync for room must not depend on the reader coming back, since the reader
                // may be waiting for that very writer (capacity is documented as released once the batch is consumed).
                _reader.Recycle();
                ExitReadWithEmptyBatch();
            }

            return true;
        }

        ExitReadWithEmptyBatch();
        return false;
    }

    public bool TryPeek([MaybeNullWhen(false)] out T item)
    {
        EnterRead();
        var found = _reader.TryPeek(out item);
        if (found)
        {
            Volatile.Write(ref _readerBusy, ReaderFree);
        }
        else
        {
            ExitReadWithEmptyBatch();
        }

        return found;
    }

    public bool TryReadBatch(out ReadOnlySpan<T> batch)
    {
        EnterRead();
        var found = _reader.TryReadBatch(out batch);
        ExitReadWithEmptyBatch();
        return found;
    }

    public ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<bool>(cancellationToken);
        }

        EnterRead();
        var registered = false;
        while (true)
        {
            if (_reader.HasBuffered || _reader.TryTakeNextLane())
            {
                ReleaseCancellation(registered);
                Volatile.Write(ref _readerBusy, ReaderFree);
                return new ValueTask<bool>(true);
            }

            if (_reader.IsDrainedAndDone())
            {
                ReleaseCancellation(registered);
                ExitReadWithEmptyBatch();
                var error = Set.CompletionError;
                return error is null || Set.IsClosed
                    ? new ValueTask<bool>(false)
                    : ValueTask.FromException<bool>(error);
            }

            // About to park (nothing to read): give back storage a burst left behind; one compare when there is none.
            _reader.TrimBeforePark();
            _signal.Reset();
            if (!registered && cancellationToken.CanBeCanceled)
            {
                // Registered before arming, so a completion can never race ahead of storing the registration that
                // GetResult disposes. A cancellation that fires before we arm is caught by the check after arming.
                _cancellation = cancellationToken.UnsafeRegister(
                    static (state, token) => ((ReceiverCore<T>)state!).OnWaitCancelled(token), this);
                registered = true;
            }

            // Interlocked (full fence) before looking again: pairs with the compare-and-swap in OnLaneFilled, see the
            // type remarks. Without it a sender could publish, find the signal idle, and leave us parked forever.
            Interlocked.Exchange(ref _signalState, SignalArmed);
            var cancelled = cancellationToken.IsCancellationRequested;
            if (!cancelled && !Set.AnyLaneHasItems() && !Set.WritersDone && !Set.IsClosed)
            {
                // Parked. The guard stays taken until GetResult; the claimer of the signal borrows it meanwhile.
                return new ValueTask<bool>(this, _signal.Version);
            }

            // Something arrived, ended, or was cancelled while we armed. Disarm and decide synchronously, unless
            // someone already claimed the signal: then they are completing it, and the pending ValueTask carries
            // their result (and releases the guard when consumed).
            if (!TryClaimSignal())
            {
                return new ValueTask<bool>(this, _signal.Version);
            }

            if (cancelled)
            {
                ReleaseCancellation(registered);
                ExitReadWithEmptyBatch();
                return ValueTask.FromCanceled<bool>(cancellationToken);
            }
        }
    }

    /// <summary>Reads one message, waiting for it if needed; throws <see cref="ChannelClosedException"/> once drained and complete.</summary>
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<T> ReadAsyncSlow(CancellationToken cancellationToken)
    {
        while (true)
        {
            bool more;
            try
            {
                more = await WaitToReadAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception error) when (ReferenceEquals(error, Set.CompletionError))
            {
                throw CreateClosedException(error);
            }

            if (!more)
            {
                throw CreateClosedException(Set.IsClosed ? null : Set.CompletionError);
            }

            if (TryRead(out var item))
            {
                return item;
            }
        }
    }

    /// <summary>Closes the channel from the reader's side and drops what is queued.</summary>
    public void Dispose()
    {
        if (!Set.Close(dropped: null))
        {
            return;
        }

        // Wake a parked reader: it will find the channel closed.
        if (TryClaimSignal())
        {
            _signal.SetResult(false);
        }

        // Drop the reader's batch too, unless a read is running right now: then the next read drops it on entry (see
        // EnterRead), and Count already reports nothing.
        if (TryBorrowReader())
        {
            _reader.DiscardBuffered();
            Volatile.Write(ref _readerBusy, ReaderFree);
        }

        CompleteReader();
    }

    void ILaneListener.OnLaneFilled()
    {
        if (TryClaimSignal())
        {
            _signal.SetResult(true);
        }
    }

    void ILaneListener.OnLaneTaken(int count)
    {
        // The channel keeps no per-lane statistics; the actor runtime records lane depth here.
    }

    void ILaneListener.OnWritersDone()
    {
        if (TryClaimSignal())
        {
            // We hold the parked reader's guard now: its batch is empty, so the lanes alone decide.
            if (Set.AnyLaneHasItems())
            {
                _signal.SetResult(true);
            }
            else
            {
                CompleteReader();
                CompleteSignalAtEnd();
            }

            return;
        }

        TryCompleteIfDrained();
    }

    bool IValueTaskSource<bool>.GetResult(short token)
    {
        try
        {
            return _signal.GetResult(token);
        }
        finally
        {
            // Dispose (not Unregister) waits for a running callback, so a late callback can never claim a later wait.
            _cancellation.Dispose();
            _cancellation = default;
            ExitReadWithEmptyBatch();
        }
    }

    ValueTaskSourceStatus IValueTaskSource<bool>.GetStatus(short token) => _signal.GetStatus(token);

    void IValueTaskSource<bool>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _signal.OnCompleted(continuation, state, token, flags);

    private void OnWaitCancelled(CancellationToken token)
    {
        if (TryClaimSignal())
        {
            _signal.SetException(new OperationCanceledException(token));
        }
    }

    private void CompleteSignalAtEnd()
    {
        var error = Set.CompletionError;
        if (error is null || Set.IsClosed)
        {
            _signal.SetResult(false);
        }
        else
        {
            _signal.SetException(error);
        }
    }

    /// <summary>Claims the parked reader's signal; only the one caller that wins may complete it.</summary>
    private bool TryClaimSignal() =>
        // Compare-and-swap: a sender's wake-up, the close path and a cancellation may race to complete the same wait;
        // exactly one wins. Also a full fence, which the no-lost-wake-up argument in the type remarks relies on.
        Interlocked.CompareExchange(ref _signalState, SignalIdle, SignalArmed) == SignalArmed;

    private void EnterRead()
    {
        while (true)
        {
            // Compare-and-swap: detects a second reader instead of letting two threads share one batch.
            var seen = Interlocked.CompareExchange(ref _readerBusy, ReaderBusy, ReaderFree);
            if (seen == ReaderFree)
            {
                // A Dispose that ran while the previous read held the guard could not drop the batch, and that read
                // may have left with messages still in it. Drop them here, so no read after a Dispose returns a
                // dropped message. The compare-and-swap above is a full fence after Close's exchange of _closed.
                if (Set.IsClosed)
                {
                    _reader.DiscardBuffered();
                }

                return;
            }

            if (seen == ReaderBusy)
            {
                ThrowConcurrentRead();
            }

            // Borrowed for a few instructions by a closing sender checking for completion: wait it out.
            Thread.Yield();
        }
    }

    private bool TryBorrowReader() =>
        // Compare-and-swap: only a free reader may be borrowed; a busy one checks for completion on its way out.
        Interlocked.CompareExchange(ref _readerBusy, ReaderBorrowed, ReaderFree) == ReaderFree;

    private void ReleaseCancellation(bool registered)
    {
        if (registered)
        {
            _cancellation.Dispose();
            _cancellation = default;
        }
    }

    /// <summary>
    /// Releases the guard at a moment when the reader's batch is empty, then checks whether the channel just ended.
    /// </summary>
    private void ExitReadWithEmptyBatch()
    {
        if (Set.IsClosed)
        {
            _reader.DiscardBuffered();
        }

        // Interlocked (full fence) before reading the sender count in TryCompleteIfDrained: pairs with the decrement in
        // LaneSet.ReleaseSender. Either the closing sender sees the guard free and completes, or we see the count at
        // zero and do; never neither.
        Interlocked.Exchange(ref _readerBusy, ReaderFree);
        TryCompleteIfDrained();
    }

    /// <summary>Completes <see cref="Completion"/> if no message is left and none can come. Safe from any thread.</summary>
    private void TryCompleteIfDrained()
    {
        if (_completion.Task.IsCompleted || !(Set.WritersDone || Set.IsClosed))
        {
            return;
        }

        // Borrow the reader guard to look at the batch; if a reader holds it, that reader checks on its way out.
        if (!TryBorrowReader())
        {
            return;
        }

        var drained = _reader.IsDrainedAndDone();
        Volatile.Write(ref _readerBusy, ReaderFree);
        if (drained)
        {
            CompleteReader();
        }
    }

    private void CompleteReader()
    {
        var error = Set.IsClosed ? null : Set.CompletionError;
        switch (error)
        {
            case null:
                _completion.TrySetResult();
                break;
            case OperationCanceledException cancelled:
                _completion.TrySetCanceled(cancelled.CancellationToken);
                break;
            default:
                _completion.TrySetException(error);
                break;
        }
    }

    private static ChannelClosedException CreateClosedException(Exception? error) => error switch
    {
        null => new ChannelClosedException("The channel is complete: every sender was released and every message was read."),
        ChannelClosedException closed => closed,
        _ => new ChannelClosedException(error),
    };

    [DoesNotReturn]
    private static void ThrowConcurrentRead() =>
        throw new InvalidOperationException(
            "Another read is already in progress on this receiver. A spillway channel has exactly one reader: await each read before starting the next.");
}
