using System.Reflection;
using System.Runtime.CompilerServices;

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

    [Test]
    public void FieldLayout_FieldsEveryAppendReads_NeverShareACacheLineWithLaneZerosHotFields()
    {
        // Lane 0 is the set itself: its sender writes the lock, the count and the appended count on every append, while
        // every sender (and the reader) reads the capacity and the open/sealed/closed state of the same object on every message.
        var set = new LaneSet<int>(laneCount: 8, capacity: null, new QuietLaneListener());
        long[] written = [Offset(set, ref Lock(set)), Offset(set, ref Count(set)), Offset(set, ref Appended(set))];
        long[] read = [Offset(set, ref Capacity(set)), Offset(set, ref State(set))];

        foreach (var hot in written)
        {
            foreach (var shared in read)
            {
                Assert.That(CanShareCacheLine(hot, shared), Is.False, $"fields at offsets {hot} and {shared}");
            }
        }
    }

    /// <summary>
    /// Whether two 8-byte-or-smaller fields at these offsets from the object reference can fall in one 64-byte line for
    /// some placement of the object (objects are 8-byte aligned, so a line starts at any offset that is a multiple of 8).
    /// </summary>
    private static bool CanShareCacheLine(long first, long second)
    {
        var (low, high) = first < second ? (first, second) : (second, first);
        for (var lineStart = low - 64; lineStart <= low; lineStart++)
        {
            if (lineStart % 8 == 0 && lineStart <= low && high + 8 <= lineStart + 64)
            {
                return true;
            }
        }

        return false;
    }

    private static long Offset<TField>(object owner, ref TField field) =>
        Unsafe.ByteOffset(ref Unsafe.As<StrongBox<byte>>(owner).Value, ref Unsafe.As<TField, byte>(ref field));

    [UnsafeAccessor(UnsafeAccessorKind.Field, Name = "_lock")]
    private static extern ref int Lock(Lane<int> lane);

    [UnsafeAccessor(UnsafeAccessorKind.Field, Name = "_count")]
    private static extern ref int Count(Lane<int> lane);

    [UnsafeAccessor(UnsafeAccessorKind.Field, Name = "_appended")]
    private static extern ref long Appended(Lane<int> lane);

    [UnsafeAccessor(UnsafeAccessorKind.Field, Name = "_capacity")]
    private static extern ref int Capacity(LaneSet<int> set);

    [UnsafeAccessor(UnsafeAccessorKind.Field, Name = "_state")]
    private static extern ref int State(LaneSet<int> set);

    private static Array? SlotArray(LaneSet<int> set) =>
        (Array?)typeof(LaneSet<int>).GetField("_lanes", BindingFlags.NonPublic | BindingFlags.Instance)!.GetValue(set);
}
