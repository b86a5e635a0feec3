using System.Threading.Channels;
using Microsoft.Coyote.Specifications;

namespace Spillway.SystematicTests;

/// <summary>
/// Sends racing with the release of their own handle (<c>TryComplete</c>, <c>Dispose</c>) while the reader drains and
/// decides completion: the lane-lock split between "landed before the release" and "rejected".
/// </summary>
public class SendVsCloseTests
{
    /// <summary>
    /// Handle 0 sends from one task while another task completes it (optionally with an error); handle 1 sends and
    /// disposes. Every accepted message is read exactly once, in order; a rejected send throws only the documented
    /// <see cref="ChannelClosedException"/>; the end is reported only after the drain, with the completion error.
    /// </summary>
    internal static async Task CompleteRacingSendsAsync(bool withError)
    {
        var error = withError ? new InvalidOperationException("producer failed") : null;
        var (first, receiver) = SpillwayChannel.Create<int>(new SpillwayChannelOptions { Lanes = 2 });
        var second = first.Clone();

        var reader = Task.Run(async () =>
        {
            var received = new List<int>();
            Exception? ended = null;
            try
            {
                while (await receiver.WaitToReadAsync())
                {
                    while (receiver.TryRead(out var message))
                    {
                        received.Add(message);
                    }
                }
            }
            catch (InvalidOperationException e) when (ReferenceEquals(e, error))
            {
                ended = e;
            }

            return (received, ended);
        });

        var sends = Task.Run(() =>
        {
            var accepted = new List<int>();
            var rejected = false;
            for (var i = 1; i <= 3; i++)
            {
                try
                {
                    first.Send(Scenario.Message(0, i));
                    Specification.Assert(!rejected, "handle 0 accepted a send after rejecting one");
                    accepted.Add(Scenario.Message(0, i));
                }
                catch (ChannelClosedException)
                {
                    // Documented: the handle was completed (not disposed, so not ObjectDisposedException).
                    rejected = true;
                }
            }

            return accepted;
        });
        var complete = Task.Run(() => Specification.Assert(first.TryComplete(error), "the first TryComplete must win"));
        var other = Task.Run(() =>
        {
            second.Send(Scenario.Message(1, 1));
            second.Dispose();
            second.Dispose(); // idempotent: must not release the sender count twice
        });

        await complete;
        await other;
        var accepted = await sends;
        var (received, ended) = await reader;

        Scenario.AssertDelivered(received, accepted, [Scenario.Message(1, 1)]);
        Specification.Assert(ReferenceEquals(ended, error), $"the reader ended with {ended?.Message ?? "no error"}, expected {error?.Message ?? "no error"}");
        Specification.Assert(receiver.Completion.IsCompleted, "Completion must be complete once the reader saw the end");
        Specification.Assert(
            withError ? receiver.Completion.IsFaulted : receiver.Completion.Status == TaskStatus.RanToCompletion,
            $"Completion is {receiver.Completion.Status}");
        Specification.Assert(!first.TryComplete(), "a handle completes once");
        Specification.Assert(!first.TryWrite(0), "a completed handle must reject writes");
    }

    [Test]
    public void SendVsClose_CompleteRacesSendsOnSameHandle_AcceptedPrefixDeliveredThenEnd() =>
        Systematic.AssertNoBug(() => CompleteRacingSendsAsync(withError: false), Budget.Iterations, Budget.MaxSteps);

    [Test]
    public void SendVsClose_CompleteWithErrorRacesSends_DrainedThenErrorReported() =>
        Systematic.AssertNoBug(() => CompleteRacingSendsAsync(withError: true), Budget.Iterations, Budget.MaxSteps);
}
