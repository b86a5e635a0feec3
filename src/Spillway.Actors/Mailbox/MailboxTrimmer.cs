namespace Spillway.Actors;

/// <summary>
/// Gives back the storage a burst left in actor mailboxes once they have stayed idle for about a second: an idle actor
/// cannot run code, so a mailbox that goes idle holding more than a small keep asks to be watched, and this trimmer's
/// timer queues a trim turn for each watched mailbox that handled nothing during a whole period. A mailbox that is busy
/// again keeps its storage (steady traffic never reallocates); a stopped one is forgotten at the next tick.
/// </summary>
/// <remarks>
/// <para>
/// Thread-safety: <see cref="Watch"/> is called from turns on any worker, the tick from a timer thread, and
/// <see cref="Dispose"/> from the shutdown; the watch list is guarded by <see cref="_gate"/>. Nothing runs under the
/// lock but list work: the timer is created and disposed, and trim turns are queued, outside it.
/// </para>
/// <para>
/// Owned by its <see cref="ActorSystem"/>, which disposes it at the end of the shutdown. The timer is created on the
/// first <see cref="Watch"/> (a system whose actors never see a burst has none) on the system's
/// <see cref="TimeProvider"/>, so tests drive it with a fake clock.
/// </para>
/// </remarks>
internal sealed class MailboxTrimmer : IDisposable
{
    /// <summary>The tick period: a mailbox is trimmed after one to two periods without work.</summary>
    public static readonly TimeSpan Period = TimeSpan.FromSeconds(1);

    private readonly TimeProvider _timeProvider;
    private readonly object _gate = new();

    /// <summary>The watched mailboxes; guarded by <see cref="_gate"/>.</summary>
    private readonly List<Entry> _watched = [];

    /// <summary>The mailboxes a tick found idle for a whole period, tried outside the lock; touched only by the tick.</summary>
    private readonly List<ITrimmableMailbox> _candidates = [];

    /// <summary>The periodic timer, created on the first watch; published and withdrawn by interlocked exchange.</summary>
    private ITimer? _timer;

    /// <summary>Set under <see cref="_gate"/> by <see cref="Dispose"/>; later watches are ignored.</summary>
    private bool _disposed;

    /// <summary>1 while a tick runs, so a slow tick and the next one never overlap on the candidate list.</summary>
    private int _ticking;

    public MailboxTrimmer(TimeProvider timeProvider) => _timeProvider = timeProvider;

    /// <summary>Gets how many mailboxes are watched (tests check that stopped actors leave).</summary>
    internal int WatchedCount
    {
        get
        {
            lock (_gate)
            {
                return _watched.Count;
            }
        }
    }

    /// <summary>
    /// Watches <paramref name="mailbox"/> until it has stayed idle for a whole period, then queues its trim turn. The
    /// caller calls it once per episode (the mailbox keeps a flag), from the turn that goes idle.
    /// </summary>
    public void Watch(ITrimmableMailbox mailbox)
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _watched.Add(new Entry(mailbox));
        }

        if (Volatile.Read(ref _timer) is null)
        {
            StartTimer();
        }
    }

    /// <summary>Stops the timer and forgets every mailbox; idempotent.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            _watched.Clear();
        }

        // Interlocked: pairs with StartTimer, so a timer created while disposing is disposed by one side or the other.
        Interlocked.Exchange(ref _timer, null)?.Dispose();
    }

    private void StartTimer()
    {
        // The first watch comes from inside some actor's turn: do not let the timer capture that turn's execution
        // context (its async-locals) for the life of the system.
        var suppressed = !ExecutionContext.IsFlowSuppressed();
        if (suppressed)
        {
            ExecutionContext.SuppressFlow();
        }

        ITimer created;
        try
        {
            created = _timeProvider.CreateTimer(static state => ((MailboxTrimmer)state!).Tick(), this, Period, Period);
        }
        finally
        {
            if (suppressed)
            {
                ExecutionContext.RestoreFlow();
            }
        }

        // CAS: two turns watching at once must leave one timer; the loser disposes its own.
        if (Interlocked.CompareExchange(ref _timer, created, null) is not null)
        {
            created.Dispose();
            return;
        }

        // A dispose that ran before the CAS found no timer to dispose: read the flag after publishing (the CAS is a full
        // fence, and Dispose sets the flag before its exchange), and take the timer back if it did.
        bool disposed;
        lock (_gate)
        {
            disposed = _disposed;
        }

        if (disposed)
        {
            Interlocked.Exchange(ref _timer, null)?.Dispose();
        }
    }

    private void Tick()
    {
        // Interlocked: timer callbacks may overlap when one is slow; the second simply skips its turn.
        if (Interlocked.Exchange(ref _ticking, 1) != 0)
        {
            return;
        }

        try
        {
            SelectIdle();

            // Outside the lock: queuing a turn wakes a worker. A mailbox busy right now (its compare-and-swap failed)
            // is watched again, from a fresh count.
            foreach (var mailbox in _candidates)
            {
                if (!mailbox.TryScheduleTrim() && !mailbox.IsStopped)
                {
                    Watch(mailbox);
                }
            }
        }
        finally
        {
            _candidates.Clear();
            Volatile.Write(ref _ticking, 0);
        }
    }

    /// <summary>Moves the mailboxes that did no work during the last whole period to the candidates; drops stopped ones.</summary>
    private void SelectIdle()
    {
        lock (_gate)
        {
            var kept = 0;
            for (var i = 0; i < _watched.Count; i++)
            {
                var entry = _watched[i];
                if (entry.Mailbox.IsStopped)
                {
                    continue;
                }

                var activity = entry.Mailbox.ActivityCount;
                if (entry.Armed && activity == entry.Activity)
                {
                    _candidates.Add(entry.Mailbox);
                    continue;
                }

                // First tick since the watch began (it may have come a moment after it), or work was done: count a whole
                // period from now.
                _watched[kept++] = entry with { Activity = activity, Armed = true };
            }

            _watched.RemoveRange(kept, _watched.Count - kept);
        }
    }

    /// <summary>A watched mailbox and the work count it had at the last tick.</summary>
    private readonly record struct Entry(ITrimmableMailbox Mailbox, long Activity = 0, bool Armed = false);
}
