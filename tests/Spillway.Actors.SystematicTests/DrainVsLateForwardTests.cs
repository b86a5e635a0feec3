using Microsoft.Coyote.Specifications;

namespace Spillway.Actors.SystematicTests;

/// <summary>
/// A graceful shutdown's quiescence detection racing a late forward: actor A forwards every message it handles to
/// actor B while the shutdown seals the mailboxes and scans the actor tree for quiet. The forward is actor code, so it
/// lands even in B's sealed mailbox, and the scans must not call the system quiet while it is in flight: B handles
/// every message before it stops, and nothing becomes a dead letter.
/// </summary>
public class DrainVsLateForwardTests
{
    private const string ForwardedBefore = "every forward landed before the shutdown began";
    private const string ForwardedDuring = "a forward landed during the drain";

    /// <summary>
    /// Two messages are told to A before the shutdown begins (so none may be lost); the shutdown runs on its own task,
    /// and A (turn size 1, so it ends a turn between the two) forwards each to B while the scans run.
    /// </summary>
    internal static async Task ShutdownRacesForwardAsync()
    {
        var recorder = new Recorder();
        var system = Harness.CreateSystem(turnSize: 1);
        var deadLetters = new DeadLetterProbe(system);
        var b = system.Spawn(() => new RecordingActor(recorder));
        var forwardedDuringDrain = 0;
        var a = system.Spawn(() => new ForwardingActor(b, () => system.IsShuttingDown, () => Interlocked.Increment(ref forwardedDuringDrain)));
        int[] told = [1, 2];
        foreach (var message in told)
        {
            a.Tell(message);
        }

        await Task.Run(() => system.ShutdownAsync());

        var handled = recorder.Snapshot();
        var dead = deadLetters.Snapshot();
        Specification.Assert(dead.Count == 0, $"dead letters [{string.Join(", ", dead)}]: a forward made during the drain was refused or dropped");
        Specification.Assert(handled.SequenceEqual(told), $"B handled [{string.Join(", ", handled)}], expected [{string.Join(", ", told)}]");
        Specification.Assert(recorder.Stopped == 1, $"B's OnStoppedAsync ran {recorder.Stopped} times");
        Specification.Assert(a.IsStopped && b.IsStopped && system.ActorCount == 0, "every actor must be stopped after the shutdown");
        Coverage.Hit(Volatile.Read(ref forwardedDuringDrain) > 0 ? ForwardedDuring : ForwardedBefore);
    }

    [SetUp]
    public void ResetCoverage() => Coverage.Reset();

    [Test]
    public void Shutdown_RacingALateForward_DrainsEverythingWithoutDeadLetters()
    {
        Systematic.AssertNoBug(ShutdownRacesForwardAsync, Budget.Iterations);
        Coverage.AssertReached(ForwardedBefore, ForwardedDuring);
    }

    [Test]
    [Explicit("long form, run by hand")]
    [Category("Stress")]
    public void Shutdown_RacingALateForward_Stress() =>
        Systematic.AssertNoBug(ShutdownRacesForwardAsync, Budget.StressIterations);

    /// <summary>Forwards every message to <paramref name="next"/>, noting when it does so during a shutdown.</summary>
    private sealed class ForwardingActor(ActorRef<int> next, Func<bool> shuttingDown, Action forwardedDuringDrain) : Actor<int>
    {
        protected override ValueTask ReceiveAsync(int message)
        {
            if (shuttingDown())
            {
                forwardedDuringDrain();
            }

            next.Tell(message);
            return default;
        }
    }
}
