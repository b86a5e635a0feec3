using Microsoft.Extensions.Time.Testing;

namespace Spillway.Actors.Tests.TestKit;

/// <summary>
/// A <see cref="FakeTimeProvider"/> that also reports the timers created on it, so a test can wait until the runtime
/// has armed a delay (a restart backoff) before it advances time past it.
/// </summary>
internal sealed class TimerWatchingTimeProvider : FakeTimeProvider
{
    private readonly object _lock = new();
    private readonly List<(TimeSpan DueTime, TaskCompletionSource Signal)> _waiters = [];
    private readonly List<TimeSpan> _created = [];

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = base.CreateTimer(callback, state, dueTime, period);
        List<TaskCompletionSource>? ready = null;
        lock (_lock)
        {
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].DueTime == dueTime)
                {
                    (ready ??= []).Add(_waiters[i].Signal);
                    _waiters.RemoveAt(i);
                }
            }

            // A timer nobody waited for yet is kept, so a later wait for it returns at once.
            if (ready is null)
            {
                _created.Add(dueTime);
            }
        }

        // Outside the lock: the waiters' continuations run asynchronously anyway, but keep the rule.
        ready?.ForEach(static signal => signal.TrySetResult());
        return timer;
    }

    /// <summary>Completes when a timer with <paramref name="dueTime"/> has been created (at once if one was).</summary>
    public Task WhenTimerCreated(TimeSpan dueTime)
    {
        lock (_lock)
        {
            var index = _created.IndexOf(dueTime);
            if (index >= 0)
            {
                // Consume it, so the next wait for the same due time waits for the next timer.
                _created.RemoveAt(index);
                return Task.CompletedTask;
            }

            var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((dueTime, signal));
            return signal.Task;
        }
    }
}
