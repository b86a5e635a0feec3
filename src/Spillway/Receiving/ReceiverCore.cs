using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace Spillway;

/// <summary>
/// Everything behind a <see cref="Receiver{T}"/>: the single-reader guard, the parked reader's wait, and completion.
/// </summary>
/// <remarks>
/// <para>Thread-safety: one reader; any number of senders call the <see cref="IWritersDoneListener"/> methods.</para>
/// <para>
/// The reader guard <see cref="_readerGuard"/> is busy while a read operation runs. A second concurrent read fails
/// fast with <see cref="InvalidOperationException"/> instead of corrupting the batch. Whoever holds the guard may look
/// at the reader's batch. A reader that parks in <see cref="WaitToReadAsync"/> hands the guard to its wait
/// (<see cref="ReaderGuard.Parked"/>, the wait published in <see cref="_parked"/>): whoever claims the wait by
/// compare-and-swap (a sender's wake-up, the last sender's close check, a cancellation, <see cref="Dispose"/>, or the
/// next read, which supersedes the wait and cancels it as the BCL single-reader channel does) owns the guard, releases
/// it, and then completes the wait. So the guard never depends on the awaiter coming back, and an abandoned wait never
/// blocks the next read.
/// </para>
/// <para>
/// No lost wake-up: a parking reader publishes its wait with a full fence and then looks at the lanes again; a sender
/// publishes its message (lane flag set under the lane lock) and then tries to claim the wait with a
/// compare-and-swap, also a full fence. Whichever runs second sees the other.
/// </para>
/// </remarks>
internal sealed partial class ReceiverCore<T> : IWritersDoneListener
{
    /// <summary>The values of <see cref="_readerGuard"/>.</summary>
    private static class ReaderGuard
    {
        /// <summary>No read runs: the next read may take the guard.</summary>
        public const int Free = 0;

        /// <summary>A read operation runs.</summary>
        public const int Busy = 1;

        /// <summary>A closing sender or <see cref="Dispose"/> looks at the batch for a moment.</summary>
        public const int Borrowed = 2;

        /// <summary>The guard belongs to the parked wait, and so to whoever claims it.</summary>
        public const int Parked = 3;
    }

    private static readonly Action<object?, CancellationToken> s_onWaitCancelled = static (state, token) =>
    {
        var waiter = (ReaderWaiter)state!;
        ((ReceiverCore<T>)waiter.Owner).OnWaitCancelled(waiter, token);
    };

    /// <summary>The reader, inline: a mutable struct, so never <see langword="readonly"/> and never copied (see <see cref="LaneReader{T}"/>).</summary>
    private LaneReader<T> _reader;

    /// <summary>
    /// <see cref="LaneSet{T}.IsBounded"/>, copied at construction (it never changes): the per-message read path then
    /// reads no field of the set, which is also lane 0, whose lock and count its sender writes on every append. Read
    /// there, the set's capacity would share a cache line with them for some placements of the object, and every read
    /// would miss.
    /// </summary>
    private readonly bool _isBounded;
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The wait instance reused for the next park while it is not outstanding; touched only by the guard holder.</summary>
    private ReaderWaiter? _cachedWaiter;

    /// <summary>
    /// The parked wait, or <see langword="null"/>. Set by the reader (holding the guard, which it hands to the wait);
    /// moved back to <see langword="null"/> by exactly one claimer, who then owns the guard and completes the wait.
    /// </summary>
    private ReaderWaiter? _parked;

    /// <summary>
    /// The single-reader guard (<see cref="ReaderGuard"/>): busy while a read runs, parked while it belongs to the
    /// parked wait (and so to whoever claims it), borrowed for the moment a closing sender or <see cref="Dispose"/>
    /// looks at the batch, else free. See the type remarks.
    /// </summary>
    private int _readerGuard;

    public ReceiverCore(int lanes, int? capacity)
    {
        Set = new LaneSet<T>(lanes, capacity, this);
        _isBounded = Set.IsBounded;
        _reader = new LaneReader<T>(Set);
    }

    public LaneSet<T> Set { get; }

    /// <summary>Gets the reader. Test-only: tests look at the storage it holds.</summary>
    internal ref LaneReader<T> ReaderForTest => ref _reader;

    public Task Completion => _completion.Task;

    // Once closed, everything queued is dropped, including a batch a concurrent read kept past the Dispose.
    public int Count => Set.IsClosed ? 0 : Set.CountQueuedInLanes() + _reader.BufferedCount;

