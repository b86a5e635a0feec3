namespace Spillway.Actors.Hosting.Tests.TestKit;

/// <summary>
/// The message of the test actors. Each field asks for one behaviour: <see cref="Entered"/> is set when the handler
/// starts, <see cref="Gate"/> is awaited (the turn suspends, no thread blocks), <see cref="Block"/> blocks the worker
/// thread until set, <see cref="Fail"/> throws, and <see cref="Reply"/> answers with the instance's count so far.
/// </summary>
internal sealed record Ping(
    Reply<int>? Reply = null,
    bool Fail = false,
    TaskCompletionSource? Entered = null,
    Task? Gate = null,
    ManualResetEventSlim? Block = null)
{
    /// <summary>The exception a <see cref="Fail"/> ping throws.</summary>
    public static readonly InvalidOperationException Failure = new("ping failed on purpose");
}
