namespace Spillway.Actors.SystematicTests;

/// <summary>
/// A small copy of the actor mailbox's scheduling handshake (<c>ActorMailbox</c>: <c>OnLaneFilled</c> against
/// <c>GoIdleThenLookAgain</c>), with a switch that removes its "look again" step after going idle. Used only to show
/// that the Coyote setup really explores this race: the broken copy must be caught.
/// </summary>
/// <remarks>
/// <para>
/// As in the real mailbox, a sender appends under the lane lock and only the sender that finds the lane empty tries
/// idle-to-scheduled by compare-and-swap; a turn handles up to <c>turnSize</c> messages, then either queues itself
/// again (budget used) or stores idle and looks at the lane again. Without that second look, a message appended after
/// the turn's last read but before its idle store finds the mailbox still scheduled, so nobody schedules it: it is
/// stranded until the next tell, which may never come.
/// </para>
/// <para>
/// Why not remove the full fence instead: Coyote explores interleavings under sequential consistency, so it cannot
/// find a bug that needs the processor to reorder a store after a load. Removing the second look is a lost wake-up in
/// any memory model, which is what a systematic test can and must find.
/// </para>
/// <para>Thread-safety: any number of senders; turns never overlap (the status guarantees it, as in the real cell).</para>
/// </remarks>
internal sealed class ToyMailbox
{
    private const int Idle = 0;
    private const int Scheduled = 1;

    private readonly Queue<int> _lane = new();
    private readonly Action<int> _handler;
    private readonly int _turnSize;
    private readonly bool _looksAgainAfterIdle;

    /// <summary>Idle or scheduled; moved to scheduled by a sender's CAS, back to idle only by the running turn.</summary>
    private int _status;

    public ToyMailbox(Action<int> handler, int turnSize, bool looksAgainAfterIdle)
    {
        _handler = handler;
        _turnSize = turnSize;
        _looksAgainAfterIdle = looksAgainAfterIdle;
    }

    public void Tell(int message)
    {
        bool wasEmpty;
        lock (_lane)
        {
            wasEmpty = _lane.Count == 0;
            _lane.Enqueue(message);
        }

        // CAS: of the senders that find the mailbox idle, exactly one schedules it.
        if (wasEmpty && Interlocked.CompareExchange(ref _status, Scheduled, Idle) == Idle)
        {
            Schedule();
        }
    }

    private void Schedule() => _ = Task.Run(RunTurn);

    private void RunTurn()
    {
        var processed = 0;
        while (processed < _turnSize && TryTake(out var message))
        {
            _handler(message);
            processed++;
        }

        if (processed == _turnSize)
        {
            Schedule();
            return;
        }

        // Go idle, then (in the correct copy) look again: a message that landed after the last read is seen here.
        Interlocked.Exchange(ref _status, Idle);
        if (_looksAgainAfterIdle && HasItems() && Interlocked.CompareExchange(ref _status, Scheduled, Idle) == Idle)
        {
            Schedule();
        }
    }

    private bool TryTake(out int message)
    {
        lock (_lane)
        {
            return _lane.TryDequeue(out message);
        }
    }

    private bool HasItems()
    {
        lock (_lane)
        {
            return _lane.Count != 0;
        }
    }
}
