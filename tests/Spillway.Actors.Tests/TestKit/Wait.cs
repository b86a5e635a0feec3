namespace Spillway.Actors.Tests.TestKit;

/// <summary>How tests wait: on a signal, with a generous timeout that only a hang reaches.</summary>
internal static class Wait
{
    /// <summary>The longest a test waits for a signal before it fails.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    /// <summary>A signal whose waiters never run inline on the thread that sets it.</summary>
    public static TaskCompletionSource Signal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>A signal carrying a value, whose waiters never run inline on the thread that sets it.</summary>
    public static TaskCompletionSource<T> Signal<T>() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    public static Task OrTimeout(this Task task) => task.WaitAsync(Timeout);

    public static Task<T> OrTimeout<T>(this Task<T> task) => task.WaitAsync(Timeout);

    /// <summary>Waits for an ask (a value task, taken over once as a task here) with the timeout.</summary>
    public static Task<T> OrTimeout<T>(this ValueTask<T> task) => task.AsTask().WaitAsync(Timeout);

    /// <summary>Waits for a countdown to reach zero; <see langword="false"/> if it did not within the timeout.</summary>
    public static bool For(CountdownEvent countdown) => countdown.Wait(Timeout);

    /// <summary>Waits for an event to be set; <see langword="false"/> if it was not within the timeout.</summary>
    public static bool For(ManualResetEventSlim signal) => signal.Wait(Timeout);
}
