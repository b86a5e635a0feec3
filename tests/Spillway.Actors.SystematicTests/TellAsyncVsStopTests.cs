using Microsoft.Coyote.Specifications;

namespace Spillway.Actors.SystematicTests;

/// <summary>
/// A <see cref="ActorRef{TMsg}.TellAsync"/> waiting for room in a full bounded mailbox, racing a stop: the room given
/// back by a handled message (which hands the waiting message to its lane) against the seal and close that end the
/// wait. The waiting message must be handled or a dead letter, exactly once, and the wait must always end.
/// </summary>
public class TellAsyncVsStopTests
{
    private const int First = 1;
    private const int Waiting = 2;

    private const string WaitedThenHandled = "the waiting tell landed and was handled";
    private const string WaitedThenDeadLetter = "the stop ended the wait: a dead letter";

    /// <summary>
    /// Capacity 1: the first message fills the mailbox (its handler completes on another task), a second task's
    /// <c>TellAsync</c> waits for room, and a third stops the actor (an immediate stop, or a shutdown, whose drain
    /// seals the mailbox). Both messages are handled or dead letters exactly once, the <c>TellAsync</c> always
    /// completes normally, and the actor stops.
    /// </summary>
    internal static async Task TellAsyncRacesStopAsync(bool shutdown)
    {
        var recorder = new Recorder();
        var system = Harness.CreateSystem(turnSize: 1);
        var deadLetters = new DeadLetterProbe(system);
        var actor = system.Spawn(
            () => new RecordingActor(recorder, static m => m == First),
            options: new SpawnOptions { MailboxCapacity = 1 });

        actor.Tell(First);
        var waited = false;
        var teller = Task.Run(async () =>
        {
            var told = actor.Clone().TellAsync(Waiting);
            waited = !told.IsCompleted;
            await told;
        });
        var stop = shutdown ? Task.Run(() => system.ShutdownAsync()) : Task.Run(() => system.StopAsync(actor));

        // The wait always ends (a hang here is a deadlock Coyote reports), and without an exception.
        await teller;
        await stop;

        var handled = recorder.Snapshot();
        var dead = deadLetters.Snapshot();
        Specification.Assert(
            handled.Count + dead.Count == 2,
            $"handled [{string.Join(", ", handled)}] and dead [{string.Join(", ", dead)}]: two messages were told");
        Specification.Assert(dead.Count == system.DeadLetterCount, $"{dead.Count} dead letters raised, {system.DeadLetterCount} counted");
        Specification.Assert(
            handled.Concat(dead).Order().SequenceEqual([First, Waiting]),
            $"handled [{string.Join(", ", handled)}] and dead [{string.Join(", ", dead)}] must be exactly the told messages, once each");
        Specification.Assert(actor.IsStopped, "the actor must be stopped once the stop completed");
        Specification.Assert(recorder.Stopped == 1, $"OnStoppedAsync ran {recorder.Stopped} times");
        if (waited)
        {
            Coverage.Hit(handled.Contains(Waiting) ? WaitedThenHandled : WaitedThenDeadLetter);
        }

        await system.ShutdownAsync();
    }

    [SetUp]
    public void ResetCoverage() => Coverage.Reset();

    [Test]
    public void TellAsync_WaitingRacingStopAsync_HandledOrDeadLetterExactlyOnceAndTheWaitEnds()
    {
        Systematic.AssertNoBug(() => TellAsyncRacesStopAsync(shutdown: false), Budget.RareOutcomeIterations, suspends: true);
        Coverage.AssertReached(WaitedThenHandled, WaitedThenDeadLetter);
    }

    [Test]
    public void TellAsync_WaitingRacingShutdown_HandledOrDeadLetterExactlyOnceAndTheWaitEnds()
    {
        Systematic.AssertNoBug(() => TellAsyncRacesStopAsync(shutdown: true), Budget.Iterations, suspends: true);
        Coverage.AssertReached(WaitedThenDeadLetter);
    }
}
