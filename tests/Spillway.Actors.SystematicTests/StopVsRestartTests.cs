using Microsoft.Coyote.Specifications;

namespace Spillway.Actors.SystematicTests;

/// <summary>
/// A failing handler under the Restart strategy racing <see cref="ActorSystem.StopAsync{TMsg}"/>: the restart (a new
/// instance, its hooks) and the stop interleave in every order. The actor must end stopped, with
/// <c>OnStoppedAsync</c> run exactly once, and nothing may hang.
/// </summary>
/// <remarks>
/// The lifecycle hooks complete synchronously here. A pending hook makes the cell's own <c>async ValueTask</c>
/// (<c>StartAsync</c>, <c>HandleFailureAsync</c>, <c>StopAsync</c>) pend, and the cell suspends on it with a bare
/// <c>UnsafeOnCompleted</c>; Coyote 1.7.11 does not control that continuation on a task its async method builder made
/// (it runs on the real thread pool and the test host crashes), so that path cannot be explored. Pending handlers
/// (<see cref="PendingResult"/>), including ones that fail, are explored.
/// </remarks>
public class StopVsRestartTests
{
    private const string StoppedBeforeRestart = "stopped before any restart";
    private const string StoppedAfterRestart = "stopped after a restart";

    /// <summary>
    /// One task tells <paramref name="booms"/> failing messages and then a good one while another stops the actor.
    /// With <paramref name="maxRestarts"/> below <paramref name="booms"/>, the supervisor's own stop (restart limit
    /// exceeded) races the requested one.
    /// </summary>
    internal static async Task FailureRacesStopAsync(int booms, int maxRestarts, bool suspendHandlers)
    {
        var recorder = new Recorder();
        var system = Harness.CreateSystem(turnSize: 1);
        var deadLetters = new DeadLetterProbe(system);
        var instances = 0;
        var actor = system.Spawn(
            () =>
            {
                Interlocked.Increment(ref instances);
                return new RecordingActor(recorder, suspendHandlers ? static _ => true : null);
            },
            options: new SpawnOptions { Supervision = SupervisionStrategy.Restart(maxRestarts: maxRestarts) });

        const int good = 1;
        var teller = Task.Run(() =>
        {
            for (var i = 1; i <= booms; i++)
            {
                actor.Tell(RecordingActor.Boom + i);
            }

            actor.Tell(good);
        });
        var stop = Task.Run(() => system.StopAsync(actor));

        await teller;
        await stop;

        Specification.Assert(actor.IsStopped, "the actor must be stopped once StopAsync completed");
        Specification.Assert(recorder.Stopped == 1, $"OnStoppedAsync ran {recorder.Stopped} times");
        var built = Volatile.Read(ref instances);
        Specification.Assert(recorder.Started == built, $"{built} instances built, OnStartedAsync ran {recorder.Started} times");
        Specification.Assert(recorder.Restarting == built - 1, $"{built} instances built, OnRestartingAsync ran {recorder.Restarting} times");
        Specification.Assert(built - 1 <= maxRestarts, $"{built - 1} restarts, the limit is {maxRestarts}");

        var handled = recorder.Snapshot();
        var dead = deadLetters.Snapshot();
        Specification.Assert(
            handled.Count(m => m == good) + dead.Count(m => m == good) == 1,
            $"the good message must be handled or a dead letter, once: handled [{string.Join(", ", handled)}], dead [{string.Join(", ", dead)}]");
        Specification.Assert(handled.All(m => m == good), $"a failing message was recorded: [{string.Join(", ", handled)}]");
        Harness.AssertNoDuplicates(dead, "a dead letter");
        Coverage.Hit(built == 1 ? StoppedBeforeRestart : StoppedAfterRestart);

        // Stopping again completes at once; the system has nothing left.
        await system.StopAsync(actor);
        Specification.Assert(system.ActorCount == 0, $"{system.ActorCount} actors alive after the stop");
        await system.ShutdownAsync();
    }

    [SetUp]
    public void ResetCoverage() => Coverage.Reset();

    [Test]
    public void Restart_RacingStopAsync_StopsOnceWithoutHang()
    {
        Systematic.AssertNoBug(() => FailureRacesStopAsync(booms: 2, maxRestarts: 10, suspendHandlers: false), Budget.Iterations);
        Coverage.AssertReached(StoppedBeforeRestart, StoppedAfterRestart);
    }

    [Test]
    public void Restart_PendingHandlerFailsRacingStopAsync_StopsOnceWithoutHang()
    {
        Systematic.AssertNoBug(() => FailureRacesStopAsync(booms: 2, maxRestarts: 10, suspendHandlers: true), Budget.Iterations, prioritized: true, suspends: true);
        Coverage.AssertReached(StoppedBeforeRestart, StoppedAfterRestart);
    }

    [Test]
    public void Restart_LimitExceededRacingStopAsync_StopsOnceWithoutHang()
    {
        Systematic.AssertNoBug(() => FailureRacesStopAsync(booms: 2, maxRestarts: 1, suspendHandlers: true), Budget.Iterations, suspends: true);
        Coverage.AssertReached(StoppedBeforeRestart, StoppedAfterRestart);
    }

    [Test]
    [Explicit("long form, run by hand")]
    [Category("Stress")]
    public void Restart_RacingStopAsync_Stress() =>
        Systematic.AssertNoBug(() => FailureRacesStopAsync(booms: 3, maxRestarts: 2, suspendHandlers: true), Budget.StressIterations, suspends: true);
}
