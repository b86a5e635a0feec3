using Microsoft.Coyote.Specifications;

namespace Spillway.Actors.SystematicTests;

/// <summary>
/// Tells racing the end of a turn: the mailbox's "go idle, then look again" step against a sender that publishes a
/// message and finds the mailbox still scheduled. A lost wake-up leaves a message in a lane with nothing scheduled to
/// run it; the test then waits forever for it, which Coyote reports as a deadlock.
/// </summary>
public class TellVsGoIdleTests
{
    /// <summary>
    /// <paramref name="senders"/> tasks each tell <paramref name="perSender"/> messages through a reference of their own
    /// while the actor handles them <paramref name="turnSize"/> at a time. Every message is handled exactly once, in
    /// each reference's order, and no two handlers overlap; then a graceful shutdown stops the actor.
    /// </summary>
    internal static async Task TellsRaceGoingIdleAsync(int senders, int perSender, int turnSize, int lanes, bool suspendSome)
    {
        var total = senders * perSender;
        var recorder = new Recorder(expected: total);
        var system = Harness.CreateSystem(turnSize);
        var actor = system.Spawn(
            () => new RecordingActor(recorder, suspendSome ? static m => m % 2 == 0 : null),
            options: new SpawnOptions { MailboxLanes = lanes });

        var refs = Enumerable.Range(0, senders).Select(_ => actor.Clone()).ToArray();
        var tellers = new Task[senders];
        for (var sender = 0; sender < senders; sender++)
        {
            var self = refs[sender];
            var messages = Harness.MessagesOf(sender, perSender);
            tellers[sender] = Task.Run(() =>
            {
                foreach (var message in messages)
                {
                    self.Tell(message);
                }
            });
        }

        foreach (var teller in tellers)
        {
            await teller;
        }

        // A stranded message never completes this: Coyote reports the hang as a deadlock.
        await recorder.AllHandled;

        var handled = recorder.Snapshot();
        Specification.Assert(handled.Count == total, $"handled {handled.Count} messages, {total} were told");
        Harness.AssertNoDuplicates(handled, "handled");
        Harness.AssertPerSenderOrder(handled, senders, perSender, prefixOnly: false);

        await system.ShutdownAsync();
        Specification.Assert(actor.IsStopped, "the actor must be stopped after shutdown");
        Specification.Assert(recorder.Stopped == 1, $"OnStoppedAsync ran {recorder.Stopped} times");
        Specification.Assert(system.DeadLetterCount == 0, $"{system.DeadLetterCount} dead letters, none expected");
        Specification.Assert(system.ActorCount == 0, $"{system.ActorCount} actors alive after shutdown");
    }

    [Test]
    public void Tell_ThreeRefsTurnSizeOne_EveryMessageHandledOnceInOrder() =>
        Systematic.AssertNoBug(() => TellsRaceGoingIdleAsync(senders: 3, perSender: 2, turnSize: 1, lanes: 4, suspendSome: false), Budget.Iterations);

    [Test]
    public void Tell_TwoRefsSharingOneLaneTurnSizeTwo_EveryMessageHandledOnceInOrder() =>
        Systematic.AssertNoBug(() => TellsRaceGoingIdleAsync(senders: 2, perSender: 3, turnSize: 2, lanes: 1, suspendSome: false), Budget.Iterations);

    [Test]
    public void Tell_AsyncHandlersSuspendingTurnSizeOne_EveryMessageHandledOnceInOrder() =>
        Systematic.AssertNoBug(() => TellsRaceGoingIdleAsync(senders: 2, perSender: 2, turnSize: 1, lanes: 4, suspendSome: true), Budget.Iterations, prioritized: true, suspends: true);

    [Test]
    [Explicit("long form, run by hand")]
    [Category("Stress")]
    public void Tell_ThreeRefsTurnSizeOne_Stress() =>
        Systematic.AssertNoBug(() => TellsRaceGoingIdleAsync(senders: 3, perSender: 3, turnSize: 1, lanes: 2, suspendSome: true), Budget.StressIterations, suspends: true);
}
