namespace Spillway.Actors;

/// <summary>
/// The drain of a graceful shutdown: the system's actors go on handling, telling and spawning until the system is
/// quiet, while tells from outside them are refused.
/// </summary>
/// <remarks>
/// <para>
/// Refusing outside tells costs the tell path nothing: the shutdown seals every mailbox, so every append fails, and
/// only a refused tell asks (<see cref="AcceptsDrainWork"/>) whether the code telling is one of this system's actors
/// (<see cref="ActorCode"/>); if so it appends through the path a sealed, not yet closed, mailbox still accepts.
/// </para>
/// <para>
/// Quiescence: the shutdown polls with a growing real-time delay (<see cref="s_firstPoll"/> doubling to
/// <see cref="s_maxPoll"/>; real time so that a test clock that never advances cannot hang it). A poll scans the whole
/// actor tree, actors spawned meanwhile included; it is quiet when every mailbox is stopped or idle (no turn queued,
/// running or suspended) with empty lanes, and no posted continuation of actor code is queued or running. Two quiet
/// scans in a row with the same actors, the same per-actor processed totals and the same count of finished
/// continuations mean nothing was in flight: only actor code can append now, and actor code runs either in a turn
/// (its mailbox is not idle, and a turn that began after the first scan of its actor handles a message, which changes
/// that actor's total by the second) or in a continuation (counted). A message appended after its recipient was
/// scanned was appended by such code, which one of the two scans must have seen.
/// </para>
/// <para>Thread-safety: the drain runs on the shutdown's task only; the flags it shares are read and written with Volatile/Interlocked.</para>
/// </remarks>
public sealed partial class ActorSystem
{
    private static readonly TimeSpan s_firstPoll = TimeSpan.FromMilliseconds(1);
    private static readonly TimeSpan s_maxPoll = TimeSpan.FromMilliseconds(50);

    /// <summary>0 while a shutdown may still drain; 1 once its final stop has begun (set once, by Interlocked.Exchange).</summary>
    private int _drainEnded;

    /// <summary>
    /// Gets whether the code running now may still tell and spawn during a shutdown: it is code of one of this system's
    /// actors, and the shutdown has not reached its final stop. Off the hot path (a refused tell, a spawn).
    /// </summary>
    internal bool AcceptsDrainWork() => Volatile.Read(ref _drainEnded) == 0 && ActorCode.IsRunningOn(Scheduler);

    /// <summary>Ends the drain: from now on actors' tells to sealed mailboxes are dead letters and their spawns fail.</summary>
    private void EndDrain() =>
        // Interlocked (full fence) before the final stop snapshots the top-level actors: pairs with the fence in Spawn.
        Interlocked.Exchange(ref _drainEnded, 1);

    /// <summary>Waits until the system is quiet; <see langword="false"/> when <paramref name="cancellationToken"/> fired first.</summary>
    private async Task<bool> DrainAsync(CancellationToken cancellationToken)
    {
        var delay = s_firstPoll;
        while (!cancellationToken.IsCancellationRequested)
        {
            if (ScanIfQuiet() is { } first && ScanIfQuiet() is { } second && first.SameAs(second))
            {
                return true;
            }

            try
            {
                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return false;
            }

            delay = delay * 2 < s_maxPoll ? delay * 2 : s_maxPoll;
        }

        return false;
    }

    /// <summary>Scans the actor tree; <see langword="null"/> as soon as something is going on.</summary>
    private DrainScan? ScanIfQuiet()
    {
        var continuations = (ActorSynchronizationContext)Scheduler.SynchronizationContext;
        var finished = continuations.FinishedCallbacks;
        if (continuations.OutstandingCallbacks != 0)
        {
            return null;
        }

        var totals = new Dictionary<ActorCell, long>(ReferenceEqualityComparer.Instance);
        var pending = new Stack<ActorCell>(_topLevel.Values);
        while (pending.TryPop(out var cell))
        {
            // IsMailboxQuiet first, then the total: the turn stores its total before it goes idle (a full fence), so a
            // mailbox seen idle shows every message its turns have handled.
            if (!cell.IsMailboxQuiet)
            {
                return null;
            }

            totals[cell] = cell.ProcessedTotal;
            cell.PushChildren(pending);
        }

        return continuations.OutstandingCallbacks != 0 ? null : new DrainScan(totals, finished);
    }

    /// <summary>What one quiet scan saw: each actor's processed total, and how many continuations had finished.</summary>
    private sealed class DrainScan(Dictionary<ActorCell, long> totals, long finishedCallbacks)
    {
        public bool SameAs(DrainScan other)
        {
            if (finishedCallbacks != other.FinishedCallbacks || totals.Count != other.Totals.Count)
            {
                return false;
            }

            foreach (var (cell, processed) in totals)
            {
                if (!other.Totals.TryGetValue(cell, out var seen) || seen != processed)
                {
                    return false;
                }
            }

            return true;
        }

        private Dictionary<ActorCell, long> Totals => totals;

        private long FinishedCallbacks => finishedCallbacks;
    }
}
