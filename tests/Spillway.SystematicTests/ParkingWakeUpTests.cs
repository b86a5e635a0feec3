using Microsoft.Coyote.Runtime;
using Microsoft.Coyote.Specifications;

namespace Spillway.SystematicTests;

/// <summary>
/// The reader parking in <c>WaitToReadAsync</c> against a sender's wake-up on a lane's empty to non-empty edge. The
/// senders stay open, so a lost wake-up leaves the reader parked forever, which Coyote reports as a deadlock.
/// </summary>
public class ParkingWakeUpTests
{
    /// <summary>Two senders on two lanes send two messages each; the reader must read all four.</summary>
    internal static async Task TwoSendersWakeReaderAsync()
    {
        var (first, receiver) = SpillwayChannel.Create<int>(new SpillwayChannelOptions { Lanes = 2 });
        var second = first.Clone();
        var reader = Task.Run(async () =>
        {
            var received = new List<int>();
            while (received.Count < 4)
            {
                var more = await receiver.WaitToReadAsync();
                Specification.Assert(more, "the channel cannot end while both senders are open");
                while (receiver.TryRead(out var message))
                {
                    received.Add(message);
                }
            }

            return received;
        });
        var a = Task.Run(() =>
        {
            first.Send(Scenario.Message(0, 1));
            first.Send(Scenario.Message(0, 2));
        });
        var b = Task.Run(() =>
        {
            second.Send(Scenario.Message(1, 1));
            second.Send(Scenario.Message(1, 2));
        });

        await a;
        await b;
        Scenario.AssertDelivered(
            await reader,
            [Scenario.Message(0, 1), Scenario.Message(0, 2)],
            [Scenario.Message(1, 1), Scenario.Message(1, 2)]);
        Specification.Assert(!receiver.Completion.IsCompleted, "the channel ended while its senders were open");
        first.Dispose();
        second.Dispose();
        Scenario.AssertEmptyAndComplete(receiver);
    }

    /// <summary>
    /// A parked wait is cancelled while a sender's wake-up races to complete it: exactly one of them completes the
    /// wait, and a cancelled wait consumes nothing, so the message is still there for the next wait.
    /// </summary>
    internal static async Task CancelRacesWakeUpAsync()
    {
        var (sender, receiver) = SpillwayChannel.Create<int>(new SpillwayChannelOptions { Lanes = 2 });
        using var cancellation = new CancellationTokenSource();
        var reader = Task.Run(async () =>
        {
            var cancelled = false;
            try
            {
                Specification.Assert(await receiver.WaitToReadAsync(cancellation.Token), "the channel cannot end while the sender is open");
            }
            catch (OperationCanceledException)
            {
                cancelled = true;
                Specification.Assert(await receiver.WaitToReadAsync(), "the message must survive a cancelled wait");
            }

            Specification.Assert(receiver.TryRead(out var message), "a successful wait must leave a message to read");
            return (message, cancelled);
        });
        var send = Task.Run(() => sender.Send(Scenario.Message(0, 1)));
        var cancel = Task.Run(() =>
        {
            // Cancel runs the receiver's callback on this thread, inside the BCL's CancellationTokenSource. If Coyote
            // paused this thread at a scheduling point inside that callback, the reader's
            // CancellationTokenRegistration.Dispose (in GetResult) would block, outside Coyote's control, until the
            // callback returns, and the test would hang (a false "potential deadlock"). So the callback runs without
            // interleavings; it still races with the sender and the reader at every scheduling point of theirs.
            SchedulingPoint.Suppress();
            cancellation.Cancel();
            SchedulingPoint.Resume();
        });

        await send;
        await cancel;
        var (received, _) = await reader;
        Specification.Assert(received == Scenario.Message(0, 1), $"read {received}");
        sender.Dispose();
        Scenario.AssertEmptyAndComplete(receiver);
    }

    /// <summary>
    /// The polling idiom: a parked wait is abandoned and a new wait starts while a sender's wake-up races both. The new
    /// wait supersedes the old one (cancelling it, unless the wake-up reached it first) and sees the message, and the
    /// reader guard is free afterwards: nothing hangs, nothing is lost, nothing throws "another read is in progress".
    /// </summary>
    internal static async Task NewWaitSupersedesAbandonedWaitAsync()
    {
        var (sender, receiver) = SpillwayChannel.Create<int>(new SpillwayChannelOptions { Lanes = 2 });
        StartAndAbandonWait(receiver);
        var send = Task.Run(() => sender.Send(Scenario.Message(0, 1)));
        var reader = Task.Run(async () =>
        {
            var received = new List<int>();
            while (received.Count < 1)
            {
                var more = await receiver.WaitToReadAsync();
                Specification.Assert(more, "the channel cannot end while its sender is open");
                while (receiver.TryRead(out var message))
                {
                    received.Add(message);
                }
            }

            return received;
        });

        var received = await reader;
        await send;

        sender.Dispose();
        Scenario.AssertDelivered(received, [Scenario.Message(0, 1)]);
        Scenario.AssertEmptyAndComplete(receiver);
    }

    [Test]
    public void WaitToReadAsync_SendersWakeParkedReader_ReaderReadsEverything() =>
        Systematic.AssertNoBug(TwoSendersWakeReaderAsync, Budget.Iterations, Budget.MaxSteps);

    [Test]
    public void WaitToReadAsync_CancelRacesWakeUp_MessageNeitherLostNorConsumed() =>
        Systematic.AssertNoBug(CancelRacesWakeUpAsync, Budget.Iterations, Budget.MaxSteps);

    [Test]
    public void WaitToReadAsync_NewWaitSupersedesAbandonedWait_NothingLostOrStuck() =>
        Systematic.AssertNoBug(NewWaitSupersedesAbandonedWaitAsync, Budget.Iterations, Budget.MaxSteps);

    /// <summary>
    /// Starts a wait and drops it, as the polling idiom does once its timeout wins. A separate, synchronous method: the
    /// Coyote rewriter emits invalid code for a <see cref="ValueTask{TResult}"/> kept as a value in an async method.
    /// </summary>
    private static void StartAndAbandonWait(Receiver<int> receiver)
    {
        var wait = receiver.WaitToReadAsync();
        Specification.Assert(!wait.IsCompleted || wait.Result, "an open, empty channel cannot end a wait with false");
    }
}
