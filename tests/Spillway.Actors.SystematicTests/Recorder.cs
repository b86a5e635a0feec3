using Microsoft.Coyote.Specifications;

namespace Spillway.Actors.SystematicTests;

/// <summary>
/// What a test actor saw, shared by every instance of it (a restart builds a new instance): the messages handled, in
/// order, the lifecycle hooks that ran, and a check that no two handlers of the actor ever overlap.
/// </summary>
/// <remarks>Thread-safety: any thread; the list is guarded by <see cref="_gate"/> (<c>lock (object)</c>, which Coyote sees).</remarks>
internal sealed class Recorder
{
    private readonly object _gate = new();
    private readonly List<int> _handled = [];
    private readonly int _expected;
    private readonly TaskCompletionSource _allHandled = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The tasks that complete pending handlers; guarded by <see cref="_gate"/>.</summary>
    private readonly List<Task> _completers = [];

    /// <summary>1 while a handler or hook of the actor runs; set and cleared by exchange so an overlap is caught.</summary>
    private int _inside;

    private int _started;
    private int _restarting;
    private int _stopped;

    /// <param name="expected">The count of handled messages at which <see cref="AllHandled"/> completes.</param>
    public Recorder(int expected = int.MaxValue) => _expected = expected;

    /// <summary>Gets a task that completes when the expected number of messages has been handled.</summary>
    public Task AllHandled => _allHandled.Task;

    public int Started => Volatile.Read(ref _started);

    public int Restarting => Volatile.Read(ref _restarting);

    public int Stopped => Volatile.Read(ref _stopped);

    /// <summary>Marks the start of a handler or hook; fails the test if another one of this actor is running.</summary>
    public void Enter(string what) =>
        Specification.Assert(Interlocked.Exchange(ref _inside, 1) == 0, $"{what} ran while another handler of the same actor was running");

    /// <summary>Marks the end of a handler or hook.</summary>
    public void Exit() => Volatile.Write(ref _inside, 0);

    public void Record(int message)
    {
        bool done;
        lock (_gate)
        {
            _handled.Add(message);
            done = _handled.Count == _expected;
        }

        // Outside the lock: completing the signal may run the waiting test's continuation.
        if (done)
        {
            _allHandled.TrySetResult();
        }
    }

    public void OnStarted() => Interlocked.Increment(ref _started);

    public void OnRestarting() => Interlocked.Increment(ref _restarting);

    public void OnStopped() => Interlocked.Increment(ref _stopped);

    /// <summary>Tracks a task that completes a pending handler, so the test can wait until none is left running.</summary>
    public void Track(Task completer)
    {
        lock (_gate)
        {
            _completers.Add(completer);
        }
    }

    /// <summary>Waits until every tracked completer has run (awaited one by one; see <see cref="Harness"/>).</summary>
    public async Task WhenCompletersDoneAsync()
    {
        for (var i = 0; ; i++)
        {
            Task next;
            lock (_gate)
            {
                if (i == _completers.Count)
                {
                    return;
                }

                next = _completers[i];
            }

            await next;
        }
    }

    public List<int> Snapshot()
    {
        lock (_gate)
        {
            return [.. _handled];
        }
    }
}
