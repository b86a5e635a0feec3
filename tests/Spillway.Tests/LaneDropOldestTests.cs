namespace Spillway.Tests;

/// <summary>
/// Dropping the oldest queued message to make room in a full set (<see cref="LaneAppender{T}.TryAppendDroppingOldest"/>,
/// an actor's <c>MailboxOverflow.DropOldest</c>): the oldest of the sender's own lane, else of another lane; the
/// dropped message's tag comes back with it and the tags behind it stay with their messages; and a barrier that waited
/// for a message the drop took out of a lane it emptied is not held forever.
/// </summary>
public sealed class LaneDropOldestTests
{
    [Test]
    public void TryAppendDroppingOldest_OwnLaneHoldsMessages_DropsItsOldestAndQueuesTheNewOne()
    {
        var (handles, reader) = CreateLanes(laneCount: 2, capacity: 2);
        handles[0].TryAppend(1);
        handles[0].TryAppend(2);
        Assert.That(handles[0].TryAppend(3), Is.EqualTo(AppendOutcome.Full));

        var outcome = handles[0].TryAppendDroppingOldest(3, out var droppedOne, out var dropped, out var tag);

        Assert.That(outcome, Is.LessThan(AppendOutcome.Closed));
        Assert.That((droppedOne, dropped, tag), Is.EqualTo((true, 1, (object?)null)));
        Assert.That(ReadAll(ref reader), Is.EqualTo(new[] { 2, 3 }));
        Assert.That(handles[1].TryAppend(4), Is.LessThan(AppendOutcome.Closed), "the room was passed on, not lost");
    }

    [Test]
    public void TryAppendDroppingOldest_TaggedMessages_DroppedTagReturnedAndLaterTagsKeepTheirMessages()
    {
        var (handles, reader) = CreateLanes(laneCount: 1, capacity: 3);
        var first = new object();
        var third = new object();
        handles[0].TryAppendTagged(1, first);
        handles[0].TryAppend(2);
        handles[0].TryAppendTagged(3, third);

        handles[0].TryAppendDroppingOldest(4, out _, out var dropped, out var tag);

        Assert.That(dropped, Is.EqualTo(1));
        Assert.That(tag, Is.SameAs(first));
        var read = new List<(int, object?)>();
        while (reader.TryRead(out var message))
        {
            read.Add((message, reader.TakeTagOfLastRead()));
        }

        Assert.That(read, Is.EqualTo(new (int, object?)[] { (2, null), (3, third), (4, null) }));
    }

    [Test]
    public void TryRead_BarrierWaitingForAMessageDroppedFromALaneItEmptied_IsNotHeldForever()
    {
        var (handles, reader) = CreateLanes(laneCount: 3, capacity: 2);
        handles[0].TryAppend(0);
        Assert.That(ReadAll(ref reader), Is.EqualTo(new[] { 0 }), "the reader's cursor now points at lane 1");
        handles[0].TryAppend(1);
        handles[1].TryAppendBarrier(100, new object());

        // Lane 2 is empty: the oldest of lane 0 (the message the barrier waits for) is dropped, emptying lane 0.
        handles[2].TryAppendDroppingOldest(200, out var droppedOne, out var dropped, out _);
        Assert.That((droppedOne, dropped), Is.EqualTo((true, 1)));

        Assert.That(ReadAll(ref reader), Is.EquivalentTo(new[] { 100, 200 }));
    }

    [Test]
    public void TryAppendDroppingOldest_NothingQueuedInLanes_AdmitsPastTheCapacity()
    {
        var (handles, reader) = CreateLanes(laneCount: 2, capacity: 1);
        handles[0].TryAppend(1);
        Assert.That(reader.TryRead(out _), Is.True, "the reader holds the only counted message");

        var outcome = handles[1].TryAppendDroppingOldest(2, out var droppedOne, out _, out _);

        Assert.That(outcome, Is.LessThan(AppendOutcome.Closed));
        Assert.That(droppedOne, Is.False);
        Assert.That(ReadAll(ref reader), Is.EqualTo(new[] { 2 }));
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

    private static (LaneHandle<int>[] Handles, LaneReader<int> Reader) CreateLanes(int laneCount, int capacity)
    {
        var set = new LaneSet<int>(laneCount, capacity, new QuietLaneListener(), dropsOldestWhenFull: true);
        var handles = Enumerable.Range(0, laneCount).Select(_ => LaneHandle<int>.CreateUncounted(set)).ToArray();
        return (handles, new LaneReader<int>(set));
    }
}
