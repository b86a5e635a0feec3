using System.Reflection;

namespace Spillway.Tests;

/// <summary>
/// What an idle lane set holds: with one handle, the set is its own (unpadded) first lane and carries no slot array;
/// the array and padded lanes come only with handles on later slots. Mailboxes of idle actors rely on it.
/// </summary>
public sealed class LaneLayoutTests
{
    [Test]
    public void AcquireLane_OneHandle_TheSetIsTheLaneAndNoSlotArrayExists()
    {
        var set = new LaneSet<int>(laneCount: 4, capacity: null, new QuietLaneListener());
        var handle = LaneHandle<int>.CreateUncounted(set);
        handle.TryAppend(7);

        Assert.That(set.LaneAt(0), Is.SameAs(set));
        Assert.That(SlotArray(set), Is.Null);
        Assert.That(new LaneReader<int>(set).TryRead(out var message), Is.True);
        Assert.That(message, Is.EqualTo(7));
    }

    [Test]
    public void AcquireLane_HandlesOnLaterSlots_GetPaddedLanesInOneArray()
    {
        var set = new LaneSet<int>(laneCount: 3, capacity: null, new QuietLaneListener());
        var handles = Enumerable.Range(0, 4).Select(_ => LaneHandle<int>.CreateUncounted(set)).ToArray();

        Assert.That(set.LaneAt(0), Is.SameAs(set));
        Assert.That(set.LaneAt(1), Is.TypeOf<PaddedLane<int>>());
        Assert.That(set.LaneAt(2), Is.TypeOf<PaddedLane<int>>());
        Assert.That(SlotArray(set)!, Has.Length.EqualTo(3));

        // The fourth handle wrapped to slot 0: the set itself, shared with the first.
        for (var i = 0; i < handles.Length; i++)
        {
            handles[i].TryAppend(i);
        }

        var reader = new LaneReader<int>(set);
        var read = new List<int>();
        while (reader.TryRead(out var message))
        {
            read.Add(message);
        }

        Assert.That(read, Is.EquivalentTo(new[] { 0, 1, 2, 3 }));
    }

    private static Array? SlotArray(LaneSet<int> set) =>
        (Array?)typeof(LaneSet<int>).GetField("_lanes", BindingFlags.NonPublic | BindingFlags.Instance)!.GetValue(set);
}
