using System.Threading.Channels;
using Microsoft.Coyote.Specifications;

namespace Spillway.SystematicTests;

/// <summary>
/// A bounded channel at its capacity: writers block in <c>WriteAsync</c>/<c>WaitToWriteAsync</c> and the reader's
/// release of a consumed batch must wake them (the room/waiter-count handshake in <c>LaneSet</c>).
/// </summary>
public class CapacityTests
{
    private const int Capacity = 1;

    /// <summary>
    /// Capacity 1, two writers of three messages each: one awaits <c>WriteAsync</c>, the other tries <c>TryWrite</c>
    /// and waits with <c>WaitToWriteAsync</c> when full. The reader reads all six. A lost wake-up of a blocked writer
    /// leaves it waiting forever (a deadlock for Coyote); no batch may exceed the bound; nothing is lost or reordered.
    /// </summary>
    internal static async Task WritersAtTheBoundAsync()
    {
        var (first, receiver) = SpillwayChannel.Create<int>(new SpillwayChannelOptions { Lanes = 2, Capacity = Capacity });
        var second = first.Clone();

        var reader = Task.Run(async () =>
        {
            var received = new List<int>();
            while (received.Count < 6)
            {
                Specification.Assert(await receiver.WaitToReadAsync(), "the channel cannot end while its writers are open");
                while (receiver.TryReadBatch(out var batch))
                {
                    Specification.Assert(batch.Length <= Capacity, $"a batch of {batch.Length} passed the bound of {Capacity}");
                    received.AddRange(batch.ToArray());
                }
            }

            return received;
        });
        var a = Task.Run(async () =>
        {
            for (var i = 1; i <= 3; i++)
            {
                await first.WriteAsync(Scenario.Message(0, i));
            }
        });
        var b = Task.Run(async () =>
        {
            for (var i = 1; i <= 3; i++)
            {
                while (!second.TryWrite(Scenario.Message(1, i)))
                {
                    Specification.Assert(await second.WaitToWriteAsync(), "an open writer of an open channel must get room");
                }
            }
        });

        await a;
        await b;
        Scenario.AssertDelivered(
            await reader,
            [Scenario.Message(0, 1), Scenario.Message(0, 2), Scenario.Message(0, 3)],
            [Scenario.Message(1, 1), Scenario.Message(1, 2), Scenario.Message(1, 3)]);
        first.Dispose();
        second.Dispose();
        Scenario.AssertEmptyAndComplete(receiver);
    }

    /// <summary>
    /// A writer blocked at the bound while the receiver is disposed: it must wake and fail with the documented
    /// <see cref="ChannelClosedException"/> (the close wakes waiting writers, and a writer that registers while the
    /// close runs looks at the closed flag again), and nothing may stay queued.
    /// </summary>
    internal static async Task DisposeReleasesBlockedWriterAsync()
    {
        var (sender, receiver) = SpillwayChannel.Create<int>(new SpillwayChannelOptions { Lanes = 2, Capacity = Capacity });
        Specification.Assert(sender.TryWrite(Scenario.Message(0, 1)), "an empty channel has room");

        // No read consumes anything, so room can only come from the close: the second write must fail.
        var writer = Task.Run(async () =>
        {
            try
            {
                await sender.WriteAsync(Scenario.Message(0, 2));
                return true;
            }
            catch (ChannelClosedException)
            {
                return false;
            }
        });

        // The reader only waits: that can take the lane into its batch without consuming it, so the room stays taken
        // while the close runs, and only the close's own wake-up (or the writer's look at the closed flag after it
        // registered) can release the writer.
        var reader = Task.Run(async () => await receiver.WaitToReadAsync());
        var dispose = Task.Run(receiver.Dispose);

        await dispose;
        await reader;
        Specification.Assert(!await writer, "a write was accepted past the bound, or after the receiver was disposed");
        Scenario.AssertEmptyAndComplete(receiver);
        sender.Dispose();
    }

    /// <summary>
    /// A <c>WriteAsync</c> at the bound races the completion of its own handle while another handle's write waits
    /// behind it, and nobody reads yet. The write must fail with <see cref="ChannelClosedException"/> without any room
    /// appearing (before, it waited for room forever: a deadlock for Coyote), whether it was already waiting or came
    /// after the completion. The other handle's write is not failed by that completion and lands once the reader makes
    /// room.
    /// </summary>
    internal static async Task PendingWriteRacesCompleteOfItsHandleAsync()
    {
        var (first, receiver) = SpillwayChannel.Create<int>(new SpillwayChannelOptions { Lanes = 2, Capacity = Capacity });
        var second = first.Clone();
        Specification.Assert(first.TryWrite(Scenario.Message(0, 1)), "an empty channel has room");

        var own = Task.Run(async () =>
        {
            try
            {
                await first.WriteAsync(Scenario.Message(0, 2));
                return true;
            }
            catch (ChannelClosedException)
            {
                return false;
            }
        });
        var other = Task.Run(async () => await second.WriteAsync(Scenario.Message(1, 1)));
        var complete = Task.Run(() => first.TryComplete());

        await complete;
        Specification.Assert(!await own, "a write at the bound landed although nothing was read");
        var reader = Task.Run(() => Scenario.ReadToEndAsync(receiver));
        await other;
        second.Dispose();
        Scenario.AssertDelivered(await reader, [Scenario.Message(0, 1)], [Scenario.Message(1, 1)]);
        Scenario.AssertEmptyAndComplete(receiver);
    }

    [Test]
    public void WriteAsync_PendingWriteRacesCompleteOfItsHandle_FailsAtOnceAndOthersGoOn() =>
        Systematic.AssertNoBug(PendingWriteRacesCompleteOfItsHandleAsync, Budget.Iterations, Budget.MaxSteps);

    [Test]
    public void WriteAsync_WritersAtTheBound_BlockedWritersWokenAndNothingLost() =>
        Systematic.AssertNoBug(WritersAtTheBoundAsync, Budget.Iterations, Budget.MaxSteps);

    [Test]
    public void WriteAsync_BlockedWriterWhenReceiverDisposed_WriterFailsAndNothingQueued() =>
        Systematic.AssertNoBug(DisposeReleasesBlockedWriterAsync, Budget.Iterations, Budget.MaxSteps);
}
