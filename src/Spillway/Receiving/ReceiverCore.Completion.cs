namespace Spillway;

/// <summary>
/// The end of the channel as the reader sees it: the reader's close (<see cref="Dispose"/>), the drop of what it still
/// holds, and the completion of <see cref="Completion"/> once nothing is left and nothing can come.
/// </summary>
internal sealed partial class ReceiverCore<T>
{
    /// <summary>Closes the channel from the reader's side and drops what is queued.</summary>
    public void Dispose()
    {
        if (!Set.Close(dropped: null))
        {
            return;
        }

        // Wake a parked reader: it will find the channel closed.
        if (TryClaimParked() is { } parked)
        {
            ExitReadWithEmptyBatch();
            parked.SetResult(false);
        }

        // Drop the reader's unread messages too, unless a read is running right now: then the next read drops them on
        // entry (see EnterRead), and Count already reports nothing.
        if (TryBorrowReader())
        {
            DiscardUnread();
            Volatile.Write(ref _readerGuard, ReaderGuard.Free);
        }

        CompleteReader();
    }

    private bool TryBorrowReader() =>
        // Compare-and-swap: only a free reader may be borrowed; a busy one checks for completion on its way out.
        Interlocked.CompareExchange(ref _readerGuard, ReaderGuard.Borrowed, ReaderGuard.Free) == ReaderGuard.Free;

    /// <summary>
    /// Drops the unread messages of the batch after a close. Messages already handed over (the span of the last
    /// <see cref="TryReadBatch"/>) are left alone: the caller may still be reading them, and the next read clears them.
    /// </summary>
    private void DiscardUnread()
    {
        if (_reader.HasBuffered)
        {
            _reader.DiscardBuffered();
        }
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
        if (drained)
        {
            // The lanes only: this may run on a sender's or a disposing thread while the reader still reads the span of
            // its last TryReadBatch, which must stay intact until its next read (that read releases the batch).
            _reader.ReleaseLaneStorage();
        }

        Volatile.Write(ref _readerGuard, ReaderGuard.Free);
        if (drained)
        {
            CompleteReader();
        }
    }

    /// <summary>
    /// Gives every array the reader and the lanes hold back to the storage pool (see <see cref="LaneStorage{T}"/>), once
    /// the channel is drained and no message can come: a finished channel that is still referenced holds no storage, and
    /// the next channel takes the arrays back instead of faulting in fresh memory. The caller holds the reader guard and
    /// is the reader itself, or claimed its parked wait (whose batch was recycled before it parked): no span handed out
    /// earlier is still valid.
    /// </summary>
    private void ReleaseStorageAtEnd() => _reader.TrimStorage(keepElements: 0, keepWeakly: false);

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
}
