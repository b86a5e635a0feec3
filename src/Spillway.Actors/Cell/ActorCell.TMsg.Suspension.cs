using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace Spillway.Actors;

/// <summary>
/// Suspended turns: a handler or a lifecycle step that returned a pending task ends the turn without going idle, and
/// the task's completion resumes it; a shutdown that runs out of time may claim a suspended turn instead.
/// </summary>
internal sealed partial class ActorCell<TMsg>
{
    /// <summary>Returns <see langword="true"/> when <paramref name="operation"/> is pending: the turn must end now and resumes later.</summary>
    private bool Await(ValueTask operation)
    {
        if (operation.IsCompleted)
        {
            operation.GetAwaiter().GetResult();
            return false;
        }

        Suspend(operation, handler: false, started: 0);
        return true;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Suspend(ValueTask operation, bool handler, long started)
    {
        var suspension = _suspension ??= new Suspension(this);
        suspension.AwaitingHandler = handler;
        suspension.HandlerStarted = started;
        suspension.Awaiter = operation.ConfigureAwait(false).GetAwaiter();

        // Volatile (release): publishes the fields above before a forced shutdown can claim this suspension.
        Volatile.Write(ref suspension.State, Suspension.Waiting);

        // After this call another worker may already be running the resumed turn: touch no field afterwards.
        suspension.Awaiter.UnsafeOnCompleted(suspension.Resume);
    }

    private void Resume(Suspension suspension)
    {
        // CAS: the resumption and a forced shutdown race to own the suspended turn; a shutdown that won has already
        // reported this actor's messages as dead letters and stopped it, so the late completion is only observed.
        if (Interlocked.CompareExchange(ref suspension.State, Suspension.Resumed, Suspension.Waiting) != Suspension.Waiting)
        {
            ObserveAbandoned(suspension.Awaiter);
            return;
        }

        var awaiter = suspension.Awaiter;
        suspension.Awaiter = default;
        try
        {
            awaiter.GetResult();
            if (suspension.AwaitingHandler && suspension.HandlerStarted != 0)
            {
                Metrics.RecordDuration(Stopwatch.GetElapsedTime(suspension.HandlerStarted).TotalSeconds, TypeTag);
            }
        }
        catch (Exception error) when (suspension.AwaitingHandler)
        {
            suspension.Failure = error;
        }
        catch (Exception error)
        {
            Log.WorkItemFailed(System.Logger, error);
        }

        if (suspension.AwaitingHandler && IsBounded)
        {
            // The handler's message is done (or failed): its room comes back now, as in the turn loop. This resumption
            // owns the turn (the CAS above), so the reader is ours; the release touches no tag, so a failure's ask is
            // still found by the next turn.
            ReleaseRoomOfHandled();
        }

        // The pending task was the stop itself, now done: no turn is owed. (Queuing one anyway would leave a work item
        // that outlives the stop, and on the .NET thread pool keeps the stopped actor and its system reachable.)
        if (_phase == Phase.Stopped)
        {
            return;
        }

        // Still scheduled: the mailbox never went idle while the task was pending, so no other turn ran meanwhile.
        ScheduleWhileScheduled();
    }

    protected override void ForceCloseMailbox()
    {
        if (IsStopped)
        {
            return;
        }

        // A turn suspended on a handler that never completes can be claimed (CAS, against its resumption): then the
        // reader's batch is ours too and the actor is declared stopped here. Otherwise (a turn running, or blocked in
        // a synchronous handler) only the lanes are safe to empty from this thread; the turn reports its batch itself
        // if the handler ever returns. Close runs its drop pass once, so nothing is reported twice.
        var claimed = Volatile.Read(ref _suspension) is { } suspension
            && Interlocked.CompareExchange(ref suspension.State, Suspension.Abandoned, Suspension.Waiting) == Suspension.Waiting;
        CloseAndReportDropped(includeBatch: claimed, DeadLetterReason.SystemShutdown, abandonCurrent: claimed);
        if (claimed)
        {
            MarkStopped();
        }
    }

    private void ObserveAbandoned(ConfiguredValueTaskAwaitable.ConfiguredValueTaskAwaiter awaiter)
    {
        try
        {
            awaiter.GetResult();
        }
        catch (Exception error)
        {
            Log.HookFailed(System.Logger, error, Path, "a handler that completed after the shutdown gave up on it");
        }
    }

    /// <summary>What a suspended turn waits for, and how it resumes; one per cell, reused.</summary>
    private sealed class Suspension
    {
        public Suspension(ActorCell<TMsg> cell) => Resume = () => cell.Resume(this);

        /// <summary>The cached continuation: allocated once per cell, not once per suspension.</summary>
        public Action Resume { get; }

        public ConfiguredValueTaskAwaitable.ConfiguredValueTaskAwaiter Awaiter;

        /// <summary>Whether the pending task is a message handler (its failure goes to supervision) or a lifecycle step.</summary>
        public bool AwaitingHandler;

        /// <summary>When the pending handler started, for the duration metric (0 when not measured).</summary>
        public long HandlerStarted;

        /// <summary>The pending handler's exception, handled at the start of the resumed turn.</summary>
        public Exception? Failure;

        /// <summary>Cancels the restart backoff being waited out, if any; published and withdrawn by interlocked exchange.</summary>
        public CancellationTokenSource? BackoffCancellation;

        /// <summary>Cuts a pending restart backoff short (an immediate stop); callable from any thread.</summary>
        public void CancelBackoff()
        {
            if (Volatile.Read(ref BackoffCancellation) is not { } cancellation)
            {
                return;
            }

            // Asynchronously: the backoff's continuation (the stop) must not run on the thread asking for the stop. The
            // source is never disposed, so a backoff that has just ended makes this a harmless late cancellation.
            _ = cancellation.CancelAsync();
        }

        public const int Resumed = 0;
        public const int Waiting = 1;
        public const int Abandoned = 2;

        /// <summary>
        /// <see cref="Waiting"/> while the turn is suspended; then <see cref="Resumed"/> or, if a shutdown that ran out of
        /// time claimed it first, <see cref="Abandoned"/>. Claimed by compare-and-swap.
        /// </summary>
        public int State;
    }
}
