using Microsoft.Coyote.Specifications;

namespace Spillway.Actors.SystematicTests;

/// <summary>
/// The control experiment: the tell-vs-go-idle scenario against a correct and a deliberately broken copy of the
/// mailbox handshake (<see cref="ToyMailbox"/>). Coyote must pass the correct one and find the stranded message in the
/// broken one; if it could not, a clean report on the real mailbox would mean nothing.
/// </summary>
public class BrokenLookAgainTests
{
    /// <summary>Two senders tell two messages each; the test waits until all four are handled.</summary>
    internal static async Task TellsRaceGoingIdleAsync(bool looksAgainAfterIdle)
    {
        const int senders = 2;
        const int perSender = 2;
        var recorder = new Recorder(expected: senders * perSender);
        var mailbox = new ToyMailbox(recorder.Record, turnSize: 1, looksAgainAfterIdle);

        var tellers = new Task[senders];
        for (var sender = 0; sender < senders; sender++)
        {
            var messages = Harness.MessagesOf(sender, perSender);
            tellers[sender] = Task.Run(() =>
            {
                foreach (var message in messages)
                {
                    mailbox.Tell(message);
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
        Harness.AssertNoDuplicates(handled, "handled");
        Harness.AssertPerSenderOrder(handled, senders, perSender, prefixOnly: false);
        Specification.Assert(handled.Count == senders * perSender, $"handled {handled.Count} messages");
    }

    [Test]
    public void ToyMailbox_LooksAgainAfterGoingIdle_NoBug() =>
        Systematic.AssertNoBug(() => TellsRaceGoingIdleAsync(looksAgainAfterIdle: true), Budget.Iterations);

    [Test]
    public void ToyMailbox_DoesNotLookAgainAfterGoingIdle_EngineFindsStrandedMessage() =>
        Systematic.AssertFindsBug(() => TellsRaceGoingIdleAsync(looksAgainAfterIdle: false), Budget.BugHuntIterations);
}
