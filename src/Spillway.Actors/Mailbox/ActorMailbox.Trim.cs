using System.Runtime.CompilerServices;

namespace Spillway.Actors;

/// <summary>
/// The mailbox's side of the <see cref="MailboxTrimmer"/>: storage a burst left behind is given back after a second of
/// idleness, by a trim turn the trimmer queues.
/// </summary>
internal abstract partial class ActorMailbox<TMsg> : ITrimmableMailbox
{
    /// <summary>
    /// Mailbox storage an idle actor keeps untrimmed, in messages per array. A constant, not a per-type static: the check
    /// on the way to idle must stay one compare in code shared by every reference message type.
    /// </summary>
    internal const int IdleKeepElements = 32;

    /// <summary>The values of <see cref="_trimState"/>.</summary>
    private static class TrimState
    {
        /// <summary>Not watched by the trimmer.</summary>
        public const byte None = 0;

        /// <summary>Watched: the mailbox went idle with storage over <see cref="IdleKeepElements"/>.</summary>
        public const byte Watched = 1;

        /// <summary>Due: the trimmer queued a trim turn.</summary>
        public const byte Due = 2;
    }

    /// <summary>
    /// Where the mailbox stands with the system's <see cref="MailboxTrimmer"/> (<see cref="TrimState"/>). Written by the
    /// turn, and by the trimmer only right after it won the idle-to-scheduled compare-and-swap, when no turn can run
    /// until it queues one; so every write is ordered with the turns by the <see cref="_status"/> hand-off. A byte (never
    /// touched by interlocked operations) so an idle cell is a word smaller.
    /// </summary>
    private byte _trimState;

    long ITrimmableMailbox.ActivityCount => ProcessedTotal;

    /// <summary>Gets how many messages the mailbox storage can hold: the reader's batch plus every lane. For tests only.</summary>
    internal long StorageElementsForTest
    {
        get
        {
            long elements = _reader.StorageLength;
            foreach (var lane in Lanes.Lanes)
            {
                elements += lane?.StorageLength ?? 0;
            }

            return elements;
        }
    }

    bool ITrimmableMailbox.TryScheduleTrim()
    {
        // TrySchedule's two steps, with the trim state written between them: only an idle mailbox gets the trim turn
        // (the CAS a sender's wake-up uses), and no turn runs, so none reads _trimState, until the Schedule below
        // publishes the write.
        if (Interlocked.CompareExchange(ref _status, Status.Scheduled, Status.Idle) != Status.Idle)
        {
            return false;
        }

        _trimState = TrimState.Due;
        System.Scheduler.Schedule(this);
        return true;
    }

    /// <summary>
    /// A turn goes idle holding storage over the keep: the trim turn the trimmer queued gives it back (if it found no
    /// message: an actor busy again keeps its storage); otherwise the mailbox asks to be watched, once.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void GoingIdleWithLargeStorage(int processed)
    {
        if (_trimState == TrimState.Due)
        {
            _trimState = TrimState.None;

            // We own the reader (the turn); a lane that is not empty keeps its storage, and the next idle watches again.
            if (processed == 0 && _reader.TrimStorage(IdleKeepElements, keepWeakly: false))
            {
                return;
            }
        }

        if (_trimState == TrimState.None)
        {
            _trimState = TrimState.Watched;
            System.MailboxTrimmer.Watch(this);
        }
    }
}
