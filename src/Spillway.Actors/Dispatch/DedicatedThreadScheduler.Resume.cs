namespace Spillway.Actors;

/// <summary>
/// The askers an item answered (see <c>AskOperation.Finish</c>): pushed on the worker's stack while the item runs, and
/// resumed on that worker right after it, oldest first (<c>Worker.ResumeAskers</c>); a stealer or the rescuer takes
/// the whole stack of a worker stuck in a long item.
/// </summary>
internal sealed partial class DedicatedThreadScheduler
{
    /// <summary>
    /// When the caller runs on one of this pool's workers inside an item (a turn, most often a handler that has just
    /// replied), hands that worker the asker to resume right after the item (see <see cref="Worker.Resume"/>);
    /// elsewhere does nothing and returns <see langword="false"/>.
    /// </summary>
    /// <remarks>
    /// Every asker a turn answers resumes on the same warm thread once the turn is over, in the order of the replies,
    /// without waking anyone: their next requests then find the replier idle (so they need no barrier marks) and queue
    /// one turn for all of them. A single next slot would push every asker after the first to the shared queue and wake
    /// another worker for each, which is what made request-reply with several askers slow and erratic. The asker does
    /// not resume inside the replier's turn: asker code that blocks there would hold that actor, and the starvation check
    /// could not help (see <c>AskOperation</c>'s <c>IThreadPoolWorkItem.Execute</c>).
    /// </remarks>
    public bool TryResumeAfterItem(AskOperation operation)
    {
        if (t_worker is not { CurrentItem: not null } worker || !ReferenceEquals(worker.Owner, this))
        {
            return false;
        }

        // An empty stack (the common case: one reply per item) needs no compare-and-swap: only this thread pushes, and
        // stealers and the rescuer only take, so a stack seen empty stays empty until this store (release: it publishes
        // the stored outcome and the cleared link to whoever takes the operation).
        var head = Volatile.Read(ref worker.Resume);
        if (head is null)
        {
            operation.NextResume = null;
            Volatile.Write(ref worker.Resume, operation);
            return true;
        }

        // Interlocked: a stealer or the rescuer may take the whole stack at the same moment. The link is written before
        // the compare-and-swap that publishes it.
        while (true)
        {
            operation.NextResume = head;
            var seen = Interlocked.CompareExchange(ref worker.Resume, operation, head);
            if (ReferenceEquals(seen, head))
            {
                return true;
            }

            head = seen;
        }
    }

    /// <summary>Takes a worker's whole stack of askers to resume, oldest first; <see langword="null"/> when it is empty.</summary>
    private static AskOperation? TakeResumeStack(Worker worker)
    {
        // Interlocked: the worker pushes, and a stealer or the rescuer may take the stack at the same moment.
        var newest = Volatile.Read(ref worker.Resume) is null ? null : Interlocked.Exchange(ref worker.Resume, null);
        AskOperation? oldest = null;
        while (newest is not null)
        {
            var next = newest.NextResume;
            newest.NextResume = oldest;
            oldest = newest;
            newest = next;
        }

        return oldest;
    }

    /// <summary>Queues every asker of a stack taken from a stuck worker on the shared queue, oldest first.</summary>
    private void QueueResumeStack(AskOperation? oldest)
    {
        while (oldest is not null)
        {
            var next = oldest.NextResume;
            oldest.NextResume = null;
            _ready.Enqueue(oldest);
            WakeOne();
            oldest = next;
        }
    }
}
