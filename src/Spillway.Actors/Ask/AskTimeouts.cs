namespace Spillway.Actors;

/// <summary>
/// The time-outs of a system's pending asks: one min-heap of ask operations and one timer on the system's
/// <see cref="TimeProvider"/>, armed for the heap's earliest key, instead of a timer per ask.
/// </summary>
/// <remarks>
/// <para>
/// Lazy: an operation (a pooled <see cref="AskOperation"/>, which serves ask after ask) joins the heap on its first
/// ask with a time-out and stays there while it is reused. An ask only stores its deadline in the operation
/// (<see cref="AskOperation.Deadline"/>), and an answered ask leaves it behind; neither takes the lock. The heap is
/// ordered by each operation's <see cref="AskOperation.HeapKey"/>, which is never later than the deadline of the ask the
/// operation serves: the tick that reaches a key looks at the operation, times out its ask if its deadline has passed,
/// moves the key up to a later deadline, or drops an operation that serves no ask any more. A stream of asks with equal
/// time-outs therefore costs the lock nothing per ask and the timer about one tick per time-out. Deadlines are read from
/// <see cref="TimeProvider.GetTimestamp"/> (a cheaper millisecond count on the real clock, see <see cref="_tickCount"/>),
/// so a <c>FakeTimeProvider</c> controls every time-out, to the tick.
/// </para>
/// <para>
/// Thread-safety: the heap, the keys and the armed deadline are guarded by <see cref="_lock"/>. An asker stores its
/// deadline with a full fence and then reads whether its operation is still in this heap; the tick drops an operation
/// with a full fence and then reads its deadline again. Whichever runs second sees the other (the ask then takes the
/// locked path, or the tick keeps the operation), so no armed ask is ever out of the heap. The same handshake covers a
/// key the tick raises while an ask with a shorter time-out stores its deadline. The tick claims due asks under the lock
/// (a compare-and-swap, no user code) and completes them after releasing it: no asker's code ever runs under the lock.
/// Memory: the heap holds the operations in use or pooled; one that leaves the pool leaves the heap (see
/// <see cref="Forget"/>), and an operation left to the collector is dropped by the first tick that reaches its key.
/// </para>
/// </remarks>
internal sealed partial class AskTimeouts
{
    private const int MinCapacity = 16;

    /// <summary>
    /// Milliseconds added to a deadline kept in <see cref="Environment.TickCount64"/>: that count is truncated to the
    /// millisecond and may lag real time by a scheduler tick (up to 10 ms), so the padding keeps a time-out from ever
    /// firing early. Timers are no finer than that anyway.
    /// </summary>
    private const long TickCountPadding = 16;

    /// <summary>The longest the timer is armed for at once (a timer's due time is limited); a later deadline re-arms on that tick.</summary>
    private static readonly TimeSpan s_maxArm = TimeSpan.FromDays(1);

    private readonly object _lock = new();
    private readonly TimeProvider _timeProvider;

    /// <summary>
    /// Whether deadlines are kept in <see cref="Environment.TickCount64"/> milliseconds: on the real clock, where it is
    /// several times cheaper to read than <see cref="TimeProvider.GetTimestamp"/> (one read per ask). Any other
    /// provider (a <c>FakeTimeProvider</c>) is read through <see cref="TimeProvider.GetTimestamp"/>, to the tick.
    /// </summary>
    private readonly bool _tickCount;
    private AskOperation[] _heap = new AskOperation[MinCapacity];
    private int _count;

    /// <summary>Created with the system, disarmed, like the system's other timers (it captures the creator's context once).</summary>
    private readonly ITimer _timer;

    /// <summary>The timestamp the timer is armed for; <see cref="long.MaxValue"/> when it is not armed.</summary>
    private long _armedFor = long.MaxValue;

