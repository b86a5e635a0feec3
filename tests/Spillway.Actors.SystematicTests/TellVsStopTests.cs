using Microsoft.Coyote.Specifications;

namespace Spillway.Actors.SystematicTests;

/// <summary>
/// Tells racing a stop: the lane-lock split between "landed before the mailbox closed" (handled, or dropped by the
/// stop and raised as a dead letter) and "rejected" (a dead letter at once). No message may be lost or delivered twice,
/// and the stop must complete.
/// </summary>
public class TellVsStopTests
{
    private const int Senders = 2;
    private const int PerSender = 3;

    private const string NoneHandled = "stopped before any message was handled";
    private const string AllHandled = "every message handled before the stop";
    private const string Split = "some messages handled, the rest dead letters";

    /// <summary>How the actor is stopped while the tells run.</summary>
    internal enum StopKind
    {
        /// <summary><see cref="ActorSystem.StopAsync{TMsg}"/>: queued messages become dead letters.</summary>
        Stop,

        /// <summary><see cref="ActorSystem.ShutdownAsync"/>: messages told before it are handled, later ones are dead letters.</summary>
        Shutdown,

        /// <summary>
        /// Both at once: the requests race in <c>RequestStop</c> (the stronger one wins while the actor still runs); the
        /// actor stops once either way.
        /// </summary>
        StopAndShutdown,

        /// <summary>
        /// Two tasks call <see cref="ActorSystem.ShutdownAsync"/> at once: the loser waits for the shutdown the winner
        /// started (both wait on the one completion signal).
        /// </summary>
        TwoShutdowns,
    }

    /// <summary>
    /// Two tasks tell three messages each through references of their own while others stop the actor as
    /// <paramref name="kind"/> says. Every message told is handled or a dead
    /// letter, never both and never twice; what each reference got handled is a prefix of what it told, in order;
    /// <c>OnStoppedAsync</c> runs once; a tell after the stop is one more dead letter.
    /// </summary>
    internal static async Task TellsRaceStopAsync(StopKind kind, bool suspendSome)
    {
        var recorder = new Recorder();
        var system = Harness.CreateSystem(turnSize: 1);
        var deadLetters = new DeadLetterProbe(system);
        var actor = system.Spawn(() => new RecordingActor(recorder, suspendSome ? static m => m % 2 == 1 : null));

        var refs = Enumerable.Range(0, Senders).Select(_ => actor.Clone()).ToArray();
        var tellers = new Task[Senders];
        for (var sender = 0; sender < Senders; sender++)
        {
            var self = refs[sender];
            var messages = Harness.MessagesOf(sender, PerSender);
            tellers[sender] = Task.Run(() =>
            {
                foreach (var message in messages)
                {
                    self.Tell(message);
                }
            });
        }

        var stop = kind is StopKind.Shutdown or StopKind.TwoShutdowns ? Task.Run(() => system.ShutdownAsync()) : Task.Run(() => system.StopAsync(actor));
        var secondStop = kind switch
        {
            StopKind.StopAndShutdown => Task.Run(() => system.ShutdownAsync()),
            StopKind.TwoShutdowns => Task.Run(() => system.ShutdownAsync()),
            _ => Task.CompletedTask,
        };
        foreach (var teller in tellers)
        {
            await teller;
        }

        await stop;
        await secondStop;

        var handled = recorder.Snapshot();
        var dead = deadLetters.Snapshot();
        var told = Enumerable.Range(0, Senders).SelectMany(sender => Harness.MessagesOf(sender, PerSender)).ToList();
        Specification.Assert(
            handled.Count + system.DeadLetterCount == told.Count,
            $"handled {handled.Count} + {system.DeadLetterCount} dead letters, {told.Count} told: handled [{string.Join(", ", handled)}], dead [{string.Join(", ", dead)}]");
        Specification.Assert(dead.Count == system.DeadLetterCount, $"{dead.Count} dead letters raised, {system.DeadLetterCount} counted");
        Harness.AssertNoDuplicates(handled, "handled");
        Harness.AssertNoDuplicates(dead, "a dead letter");
        Specification.Assert(
            handled.Concat(dead).Order().SequenceEqual(told.Order()),
            $"handled [{string.Join(", ", handled)}] and dead [{string.Join(", ", dead)}] must be exactly the told messages");
        Harness.AssertPerSenderOrder(handled, Senders, PerSender, prefixOnly: true);
        Coverage.Hit(handled.Count == 0 ? NoneHandled : dead.Count == 0 ? AllHandled : Split);

        Specification.Assert(actor.IsStopped, "the actor must be stopped once the stop completed");
        Specification.Assert(recorder.Stopped == 1, $"OnStoppedAsync ran {recorder.Stopped} times");
        Specification.Assert(system.ActorCount == 0, $"{system.ActorCount} actors alive after the stop");

        // Telling a stopped actor is a dead letter, not a hang or a lost message.
        refs[0].Tell(Harness.Message(0, 99));
        Specification.Assert(system.DeadLetterCount == told.Count - handled.Count + 1, "a tell after the stop must be a dead letter");
        await system.ShutdownAsync();
    }

    [SetUp]
    public void ResetCoverage() => Coverage.Reset();

    [Test]
    public void Tell_RacingStopAsyncWhileHandlersPending_HandledOrDeadLetterExactlyOnce()
    {
        Systematic.AssertNoBug(() => TellsRaceStopAsync(StopKind.Stop, suspendSome: true), Budget.Iterations, prioritized: true, suspends: true);
        Coverage.AssertReached(NoneHandled, Split);
    }

    [Test]
    public void Tell_RacingShutdown_HandledOrDeadLetterExactlyOnce()
    {
        Systematic.AssertNoBug(() => TellsRaceStopAsync(StopKind.Shutdown, suspendSome: true), Budget.Iterations, suspends: true);
        Coverage.AssertReached(AllHandled, Split);
    }

    [Test]
    public void Tell_RacingStopAsyncAndShutdown_HandledOrDeadLetterExactlyOnce()
    {
        Systematic.AssertNoBug(() => TellsRaceStopAsync(StopKind.StopAndShutdown, suspendSome: false), Budget.Iterations);
        Coverage.AssertReached(NoneHandled, Split);
    }

    [Test]
    public void Tell_RacingTwoShutdowns_HandledOrDeadLetterExactlyOnce()
    {
        Systematic.AssertNoBug(() => TellsRaceStopAsync(StopKind.TwoShutdowns, suspendSome: false), Budget.Iterations);
        Coverage.AssertReached(AllHandled, Split);
    }

    [Test]
    [Explicit("long form, run by hand")]
    [Category("Stress")]
    public void Tell_RacingStopAsync_Stress() =>
        Systematic.AssertNoBug(() => TellsRaceStopAsync(StopKind.Stop, suspendSome: true), Budget.StressIterations, suspends: true);
}
