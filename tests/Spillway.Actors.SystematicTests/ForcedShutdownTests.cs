using Microsoft.Coyote.Specifications;

namespace Spillway.Actors.SystematicTests;

/// <summary>
/// A shutdown that runs out of time racing a handler that is about to complete: the forced close
/// (<c>ForceCloseMailbox</c>) and the turn's resumption compete by compare-and-swap for the suspended turn, while the
/// immediate stop request and the close of the lanes race the resumed turn. Whoever wins, every message told is handled
/// or a dead letter exactly once, the stop bookkeeping happens once, and nothing hangs.
/// </summary>
public class ForcedShutdownTests
{
    private const string Claimed = "the shutdown claimed the suspended turn";
    private const string StoppedItself = "the actor stopped itself";

    /// <summary>
    /// Three messages whose handlers all stay pending until another task completes them; the shutdown's token is already
    /// cancelled, so it asks for an immediate stop, gives the actor a (Coyote-controlled) moment, and then force-closes
    /// whatever has not stopped.
    /// </summary>
    internal static async Task ForcedShutdownRacesHandlerAsync()
    {
        var recorder = new Recorder();
        var system = Harness.CreateSystem(turnSize: 1);
        var deadLetters = new DeadLetterProbe(system);
        var actor = system.Spawn(() => new RecordingActor(recorder, static _ => true));
        int[] told = [1, 2, 3];
        foreach (var message in told)
        {
            actor.Tell(message);
        }

        using var outOfTime = new CancellationTokenSource();
        outOfTime.Cancel();
        await Task.Run(() => system.ShutdownAsync(outOfTime.Token));

        // A handler the shutdown gave up on still completes later, and a turn it did not claim finishes the stop itself.
        await recorder.WhenCompletersDoneAsync();
        await actor.Cell.Completion;

        var handled = recorder.Snapshot();
        var dead = deadLetters.Snapshot();
        Specification.Assert(
            handled.Concat(dead).Order().SequenceEqual(told),
            $"handled [{string.Join(", ", handled)}] and dead [{string.Join(", ", dead)}] must be exactly the told messages");
        Specification.Assert(dead.Count == system.DeadLetterCount, $"{dead.Count} dead letters raised, {system.DeadLetterCount} counted");
        Harness.AssertPerSenderOrder(handled, senders: 1, told: told.Length, prefixOnly: true);
        Specification.Assert(actor.IsStopped, "the actor must be stopped");
        Specification.Assert(recorder.Stopped <= 1, $"OnStoppedAsync ran {recorder.Stopped} times");
        Specification.Assert(system.ActorCount == 0, $"the actor count is {system.ActorCount} after the shutdown");
        Coverage.Hit(recorder.Stopped == 0 ? Claimed : StoppedItself);

        actor.Tell(4);
        Specification.Assert(system.DeadLetterCount == dead.Count + 1, "a tell after the shutdown must be a dead letter");
    }

    [SetUp]
    public void ResetCoverage() => Coverage.Reset();

    [Test]
    public void Shutdown_OutOfTimeRacingResumingHandler_EveryMessageHandledOrDeadLetterOnce()
    {
        Systematic.AssertNoBug(ForcedShutdownRacesHandlerAsync, Budget.Iterations, suspends: true);
        Coverage.AssertReached(Claimed, StoppedItself);
    }
}
