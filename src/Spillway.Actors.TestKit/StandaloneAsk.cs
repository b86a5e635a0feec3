using Spillway.Actors.TestKit.Scheduling;

namespace Spillway.Actors.TestKit;

/// <summary>What an ask source needs to start, for replies made outside any actor system (<see cref="TestReply{T}"/>).</summary>
/// <remarks>
/// The scheduler only decides where the asker resumes (anything but a dedicated worker: on the thread pool), and the
/// time-out heap is never used (no time-out is armed). Thread-safety: immutable once built.
/// </remarks>
internal static class StandaloneAsk
{
    public static ActorScheduler Scheduler { get; } = new DeterministicScheduler();

    public static AskTimeouts Timeouts { get; } = new(TimeProvider.System);
}
