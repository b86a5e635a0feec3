using System.Threading.Channels;
using Microsoft.Coyote.Specifications;

namespace Spillway.SystematicTests;

/// <summary>
/// Disposing the receiver while senders send and the reader reads: the close splits senders at each lane lock, drops
/// what is queued (including the reader's unread batch), wakes a parked reader, and makes every later send fail.
/// </summary>
public class ReceiverDisposeTests
{
    /// <summary>
    /// Two senders send (one with <c>Send</c>, one with <c>TryWrite</c>), the reader reads at most two messages and
    /// stops, and a third task disposes the receiver. After the dispose, sends fail with the documented exception only;
    /// at the end nothing is queued, nothing is readable, and everything read had been accepted, in order.
    /// </summary>
    internal static async Task DisposeRacesSendsAndReadsAsync()
    {
        var (first, receiver) = SpillwayChannel.Create<int>(new SpillwayChannelOptions { Lanes = 2 });
        var second = first.Clone();

        var reader = Task.Run(async () =>
        {
            var received = new List<int>();
            while (received.Count < 2 && await receiver.WaitToReadAsync())
            {
                if (receiver.TryRead(out var message))
                {
                    received.Add(message);
                }
            }

            return received;
        });
        var a = Task.Run(() =>
        {
            var accepted = new List<int>();
            for (var i = 1; i <= 3; i++)
            {
                try
                {
                    first.Send(Scenario.Message(0, i));
                    accepted.Add(Scenario.Message(0, i));
                }
                catch (ChannelClosedException)
                {
                    // Documented: the receiver was disposed.
                }
            }

            return accepted;
        });
        var b = Task.Run(() =>
        {
            var accepted = new List<int>();
            for (var i = 1; i <= 2; i++)
            {
                if (second.TryWrite(Scenario.Message(1, i)))
                {
                    accepted.Add(Scenario.Message(1, i));
                }
            }

            return accepted;
        });
        var dispose = Task.Run(() =>
        {
            receiver.Dispose();

            // Everything after the dispose fails, in the documented way.
            Specification.Assert(!second.TryWrite(Scenario.Message(1, 99)), "TryWrite succeeded after the receiver was disposed");
            try
            {
                first.Send(Scenario.Message(0, 99));
                Specification.Assert(false, "Send succeeded after the receiver was disposed");
            }
            catch (ChannelClosedException)
            {
            }
        });

        await dispose;
        var acceptedA = await a;
        var acceptedB = await b;
        var received = await reader;

        // Only accepted messages are read, each at most once and in its sender's order; the rest were dropped.
        foreach (var (sender, accepted) in new[] { (0, acceptedA), (1, acceptedB) })
        {
            var fromSender = received.Where(m => Scenario.SenderOf(m) == sender).ToList();
            Specification.Assert(
                fromSender.SequenceEqual(accepted.Take(fromSender.Count)),
                $"sender {sender}: accepted [{string.Join(", ", accepted)}], read [{string.Join(", ", fromSender)}]");
        }

        Specification.Assert(receiver.Completion.Status == TaskStatus.RanToCompletion, $"Completion is {receiver.Completion.Status}");
        Scenario.AssertEmptyAndComplete(receiver);
        first.Dispose();
        second.Dispose();
    }

    /// <summary>The reader parks with nothing sent; the dispose must wake it with "no more messages".</summary>
    internal static async Task DisposeWakesParkedReaderAsync()
    {
        var (sender, receiver) = SpillwayChannel.Create<int>(new SpillwayChannelOptions { Lanes = 2 });
        var reader = Task.Run(() => Scenario.ReadToEndAsync(receiver));
        var send = Task.Run(() => sender.TryWrite(Scenario.Message(0, 1)));
        var dispose = Task.Run(receiver.Dispose);

        await dispose;
        var accepted = await send;
        var received = await reader;
        Specification.Assert(received.Count <= (accepted ? 1 : 0), $"read [{string.Join(", ", received)}]");
        Specification.Assert(!sender.TryWrite(Scenario.Message(0, 2)), "TryWrite succeeded after the receiver was disposed");
        Scenario.AssertEmptyAndComplete(receiver);
        sender.Dispose();
    }

    [Test]
    public void Dispose_RacesSendsAndReads_LaterSendsFailAndNothingStaysQueued() =>
        Systematic.AssertNoBug(DisposeRacesSendsAndReadsAsync, Budget.Iterations, Budget.MaxSteps);

    [Test]
    public void Dispose_ReaderParked_ReaderWokenWithEnd() =>
        Systematic.AssertNoBug(DisposeWakesParkedReaderAsync, Budget.Iterations, Budget.MaxSteps);
}