    /// <summary>
    /// Takes the next message without waiting. The fast path (inlined into <see cref="Receiver{T}.TryRead"/>) covers
    /// the common read: an unbounded channel, still open, whose batch holds more than this message. It takes the guard,
    /// reads and releases the guard with no call, so the method needs no frame; everything else continues out of line in
    /// tail position.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryRead([MaybeNullWhen(false)] out T item)
    {
        // Compare-and-swap, as in EnterRead: detects a second reader instead of letting two threads share one batch.
        if (!_isBounded && Interlocked.CompareExchange(ref _readerGuard, ReaderGuard.Busy, ReaderGuard.Free) == ReaderGuard.Free)
        {
            // The closed check after taking the guard, as EnterRead does: a Dispose that ran during the previous read left
            // its batch for us to drop, so no read after a Dispose returns a dropped message.
            if (!Set.IsClosed && _reader.TryReadBufferedBeforeLast(out item))
            {
                // Plain release: the batch still holds messages, so nothing can complete while we are busy.
                Volatile.Write(ref _readerGuard, ReaderGuard.Free);
                return true;
            }

            return TryReadEntered(out item);
        }

        return TryReadSlow(out item);
    }

    /// <summary>The whole of <see cref="TryRead"/>: takes the guard (or fails on a concurrent read), then reads.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool TryReadSlow([MaybeNullWhen(false)] out T item)
    {
        EnterRead();
        return TryReadEntered(out item);
    }

