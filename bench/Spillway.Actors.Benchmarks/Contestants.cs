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

/// <summary>The Spillway side of the counting benchmarks: signals the countdown for every message.</summary>
public sealed class SpillwayCountingActor(Countdown countdown) : Actor<int>
{
    protected override ValueTask ReceiveAsync(int message)
    {
        countdown.Signal();
        return default;
    }
}

/// <summary>Starts one dedicated sender thread per sender and waits until every one has sent its share.</summary>
public static class SenderThreads
{
    public static void Run(int senders, Func<int, Action> createSender)
    {
        var threads = new Thread[senders];
        for (var s = 0; s < senders; s++)
        {
            threads[s] = new Thread(createSender(s).Invoke) { IsBackground = true };
        }

        foreach (var thread in threads)
        {
            thread.Start();
        }

        foreach (var thread in threads)
        {
            thread.Join();
        }
    }
}

