namespace Spillway.SystematicTests;

/// <summary>
/// Handles created at once while the reader reads: the first lane is the lane set itself, and the array of the other
/// slots is created by the first handle that claims a slot past the first, by compare-and-swap, so racing handles must
/// share one array and one lane per slot; a lane lost in that race would strand its messages.
/// </summary>
public class LaneCreationTests
{
    /// <summary>
    /// Three lanes; four senders cloned at once from the first (slots 1, 2, 0 and 1 again, in whatever order the
    /// schedule gives), each sending two messages, while the reader reads one message at a time. Every message must
    /// arrive exactly once, in its sender's order.
    /// </summary>
    internal static async Task ClonesRacingForSlotsAsync()
    {
        var (first, receiver) = SpillwayChannel.Create<int>(new SpillwayChannelOptions { Lanes = 3 });
        var reader = Task.Run(() => Scenario.ReadToEndAsync(receiver));
        var senders = Enumerable.Range(1, 4).Select(sender => Task.Run(() =>
        {
            var mine = first.Clone();
            mine.Send(Scenario.Message(sender, 1));
            mine.Send(Scenario.Message(sender, 2));
            mine.Dispose();
        })).ToArray();

        first.Send(Scenario.Message(0, 1));
        foreach (var sender in senders)
        {
            await sender;
        }

        first.Dispose();
        Scenario.AssertDelivered(
            await reader,
            [Scenario.Message(0, 1)],
            [Scenario.Message(1, 1), Scenario.Message(1, 2)],
            [Scenario.Message(2, 1), Scenario.Message(2, 2)],
            [Scenario.Message(3, 1), Scenario.Message(3, 2)],
            [Scenario.Message(4, 1), Scenario.Message(4, 2)]);
        Scenario.AssertEmptyAndComplete(receiver);
    }

    [Test]
    public void LaneCreation_ClonesRacingForSlots_EveryMessageOnceInSenderOrder() =>
        Systematic.AssertNoBug(ClonesRacingForSlotsAsync, Budget.Iterations, Budget.MaxSteps);
}