    /// <summary>
    /// <see cref="TryRead"/> once the guard is held, from the closed check on: a bounded channel, the last message of a
    /// batch (which recycles it), or the next lane.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool TryReadEntered([MaybeNullWhen(false)] out T item)
    {
        if (Set.IsClosed)
        {
            DiscardAfterClose();
        }

        if (_reader.TryRead(out item))
        {
            if (_reader.HasBuffered)
            {
                if (_isBounded)
                {
                    // Room per message read, not per batch: a writer waiting for room goes on while we read the rest.
                    _reader.ReleaseRoomOfRead();
                }

                // Plain release: the batch still holds messages, so nothing can complete while we are busy.
                Volatile.Write(ref _readerGuard, ReaderGuard.Free);
            }
            else
            {
                // The read took the last message of the lane batch: clear it and give the rest of its room back now.
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
            Volatile.Write(ref _readerGuard, ReaderGuard.Free);
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
        if (found && _isBounded)
        {
            // The span hands every message over: their room comes back now, not at the next read.
            _reader.ReleaseRoomOfRead();
        }

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
        ReaderWaiter? waiter = null;
        while (true)
        {
            if (_reader.HasBuffered || _reader.TryTakeNextLane())
            {
                waiter?.Disarm();
                Volatile.Write(ref _readerGuard, ReaderGuard.Free);
                return new ValueTask<bool>(true);
            }

            if (_reader.IsDrainedAndDone())
            {
                waiter?.Disarm();
                ReleaseStorageAtEnd();
                ExitReadWithEmptyBatch();
                var error = Set.CompletionError;
                return error is null || Set.IsClosed
                    ? new ValueTask<bool>(false)
                    : ValueTask.FromException<bool>(error);
            }

            // About to park (nothing to read): give back storage a burst left behind; one compare when there is none.
            _reader.TrimBeforePark();
            if (waiter is null)
            {
                waiter = _cachedWaiter;
                if (waiter is null || !waiter.IsReusable)
                {
                    // The previous wait is still outstanding (abandoned, or not yet consumed): it keeps its instance.
                    waiter = new ReaderWaiter(this);
                    _cachedWaiter = waiter;
                }

                // Registered before the wait is published, so a claimer never completes a wait whose registration is not
                // stored yet. A cancellation that fires before publication is caught by the check after it.
                waiter.Arm(s_onWaitCancelled, cancellationToken);
            }

            // Hand the guard to the wait before publishing it: from the publication on, whoever claims the wait owns the
            // guard, so we must not write it again unless we claim the wait back ourselves.
            Volatile.Write(ref _readerGuard, ReaderGuard.Parked);

            // Interlocked (full fence) before looking again: pairs with the compare-and-swap in OnLaneFilled, see the
            // type remarks. Without it a sender could publish, find no wait, and leave us parked forever.
            Interlocked.Exchange(ref _parked, waiter);
            var cancelled = cancellationToken.IsCancellationRequested;
            if (!cancelled && !Set.AnyLaneHasItems() && !Set.WritersDone && !Set.IsClosed)
            {
                return new ValueTask<bool>(waiter, waiter.Version);
            }

            // Something arrived, ended, or was cancelled while we parked. Take the wait back and decide synchronously,
            // unless someone already claimed it: then they own the guard and complete the wait we return.
            if (!TryClaim(waiter))
            {
                return new ValueTask<bool>(waiter, waiter.Version);
            }

            Volatile.Write(ref _readerGuard, ReaderGuard.Busy);
            if (cancelled)
            {
                waiter.Disarm();
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
                // As the BCL: a ChannelClosedException carrying the writers' error, or their OperationCanceledException.
                throw ChannelErrors.ForDrainedReader(error);
            }

            if (!more)
            {
                throw ChannelErrors.ForDrainedReader(Set.IsClosed ? null : Set.CompletionError);
            }

            if (TryRead(out var item))
            {
                return item;
            }
        }
    }

    /// <summary>Takes the reader guard for one read operation; see the type remarks.</summary>
    /// <remarks>
    /// The uncontended path (one compare-and-swap and the closed check) is inlined into every read; everything else is
    /// out of line, so the per-message <see cref="TryRead"/> stays small.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void EnterRead()
    {
        // Compare-and-swap: detects a second reader instead of letting two threads share one batch.
        var seen = Interlocked.CompareExchange(ref _readerGuard, ReaderGuard.Busy, ReaderGuard.Free);
        if (seen != ReaderGuard.Free)
        {
            EnterReadContended(seen);
        }
        else if (Set.IsClosed)
        {
            DiscardAfterClose();
        }
    }

    /// <summary>The guard was not free: a concurrent read (throws), a parked wait to supersede, or a borrow to wait out.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void EnterReadContended(int seen)
    {
        while (true)
        {
            if (seen == ReaderGuard.Busy)
            {
                ThrowConcurrentRead();
            }

            if (seen == ReaderGuard.Parked && TryClaimParked() is { } superseded)
            {
                // A wait is still parked: its awaiter abandoned it (Task.WhenAny with a timeout) or is still waiting. As
                // the BCL single-reader channel does, the new read supersedes it: the old wait is cancelled and we own
                // the guard it held. Its batch is empty; a Dispose since then leaves nothing to drop.
                Volatile.Write(ref _readerGuard, ReaderGuard.Busy);
                superseded.SetException(new OperationCanceledException(
                    "A later read on this receiver superseded this wait (a spillway channel has one reader)."));
                return;
            }

            // Borrowed for a few instructions by a closing sender checking for completion, or the parked wait was just
            // claimed by someone who is about to release the guard: wait it out.
            Thread.Yield();

            // Compare-and-swap, as in EnterRead.
            seen = Interlocked.CompareExchange(ref _readerGuard, ReaderGuard.Busy, ReaderGuard.Free);
            if (seen == ReaderGuard.Free)
            {
                if (Set.IsClosed)
                {
                    DiscardAfterClose();
                }

                return;
            }
        }
    }

    /// <summary>
    /// A Dispose that ran while the previous read held the guard could not drop the batch, and that read may have left
    /// with messages still in it. Drop them on entry, so no read after a Dispose returns a dropped message. The
    /// compare-and-swap that took the guard is a full fence after Close's exchange of the set's state.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void DiscardAfterClose() => _reader.DiscardBuffered();

    /// <summary>
    /// Releases the guard at a moment when the reader's batch has nothing unread, then checks whether the channel just
    /// ended.
    /// </summary>
    private void ExitReadWithEmptyBatch()
    {
        if (Set.IsClosed)
        {
            DiscardUnread();
        }

        // Interlocked (full fence) before reading the sender count in TryCompleteIfDrained: pairs with the decrement in
        // LaneSet.ReleaseSender. Either the closing sender sees the guard free and completes, or we see the count at
        // zero and do; never neither.
        Interlocked.Exchange(ref _readerGuard, ReaderGuard.Free);
        TryCompleteIfDrained();
    }

    [DoesNotReturn]
    private static void ThrowConcurrentRead() =>
        throw new InvalidOperationException(
            "Another read is already in progress on this receiver. A spillway channel has exactly one reader: await each read before starting the next.");
}
