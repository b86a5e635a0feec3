using Microsoft.Coyote.Specifications;

namespace Spillway.SystematicTests;

/// <summary>
/// The control experiment: the same scenario against a correct and a deliberately broken copy of the park/wake
/// handshake. Coyote must pass the correct one and find the lost wake-up in the broken one; if it could not, a clean
/// report on the real channel would mean nothing.
/// </summary>
public class BrokenWakeUpTests
{
    /// <summary>One reader waits for two items that two senders publish; it must get both.</summary>
    internal static async Task ReaderWaitsForTwoItemsAsync(bool looksAgainAfterArming)
    {
        var signal = new ParkingSignalModel(looksAgainAfterArming);
        var reader = Task.Run(async () =>
        {
            var taken = 0;
            while (taken < 2)
            {
                await signal.WaitAsync();
                while (signal.TryTake())
                {
                    taken++;
                }
            }

            return taken;
        });
        var a = Task.Run(signal.Publish);
        var b = Task.Run(signal.Publish);

        await a;
        await b;
        var taken = await reader;
        Specification.Assert(taken == 2, $"took {taken} items");
    }

    [Test]
    public void ParkingModel_LooksAgainAfterArming_NoBug() =>
        Systematic.AssertNoBug(() => ReaderWaitsForTwoItemsAsync(looksAgainAfterArming: true), Budget.Iterations, Budget.MaxSteps);

    [Test]
    public void ParkingModel_DoesNotLookAgainAfterArming_EngineFindsLostWakeUp() =>
        Systematic.AssertFindsBug(
            () => ReaderWaitsForTwoItemsAsync(looksAgainAfterArming: false), Budget.BugHuntIterations, Budget.MaxSteps, expectedReport: "deadlock");
}
