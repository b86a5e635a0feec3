namespace Spillway.Actors;

/// <summary>
/// The time-outs of a system's pending asks: one min-heap ordered by deadline and one timer on the system's
/// <see cref="TimeProvider"/>, armed for the earliest deadline, instead of a timer per ask.
/// </summary>
/// <remarks>
/// <para>
/// An ask enters the heap before its request is appended and leaves it when it completes (O(log n) either way, no
/// allocation once the heap has grown). The timer is re-armed only when an ask's deadline is earlier than the one it is
/// armed for, which asks of equal time-outs never are: a stream of asks arms it about once per time-out. A tick that
/// finds nothing due (the ask it was armed for was answered) re-arms for the new earliest deadline. Deadlines are read
/// from <see cref="TimeProvider.GetTimestamp"/> (a cheaper millisecond count on the real clock, see <see cref="_tickCount"/>),
/// so a <c>FakeTimeProvider</c> controls every time-out, to the tick.
/// </para>
/// <para>
/// Thread-safety: the heap and the armed deadline are guarded by <see cref="_lock"/>. The tick claims due asks under
/// the lock (a compare-and-swap, no user code) and completes them after releasing it: no asker's code ever runs under
/// the lock. Memory is bounded by the pending asks: the heap's array shrinks when it is mostly empty.
/// </para>
/// </remarks>
internal sealed class AskTimeouts
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

    public AskTimeouts(TimeProvider timeProvider)
    {
        _timeProvider = timeProvider;
        _tickCount = ReferenceEquals(timeProvider, TimeProvider.System);
        _timer = timeProvider.CreateTimer(static state => ((AskTimeouts)state!).OnTick(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Gets how many asks wait for their time-out, for tests.</summary>
    internal int Count
    {
        get
        {
            lock (_lock)
            {
                return _count;
            }
        }
    }

    /// <summary>Adds a pending ask that times out <paramref name="timeout"/> from now.</summary>
    public void Add(AskOperation operation, TimeSpan timeout)
    {
        var now = Now();
        var deadline = SaturatingAdd(now, ToClockTicks(timeout));
        lock (_lock)
        {
            operation.Deadline = deadline;
            Push(operation);
            if (deadline < _armedFor)
            {
                Arm(deadline, now);
            }
        }
    }

    /// <summary>Removes an ask that completed otherwise; nothing if the tick has already taken it off.</summary>
    public void Remove(AskOperation operation)
    {
        lock (_lock)
        {
            if (operation.HeapIndex >= 0)
            {
                RemoveAt(operation.HeapIndex);
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

    private static long SaturatingAdd(long a, long b) => a > long.MaxValue - b ? long.MaxValue : a + b;

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

    /// <summary>The timer's callback: claims every due ask under the lock, then times them out outside it.</summary>
    private void OnTick()
    {
        AskOperation? expired = null;
        lock (_lock)
        {
            var now = Now();
            while (_count > 0 && _heap[0].Deadline <= now)
            {
                var operation = _heap[0];
                RemoveAt(0);

                // In the heap means not recycled: its winner takes it off before signalling. A failed claim means a
                // reply won meanwhile; its Remove finds the ask gone already.
                if (operation.TryClaim(operation.Version))
                {
                    operation.NextExpired = expired;
                    expired = operation;
                }
            }

            _armedFor = long.MaxValue;
            if (_count > 0)
            {
                Arm(_heap[0].Deadline, now);
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

    private void Push(AskOperation operation)
    {
        if (_count == _heap.Length)
        {
            Array.Resize(ref _heap, _heap.Length * 2);
        }

        _heap[_count] = operation;
        operation.HeapIndex = _count;
        _count++;
        SiftUp(_count - 1);
    }

    private void RemoveAt(int index)
    {
        var removed = _heap[index];
        removed.HeapIndex = -1;
        _count--;
        if (index != _count)
        {
            var last = _heap[_count];
            _heap[index] = last;
            last.HeapIndex = index;
            SiftDown(index);
            SiftUp(last.HeapIndex);
        }

        _heap[_count] = null!;
        if (_heap.Length > MinCapacity && _count < _heap.Length / 4)
        {
            // Bounded by the live asks, not the past peak.
            Array.Resize(ref _heap, _heap.Length / 2);
        }
    }

    private void SiftUp(int index)
    {
        var item = _heap[index];
        while (index > 0)
        {
            var parent = (index - 1) / 2;
            if (_heap[parent].Deadline <= item.Deadline)
            {
                break;
            }

            _heap[index] = _heap[parent];
            _heap[index].HeapIndex = index;
            index = parent;
        }

        _heap[index] = item;
        item.HeapIndex = index;
    }

    private void SiftDown(int index)
    {
        var item = _heap[index];
        while (true)
        {
            var child = (2 * index) + 1;
            if (child >= _count)
            {
                break;
            }

            if (child + 1 < _count && _heap[child + 1].Deadline < _heap[child].Deadline)
            {
                child++;
            }

            if (item.Deadline <= _heap[child].Deadline)
            {
                break;
            }

            _heap[index] = _heap[child];
            _heap[index].HeapIndex = index;
            index = child;
        }

        _heap[index] = item;
        item.HeapIndex = index;
    }
}