    /// <param name="timeProvider">The clock.</param>
    /// <param name="eager">
    /// Whether every ask takes the lock and every answer takes its operation out of the heap (see
    /// <see cref="ActorScheduler.WantsDeterministicAskTimeouts"/>): slower, but the scheduling points an ask reaches no
    /// longer depend on what its pooled operation served before.
    /// </param>
    public AskTimeouts(TimeProvider timeProvider, bool eager = false)
    {
        _timeProvider = timeProvider;
        IsEager = eager;
        _tickCount = ReferenceEquals(timeProvider, TimeProvider.System);
        _timer = timeProvider.CreateTimer(static state => ((AskTimeouts)state!).OnTick(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Gets how many asks wait for their time-out (operations in the heap that serve a pending, armed ask), for tests.</summary>
    internal int Count
    {
        get
        {
            lock (_lock)
            {
                var armed = 0;
                for (var i = 0; i < _count; i++)
                {
                    armed += _heap[i].IsArmed(out _, out _) ? 1 : 0;
                }

                return armed;
            }
        }
    }

    /// <summary>Gets whether operations leave the heap when their ask is answered (see the constructor).</summary>
    public bool IsEager { get; }

    /// <summary>Gets how many operations the heap holds, armed or not, for tests.</summary>
    internal int KeyedOperations
    {
        get
        {
            lock (_lock)
            {
                return _count;
            }
        }
    }

    /// <summary>
    /// Arms the time-out of the pending ask <paramref name="operation"/> serves: <paramref name="timeout"/> from now.
    /// Called by the asker before the request exists, so nothing completes the ask meanwhile.
    /// </summary>
    public void Add(AskOperation operation, TimeSpan timeout)
    {
        // An operation still in another system's heap leaves it first: its deadline is about to be in this clock's units.
        if (Volatile.Read(ref operation.HeapOwner) is { } other && !ReferenceEquals(other, this))
        {
            other.Forget(operation);
        }

        var deadline = SaturatingAdd(Now(), ToClockTicks(timeout));

        // Interlocked (a full fence) before reading the owner and the key: pairs with the tick's fence in Drop and
        // RaiseKey (see the type remarks), so a tick that drops the operation or raises its key meanwhile either sees
        // this deadline or is seen here.
        Interlocked.Exchange(ref operation.Deadline, deadline);
        if (!IsEager && ReferenceEquals(Volatile.Read(ref operation.HeapOwner), this) && deadline >= Volatile.Read(ref operation.HeapKey))
        {
            return;
        }

        lock (_lock)
        {
            if (!ReferenceEquals(operation.HeapOwner, this))
            {
                operation.HeapKey = deadline;
                Volatile.Write(ref operation.HeapOwner, this);
                Push(operation);
            }
            else if (deadline < operation.HeapKey)
            {
                // A shorter time-out than the one the key was set for.
                Volatile.Write(ref operation.HeapKey, deadline);
                SiftUp(operation.HeapIndex);
            }

            if (_heap[0].HeapKey < _armedFor)
            {
                Arm(_heap[0].HeapKey, Now());
            }
        }
    }

    /// <summary>Takes an operation out of the heap for good (it leaves the pool, or moves to another system); nothing if it is not in it.</summary>
    public void Forget(AskOperation operation)
    {
        lock (_lock)
        {
            if (ReferenceEquals(operation.HeapOwner, this))
            {
                RemoveAt(operation.HeapIndex);
                Volatile.Write(ref operation.HeapOwner, null);
            }
        }
    }

    /// <summary>
    /// Lets go of every operation that serves no armed ask, now rather than at its key: called when the system has shut
    /// down, so pooled operations carry nothing of this system into the next (another system, or the next iteration
    /// of a systematic test, whose schedule must not depend on what an earlier one left keyed). Armed asks keep their
    /// time-outs.
    /// </summary>
    public void ReleaseIdle()
    {
        lock (_lock)
        {
            var kept = 0;
            for (var i = 0; i < _count; i++)
            {
                var operation = _heap[i];
                if (!operation.IsArmed(out _, out _) && !LetGoUnlessArmedMeanwhile(operation))
                {
                    operation.HeapIndex = -1;
                    continue;
                }

                _heap[kept] = operation;
                operation.HeapIndex = kept;
                kept++;
            }

            Array.Clear(_heap, kept, _count - kept);
            _count = kept;
            for (var i = (kept / 2) - 1; i >= 0; i--)
            {
                SiftDown(i);
            }

            if (_count > 0 && _heap[0].HeapKey < _armedFor)
            {
                Arm(_heap[0].HeapKey, Now());
            }
        }
    }

    /// <summary>Reads the clock deadlines are kept in; see <see cref="_tickCount"/>.</summary>
    private long Now() => _tickCount ? Environment.TickCount64 : _timeProvider.GetTimestamp();

    /// <summary>Converts a span to the clock's units, rounded up, plus the tick count's padding; see <see cref="_tickCount"/>.</summary>
    private long ToClockTicks(TimeSpan span) => _tickCount
        ? (long)Math.Min(Math.Ceiling(span.TotalMilliseconds), long.MaxValue / 2) + TickCountPadding
        : (long)Math.Min(Math.Ceiling(span.Ticks * ((double)_timeProvider.TimestampFrequency / TimeSpan.TicksPerSecond)), long.MaxValue / 2);

    private TimeSpan Elapsed(long from, long to) => _tickCount ? TimeSpan.FromMilliseconds(to - from) : _timeProvider.GetElapsedTime(from, to);

    private static long SaturatingAdd(long a, long b) => a > long.MaxValue - b ? long.MaxValue - 1 : a + b;

    /// <summary>Arms the timer for <paramref name="deadline"/> (at most <see cref="s_maxArm"/> ahead); under the lock.</summary>
    private void Arm(long deadline, long now)
    {
        var due = Elapsed(now, deadline);
        if (due > s_maxArm)
        {
            due = s_maxArm;
            deadline = SaturatingAdd(now, ToClockTicks(due));
        }

        if (due < TimeSpan.Zero)
        {
            due = TimeSpan.Zero;
        }

        _armedFor = deadline;
        _timer.Change(due, Timeout.InfiniteTimeSpan);
    }

    /// <summary>
    /// The timer's callback: under the lock, looks at every operation whose key is due, claims the asks whose deadline
    /// has passed, raises the keys of the others or drops them; then times the claimed asks out outside the lock.
    /// </summary>
    private void OnTick()
    {
        AskOperation? expired = null;
        lock (_lock)
        {
            var now = Now();
            while (_count > 0 && _heap[0].HeapKey <= now)
            {
                var operation = _heap[0];
                if (!operation.IsArmed(out var version, out var deadline))
                {
                    // Answered (its asker will recycle it, and a next ask brings it back) or left to the collector.
                    Drop(operation);
                }
                else if (deadline > now)
                {
                    RaiseKey(operation, deadline);
                }
                else if (operation.TryClaim(version))
                {
                    // Claimed: its asker cannot recycle it (nor ask again with it) before the time-out below is
                    // signalled, so it leaves the heap without the handshake, and its next ask brings it back.
                    RemoveAt(0);
                    Volatile.Write(ref operation.HeapOwner, null);
                    operation.NextExpired = expired;
                    expired = operation;
                }
                else
                {
                    // A reply won meanwhile; the operation may even serve its next ask already. Dropped with the handshake.
                    Drop(operation);
                }
            }

            _armedFor = long.MaxValue;
            if (_count > 0)
            {
                Arm(_heap[0].HeapKey, now);
            }
        }

        while (expired is not null)
        {
            var next = expired.NextExpired;
            expired.NextExpired = null;
            expired.CompleteTimedOut();
            expired = next;
        }
    }

    /// <summary>Takes the top operation, which serves no armed ask, out of the heap, unless an ask armed it meanwhile.</summary>
    private void Drop(AskOperation operation)
    {
        RemoveAt(0);
        if (LetGoUnlessArmedMeanwhile(operation))
        {
            Push(operation);
        }
    }

    /// <summary>
    /// Lets go of an operation seen serving no armed ask (clears its owner), unless an ask armed it meanwhile: then it
    /// stays this heap's, keyed at that ask's deadline, and the caller keeps it in the heap. Under the lock.
    /// </summary>
    /// <returns><see langword="true"/> when an ask armed it meanwhile.</returns>
    private bool LetGoUnlessArmedMeanwhile(AskOperation operation)
    {
        // Interlocked (a full fence) between clearing the owner and reading the deadline again: pairs with Add's fence.
        // An ask that stored its deadline before it is seen here and keeps its place; one that stores it after reads no
        // owner and takes the locked path.
        Interlocked.Exchange(ref operation.HeapOwner, null);
        if (!operation.IsArmed(out _, out var deadline))
        {
            return false;
        }

        operation.HeapKey = deadline;
        Volatile.Write(ref operation.HeapOwner, this);
        return true;
    }

    /// <summary>Moves the top operation's key up to <paramref name="deadline"/>, the deadline of the ask it serves now.</summary>
    private void RaiseKey(AskOperation operation, long deadline)
    {
        Volatile.Write(ref operation.HeapKey, deadline);

        // A full fence between raising the key and reading the deadline again: pairs with Add's fence, so an ask with a
        // shorter time-out that stored its deadline meanwhile either saw the raised key (and takes the locked path) or
        // is seen here.
        Interlocked.MemoryBarrier();
        if (Volatile.Read(ref operation.Deadline) is var latest && latest < deadline)
        {
            Volatile.Write(ref operation.HeapKey, latest);
        }

        SiftDown(0);
    }
}
