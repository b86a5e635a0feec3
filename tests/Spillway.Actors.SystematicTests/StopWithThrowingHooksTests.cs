using Microsoft.Coyote.Specifications;

namespace Spillway.Actors.SystematicTests;

/// <summary>
/// A stop whose steps throw (its <c>OnStoppedAsync</c> throws, and one of its watchers' callbacks throws) racing a watch
/// registration: the stop always completes, and the well-behaved watcher is told exactly once, whether it registered
/// before the stop (told by the stop, after the throwing callback) or after (told at once by the registration).
/// </summary>
public class StopWithThrowingHooksTests
{
    private const string RegisteredFirst = "registered while the watched actor ran";
    private const string StoppedFirst = "registered after the watched actor stopped";

    internal static async Task StopWithThrowingHooksRacesWatchAsync()
    {
        var system = Harness.CreateSystem(turnSize: 1);
        var watched = system.Spawn(() => new ThrowingOnStopActor());

        // Registered before anything runs, so the stop always meets it first (on behalf of a bystander actor).
        var bystander = system.Spawn(() => new ThrowingOnStopActor());
        watched.Cell.AddWatcher(bystander.Cell, static () => throw new InvalidOperationException("a watcher's callback fails"));
        var notifications = new int[1];
        var watcher = system.Spawn<WatchVsStopTests.WatcherMessage>(() => new WatchingActor(watched, notifications));

        var registered = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        var watch = Task.Run(() => watcher.Tell(new WatchVsStopTests.WatchRequest(registered)));
        var stop = Task.Run(() => system.StopAsync(watched));
        await watch;
        await stop;

        Specification.Assert(watched.IsStopped, "the stop completed but the actor is not stopped");
        var stoppedBefore = await registered.Task;
        Coverage.Hit(stoppedBefore ? StoppedFirst : RegisteredFirst);

        // Drains the watcher, so a notification told by the stop has been handled.
        await system.ShutdownAsync();
        Specification.Assert(Volatile.Read(ref notifications[0]) == 1, $"the watcher was told {notifications[0]} times");
        Specification.Assert(system.DeadLetterCount == 0, $"{system.DeadLetterCount} dead letters");
        Specification.Assert(system.ActorCount == 0, $"{system.ActorCount} actors alive after the shutdown");
    }

    [SetUp]
    public void ResetCoverage() => Coverage.Reset();

    [Test]
    public void Stop_HooksThrowWhileAWatchRegisters_StopCompletesAndWatcherToldOnce()
    {
        Systematic.AssertNoBug(StopWithThrowingHooksRacesWatchAsync, Budget.Iterations);
        Coverage.AssertReached(RegisteredFirst, StoppedFirst);
    }

    /// <summary>An actor whose <c>OnStoppedAsync</c> throws.</summary>
    private sealed class ThrowingOnStopActor : Actor<int>
    {
        protected override ValueTask ReceiveAsync(int message) => default;

        protected override ValueTask OnStoppedAsync() => throw new InvalidOperationException("OnStoppedAsync fails");
    }

    /// <summary>Watches <paramref name="watched"/> when asked, and counts the notifications into <paramref name="notifications"/>[0].</summary>
    private sealed class WatchingActor(ActorRef<int> watched, int[] notifications) : Actor<WatchVsStopTests.WatcherMessage>
    {
        protected override ValueTask ReceiveAsync(WatchVsStopTests.WatcherMessage message)
        {
            switch (message)
            {
                case WatchVsStopTests.WatchRequest request:
                    var stoppedBefore = watched.IsStopped;
                    Context.Watch(watched, WatchVsStopTests.Terminated.Instance);
                    request.Registered.TrySetResult(stoppedBefore);
                    break;
                case WatchVsStopTests.Terminated:
                    Interlocked.Increment(ref notifications[0]);
                    break;
            }

            return default;
        }
    }
}
