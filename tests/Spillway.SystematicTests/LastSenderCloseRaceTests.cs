using Microsoft.Coyote.Runtime;

namespace Spillway.SystematicTests;

/// <summary>
/// The original crate's bug: the last sender sends and then disposes while the receiver is deciding whether the channel
/// is finished. The receiver must see the sender count reach zero first and then look at the lanes again, so the last
/// message is never lost and the end is never reported early.
/// </summary>
public class LastSenderCloseRaceTests
{
    /// <summary>Two handles each send one message and dispose; the reader parks in <c>WaitToReadAsync</c>.</summary>
    internal static async Task ParkedReaderAsync()
    {
        var (first, receiver) = SpillwayChannel.Create<int>(new SpillwayChannelOptions { Lanes = 2 });
        var second = first.Clone();
        var reader = Task.Run(() => Scenario.ReadToEndAsync(receiver));
        var a = Task.Run(() =>
        {
            first.Send(Scenario.Message(0, 1));
            first.Dispose();
        });
        var b = Task.Run(() =>
        {
            second.Send(Scenario.Message(1, 1));
            second.Dispose();
        });

        await a;
        await b;
        Scenario.AssertDelivered(await reader, [Scenario.Message(0, 1)], [Scenario.Message(1, 1)]);
        Scenario.AssertEmptyAndComplete(receiver);
    }

    /// <summary>
    /// The single sender sends and disposes while the reader polls: <c>TryRead</c>, and when that finds nothing, a look
    /// at <c>Completion</c>. <c>Completion</c> must never complete while a message is still unread.
    /// </summary>
    internal static async Task PollingReaderAsync()
    {
        var (sender, receiver) = SpillwayChannel.Create<int>(new SpillwayChannelOptions { Lanes = 2 });
        var reader = Task.Run(() =>
        {
            var received = new List<int>();
            while (true)
            {
                if (receiver.TryRead(out var message))
                {
                    received.Add(message);
                }
                else if (receiver.Completion.IsCompleted)
                {
                    return received;
                }
                else
                {
                    // A plain scheduling point, not await Task.Yield(): each Yield is a new Coyote operation, which
                    // made this scenario several times slower for the same interleavings.
                    SchedulingPoint.Interleave();
                }
            }
        });
        var send = Task.Run(() =>
        {
            sender.Send(Scenario.Message(0, 1));
            sender.Send(Scenario.Message(0, 2));
            sender.Dispose();
        });

        await send;
        var received = await reader;
        Scenario.AssertDelivered(received, [Scenario.Message(0, 1), Scenario.Message(0, 2)]);
        Scenario.AssertEmptyAndComplete(receiver);
    }

    [Test]
    public void LastSenderSendThenDispose_ReaderParked_LastMessagesReadBeforeEnd() =>
        Systematic.AssertNoBug(ParkedReaderAsync, Budget.Iterations, Budget.MaxSteps);

    [Test]
    public void LastSenderSendThenDispose_ReaderPollsCompletion_CompletionNeverEarly() =>
        Systematic.AssertNoBug(PollingReaderAsync, Budget.Iterations, Budget.MaxSteps);
}
