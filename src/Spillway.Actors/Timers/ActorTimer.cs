namespace Spillway.Actors;

/// <summary>A timer that tells its actor a message once or periodically, and dies with the actor.</summary>
/// <remarks>Thread-safety: fired on a timer thread; disposal from any thread, idempotent.</remarks>
internal sealed class ActorTimer<TMsg> : IDisposable
{
    private readonly ActorCell<TMsg> _cell;
    private readonly TMsg _message;
    private readonly bool _periodic;
    private ITimer? _timer;
    private int _disposed;

    public ActorTimer(ActorCell<TMsg> cell, TMsg message, bool periodic)
    {
        _cell = cell;
        _message = message;
        _periodic = periodic;
    }

    public void Start(TimeProvider timeProvider, TimeSpan dueTime, TimeSpan period)
    {
        // Created disarmed and armed only once stored, so a zero due time cannot fire before _timer is set.
        var timer = timeProvider.CreateTimer(static state => ((ActorTimer<TMsg>)state!).Fire(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        Volatile.Write(ref _timer, timer);
        if (Volatile.Read(ref _disposed) != 0)
        {
            timer.Dispose();
            return;
        }

        timer.Change(dueTime, period);
    }

    public void Dispose()
    {
        // Interlocked: the actor's stop and the user's handle may dispose at once; only one removes the timer.
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        Volatile.Read(ref _timer)?.Dispose();
        _cell.RemoveTimer(this);
    }

    private void Fire()
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            return;
        }

        _cell.Self.Tell(_message);
        if (!_periodic)
        {
            Dispose();
        }
    }
}
