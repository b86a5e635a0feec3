using Microsoft.Coyote.Specifications;

namespace Spillway.Actors.SystematicTests;

/// <summary>
/// Tell, then ask: an ask is handled after every message told to the actor before it was made, through any reference
/// (each reference has a lane of its own), while messages told after it through its own reference wait behind it, and
/// concurrent asks through other references never wait for each other.
/// </summary>
public class TellThenAskTests
{
    private const string OtherTellFirst = "a concurrent tell was handled before the ask";
    private const string OtherTellLater = "a concurrent tell was handled after the ask";

    /// <summary>
    /// Task A tells two messages through a reference of its own and ends; task B tells one through another, concurrently;
    /// task D asks through a fourth reference, concurrently. After A has ended, the test asks through a third reference
    /// and then tells one more message through it. The test's ask must see A's two tells, and must not see its own later
    /// tell; D's ask must complete too.
    /// </summary>
    internal static async Task TellThenAskAsync()
    {
        var system = Harness.CreateSystem(turnSize: 1);
        var handled = new List<int>();
        var actor = system.Spawn(() => new CountingActor(handled));
        var viaA = actor.Clone();
        var viaB = actor.Clone();
        var viaC = actor.Clone();
        var viaD = actor.Clone();

        var tellerA = Task.Run(() =>
        {
            viaA.Tell(new Counted(1, null));
            viaA.Tell(new Counted(2, null));
        });
        var tellerB = Task.Run(() => viaB.Tell(new Counted(4, null)));
        var askerD = Task.Run(() => viaD.Ask<int>(reply => new Counted(0, reply), Timeout.InfiniteTimeSpan).AsTask());
        await tellerA;

        var seen = await viaC.Ask<int>(reply => new Counted(0, reply), Timeout.InfiniteTimeSpan);
        viaC.Tell(new Counted(64, null));
        await tellerB;
        await askerD;
        await system.ShutdownAsync();

        // The ask's reply is the sum of what was handled before it: A's 1 + 2 at least (each value a bit of its own), never the later 64.
        Specification.Assert((seen & 3) == 3, $"the ask saw {seen}: it overtook a tell made before it (handled: {string.Join(", ", handled)})");
        Specification.Assert(seen < 64, $"the ask saw {seen}: a tell made after it through its own reference overtook it");
        Specification.Assert(handled.Count == 6, $"handled {handled.Count} messages: {string.Join(", ", handled)}");
        Coverage.Hit((seen & 4) == 4 ? OtherTellFirst : OtherTellLater);
    }

    [SetUp]
    public void ResetCoverage() => Coverage.Reset();

    [Test]
    public void Ask_AfterTellsThroughOtherReferences_SeesThemAndNothingToldAfterIt()
    {
        Systematic.AssertNoBug(TellThenAskAsync, Budget.RareOutcomeIterations);
        Coverage.AssertReached(OtherTellFirst, OtherTellLater);
    }

    [Test]
    [Explicit("long form, run by hand")]
    [Category("Stress")]
    public void Ask_AfterTellsThroughOtherReferences_Stress() =>
        Systematic.AssertNoBug(TellThenAskAsync, Budget.StressIterations);

    /// <summary>A value to add, or (with a reply) a request for the sum so far.</summary>
    internal sealed record Counted(int Value, Reply<int>? Reply);

    /// <summary>Adds up what it is told and answers requests with the sum; records what it handled.</summary>
    private sealed class CountingActor(List<int> handled) : Actor<Counted>
    {
        private int _sum;

        protected override ValueTask ReceiveAsync(Counted message)
        {
            // Only this actor touches the list until the shutdown completed, which publishes it to the test.
            handled.Add(message.Value);
            _sum += message.Value;
            message.Reply?.Send(_sum);
            return default;
        }
    }
}
