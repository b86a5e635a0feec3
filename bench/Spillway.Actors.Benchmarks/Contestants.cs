namespace Spillway.Actors.Benchmarks;

/// <summary>A message object shared by every Akka.NET and Proto.Actor send, so they allocate no message per send either.</summary>
public sealed class Ping
{
    public static readonly Ping Instance = new();

    private Ping()
    {
    }
}

/// <summary>Counts messages and completes a signal when the expected number has arrived.</summary>
/// <remarks>Signalled by several actors at once in the ping-pong rounds, so the count is decremented with Interlocked (the same cost for every runtime).</remarks>
public sealed class Countdown
{
    private long _remaining;
    private TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task Done => _done.Task;

    public void Reset(long expected)
    {
        _remaining = expected;
        _done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    public void Signal()
    {
        if (Interlocked.Decrement(ref _remaining) == 0)
        {
            _done.TrySetResult();
        }
    }
}

/// <summary>
/// The ping-pong ball: one instance per pair, handed back and forth, so Akka.NET and Proto.Actor allocate no message
/// per hop (Spillway sends the hop count as an <see cref="int"/>). Only the actor holding it touches it; the message
/// hand-off orders the accesses.
/// </summary>
public sealed class Ball
{
    public int HopsLeft;
}
