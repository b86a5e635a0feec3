using System.Reflection;

namespace Spillway.Tests;

/// <summary>
/// Scans look only at the lane slots handles have taken so far. These pin what that must not change: every lane in use
/// is seen, a lane added after the reader's cursor passed the slots in use is served next, and round-robin order is the
/// order of a scan of every slot.
/// </summary>
public sealed class LaneScanTests
{
    [Test]
    public void LanesInUse_GrowsWithHandlesUpToTheLaneCount()
    {
        var set = new LaneSet<int>(laneCount: 3, capacity: null, new QuietLaneListener());
        Assert.That(set.LanesInUse, Is.Zero);

        var counts = new List<int>();
        for (var i = 0; i < 5; i++)
        {
            _ = LaneHandle<int>.CreateUncounted(set);
            counts.Add(set.LanesInUse);
        }

        Assert.That(counts, Is.EqualTo(new[] { 1, 2, 3, 3, 3 }));
    }

    [Test]
    public void LanesInUse_HandleCounterWrapsPastZero_EveryLaneStaysVisible()
    {
        var set = new LaneSet<int>(laneCount: 4, capacity: null, new QuietLaneListener());
        for (var i = 0; i < 4; i++)
        {
            _ = LaneHandle<int>.CreateUncounted(set);
        }

        // As after 2^32 - 1 handles: the next handle wraps the counter to zero (and takes the last slot).
        typeof(LaneSet<int>).GetField("_handlesCreated", BindingFlags.NonPublic | BindingFlags.Instance)!.SetValue(set, -1);
        var handle = LaneHandle<int>.CreateUncounted(set);
        handle.TryAppend(42);

        Assert.That(set.LanesInUse, Is.EqualTo(4));
        Assert.That(set.AnyLaneHasItems(), Is.True);
        Assert.That(new LaneReader<int>(set).TryRead(out var message), Is.True);
        Assert.That(message, Is.EqualTo(42));
    }

    [Test]
    public void AnyLaneHasItems_SeesEveryLaneInUse()
    {
        var set = new LaneSet<int>(laneCount: 4, capacity: null, new QuietLaneListener());
        var handles = Enumerable.Range(0, 3).Select(_ => LaneHandle<int>.CreateUncounted(set)).ToArray();
        var reader = new LaneReader<int>(set);

        Assert.That(set.AnyLaneHasItems(), Is.False);
        for (var i = 0; i < handles.Length; i++)
        {
            handles[i].TryAppend(i);
            Assert.That(set.AnyLaneHasItems(), Is.True, $"lane {i}");
            Assert.That(reader.TryRead(out var message), Is.True);
            Assert.That(message, Is.EqualTo(i));
            Assert.That(set.AnyLaneHasItems(), Is.False);
        }
    }

    [Test]
    public void TryRead_LaneAddedAfterTheCursorPassedTheLanesInUse_IsServedNextThenTheFirstLane()
    {
        var set = new LaneSet<int>(laneCount: 4, capacity: null, new QuietLaneListener());
        var first = LaneHandle<int>.CreateUncounted(set);
        var second = LaneHandle<int>.CreateUncounted(set);
        var reader = new LaneReader<int>(set);

        // Take the second lane last, so the cursor points at the third slot, which no handle holds yet.
        second.TryAppend(20);
        Assert.That(reader.TryRead(out var message), Is.True);
        Assert.That(message, Is.EqualTo(20));

        first.TryAppend(10);
        var third = LaneHandle<int>.CreateUncounted(set);
        third.TryAppend(30);

        // A scan of every slot from the cursor visits the third slot before wrapping to the first.
        Assert.That(ReadAll(ref reader), Is.EqualTo(new[] { 30, 10 }));
    }

    [Test]
    public void TryRead_CursorOnASlotNotInUse_StartsFromTheFirstLane()
    {
        var set = new LaneSet<int>(laneCount: 4, capacity: null, new QuietLaneListener());
        var first = LaneHandle<int>.CreateUncounted(set);
        var second = LaneHandle<int>.CreateUncounted(set);
        var reader = new LaneReader<int>(set);

        second.TryAppend(20);
        Assert.That(reader.TryRead(out _), Is.True);

        // The cursor is on the third slot, not in use: the next scan wraps to the first slot at once.
        first.TryAppend(10);
        second.TryAppend(21);
        Assert.That(ReadAll(ref reader), Is.EqualTo(new[] { 10, 21 }));
    }

    private static List<int> ReadAll(ref LaneReader<int> reader)
    {
        var read = new List<int>();
        while (reader.TryRead(out var message))
        {
            read.Add(message);
        }

        return read;
    }
}
