using Microsoft.Coyote.Specifications;

namespace Spillway.Actors.SystematicTests;

/// <summary>
/// A watch registered while the watched actor stops: the registration (under the watched actor's relations lock) and
/// the stop's notification of its watchers split the race, so the watcher is told exactly once either way: by the stop
/// if it registered first, at once by the registration if the stop came first. Never zero times, never twice.
/// </summary>
public class WatchVsStopTests
{
    private const string RegisteredFirst = "registered while the watched actor ran";
    private const string StoppedFirst = "registered after the watched actor stopped";
    private const string Handled = "shutdown: the notification handled";
    private const string DeadLetter = "shutdown: the notification a dead letter";
    private const string Withdrawn = "shutdown: the watcher stopped first and withdrew its watch";

    /// <summary>
    /// One task asks a watcher to watch an actor while another stops that actor, at once (<see cref="ActorSystem.StopAsync{TMsg}"/>)
    /// or by a shutdown of the whole system. With a stop, a graceful shutdown then drains the watcher: it must have
    /// handled exactly one notification, and no dead letter. With a shutdown, the watcher itself stops too: a watcher
    /// that stops first withdraws its watch (no notification at all), otherwise the notification is handled or, if it
    /// comes too late, a dead letter; never more than one, and a request that came too late (a dead letter) yields none.
    /// </summary>
    internal static async Task WatchRacesStopAsync(bool byShutdown)
    {
        var system = Harness.CreateSystem(turnSize: 1);
        var deadNotifications = 0;
        var deadRequests = 0;
        system.DeadLetterReceived += (_, deadLetter) =>
        {
            if (deadLetter.Message is Terminated)
            {
                Interlocked.Increment(ref deadNotifications);
            }
            else if (deadLetter.Message is WatchRequest)
            {
                Interlocked.Increment(ref deadRequests);
            }
        };

        var watched = system.Spawn(() => new QuietActor());
        var notifications = new int[1];
        var watcher = system.Spawn<WatcherMessage>(() => new WatchingActor(watched, notifications));

        var registered = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        var watch = Task.Run(() => watcher.Tell(new WatchRequest(registered)));
        var stop = byShutdown ? Task.Run(() => system.ShutdownAsync()) : Task.Run(() => system.StopAsync(watched));
        await watch;
        await stop;

        if (!byShutdown)
        {
            var stoppedBefore = await registered.Task;
            Coverage.Hit(stoppedBefore ? StoppedFirst : RegisteredFirst);
            await system.ShutdownAsync();
        }

        // Every actor has stopped now, so the request was handled or dropped, and any notification told.
        var handledRequest = registered.Task.IsCompleted;
        var told = Volatile.Read(ref notifications[0]) + Volatile.Read(ref deadNotifications);
        Specification.Assert(handledRequest || Volatile.Read(ref deadRequests) == 1, "the watch request was neither handled nor a dead letter");
        Specification.Assert(
            byShutdown ? told <= (handledRequest ? 1 : 0) : told == (handledRequest ? 1 : 0),
            $"watch registered: {handledRequest}; notifications handled {notifications[0]}, dead letters {deadNotifications}");
        if (!byShutdown)
        {
            Specification.Assert(notifications[0] == 1, $"the running watcher handled {notifications[0]} notifications");
        }
        else if (handledRequest)
        {
            Coverage.Hit(notifications[0] == 1 ? Handled : deadNotifications == 1 ? DeadLetter : Withdrawn);
        }
    }

    [SetUp]
    public void ResetCoverage() => Coverage.Reset();

    [Test]
    public void Watch_RacingStopAsync_NotifiedExactlyOnce()
    {
        Systematic.AssertNoBug(() => WatchRacesStopAsync(byShutdown: false), Budget.Iterations);
        Coverage.AssertReached(RegisteredFirst, StoppedFirst);
    }

    [Test]
    public void Watch_RacingShutdown_OneNotificationHandledOrDeadLetter()
    {
        Systematic.AssertNoBug(() => WatchRacesStopAsync(byShutdown: true), Budget.Iterations);
        Coverage.AssertReached(Withdrawn);
    }

    [Test]
    [Explicit("long form, run by hand")]
    [Category("Stress")]
    public void Watch_RacingStopAsync_Stress() =>
        Systematic.AssertNoBug(() => WatchRacesStopAsync(byShutdown: false), Budget.StressIterations);

    /// <summary>The watcher's messages.</summary>
    internal abstract record WatcherMessage;

    /// <summary>Watch the actor; completes <paramref name="Registered"/> with whether it had stopped before the call.</summary>
    internal sealed record WatchRequest(TaskCompletionSource<bool> Registered) : WatcherMessage;

    /// <summary>The notification the watch delivers.</summary>
    internal sealed record Terminated : WatcherMessage
    {
        public static readonly Terminated Instance = new();
    }

    /// <summary>An actor that does nothing: the one being watched.</summary>
    private sealed class QuietActor : Actor<int>
    {
        protected override ValueTask ReceiveAsync(int message) => default;
    }

    /// <summary>Watches <paramref name="watched"/> when asked, and counts the notifications into <paramref name="notifications"/>[0].</summary>
    private sealed class WatchingActor(ActorRef<int> watched, int[] notifications) : Actor<WatcherMessage>
    {
        protected override ValueTask ReceiveAsync(WatcherMessage message)
        {
            switch (message)
            {
                case WatchRequest request:
                    var stoppedBefore = watched.IsStopped;
                    Context.Watch(watched, Terminated.Instance);
                    request.Registered.TrySetResult(stoppedBefore);
                    break;
                case Terminated:
                    Interlocked.Increment(ref notifications[0]);
                    break;
            }

            return default;
        }
    }
}
