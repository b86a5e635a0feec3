namespace Spillway;

/// <summary>
/// How a parked read ends: the senders' wake-up and end-of-writers calls, the cancellation callback, and the claim of
/// the parked wait that decides who completes it (see the type remarks in ReceiverCore.cs).
/// </summary>
internal sealed partial class ReceiverCore<T>
{
    void ILaneListener.OnLaneFilled()
    {
        if (TryClaimParked() is { } parked)
        {
            // We own the parked reader's guard: give it back before waking the reader, so its next read finds it free.
            ExitReadWithEmptyBatch();
            parked.SetResult(true);
        }
    }

    void IWritersDoneListener.OnWritersDone()
    {
        if (TryClaimParked() is { } parked)
        {
            // We own the parked reader's guard now: its batch is empty, so the lanes alone decide.
            if (Set.AnyLaneHasItems())
            {
                ExitReadWithEmptyBatch();
                parked.SetResult(true);
            }
            else
            {
                ReleaseStorageAtEnd();
                CompleteReader();
                ExitReadWithEmptyBatch();
                CompleteWaitAtEnd(parked);
            }

            return;
        }

        TryCompleteIfDrained();
    }

    private void OnWaitCancelled(ReaderWaiter waiter, CancellationToken token)
    {
        if (TryClaim(waiter))
        {
            ExitReadWithEmptyBatch();
            waiter.SetException(new OperationCanceledException(token));
        }
    }

    private void CompleteWaitAtEnd(ReaderWaiter waiter)
    {
        var error = Set.CompletionError;
        if (error is null || Set.IsClosed)
        {
            waiter.SetResult(false);
        }
        else
        {
            waiter.SetException(error);
        }
    }

    /// <summary>Claims <paramref name="waiter"/> if it is the parked wait; only the one caller that wins may complete it.</summary>
    private bool TryClaim(ReaderWaiter waiter) =>
        // Compare-and-swap: a sender's wake-up, the close path, a cancellation and the next read may race to complete the
        // same wait; exactly one wins. Also a full fence, which the no-lost-wake-up argument in the type remarks relies on.
        Interlocked.CompareExchange(ref _parked, null, waiter) == waiter;

    /// <summary>Claims whichever wait is parked; the winner owns the reader guard and must release it, then complete the wait.</summary>
    private ReaderWaiter? TryClaimParked()
    {
        // Full fence before the look: a sender has just published its message (a plain store in the lane), and this
        // read must not be satisfied before that store is visible, or sender and parking reader could each miss the
        // other (see the type remarks). The barrier is a fence on this thread only; the compare-and-swap that claims
        // runs only when a wait is parked, so a send to a busy reader does not write the shared field.
        Interlocked.MemoryBarrier();
        var parked = Volatile.Read(ref _parked);
        return parked is not null && TryClaim(parked) ? parked : null;
    }
}
