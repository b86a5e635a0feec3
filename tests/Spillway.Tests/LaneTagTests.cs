namespace Spillway.Tests;

/// <summary>
/// Tagged appends: a tag recorded with a message comes back with exactly that message, by position and never by the
/// message's equality, through swaps, growth, shrinking storage and round-robin reads; a close or drain that drops
/// tagged messages reports their tags. Lanes count every message ever appended.
/// </summary>
public sealed class LaneTagTests
{
    [Test]
    public void TakeTagOfLastRead_TaggedAndUntaggedAcrossSwapsAndGrowth_EachMessageGetsItsOwnTag()
    {
        var (handles, reader) = CreateLanes<int>(laneCount: 1, handleCount: 1);
        var next = 0;
        for (var round = 0; round < 20; round++)
        {
            // Batches of growing size, so the lane grows while tagged messages sit in it; every third message untagged.
            var size = 1 + (round * 7);
            var sent = new List<(int Message, object? Tag)>();
            for (var i = 0; i < size; i++, next++)
            {
                object? tag = next % 3 == 0 ? null : new object();
                Assert.That(tag is null ? handles[0].TryAppend(next) : handles[0].TryAppendTagged(next, tag), Is.Not.EqualTo(AppendOutcome.Closed));
                sent.Add((next, tag));
            }

            foreach (var (message, tag) in sent)
            {
                Assert.That(reader.TryRead(out var read), Is.True);
                Assert.That(read, Is.EqualTo(message));
                Assert.That(reader.TakeTagOfLastRead(), Is.SameAs(tag), $"message {message}");
            }
        }

        Assert.That(reader.TryRead(out _), Is.False);
        Assert.That(reader.TakeTagOfLastRead(), Is.Null);
    }

    [Test]
    public void TakeTagOfLastRead_EqualRecords_KeepDistinctTags()
    {
        var (handles, reader) = CreateLanes<Request>(laneCount: 1, handleCount: 1);
        var first = new object();
        var second = new object();
        handles[0].TryAppendTagged(new Request("same"), first);
        handles[0].TryAppendTagged(new Request("same"), second);

        Assert.That(reader.TryRead(out _), Is.True);
        Assert.That(reader.TakeTagOfLastRead(), Is.SameAs(first));
        Assert.That(reader.TryRead(out _), Is.True);
        Assert.That(reader.TakeTagOfLastRead(), Is.SameAs(second));
    }

    [Test]
    public void TakeTagOfLastRead_TagNotTakenForAMessage_LaterTagsStillMatch()
    {
        var (handles, reader) = CreateLanes<int>(laneCount: 1, handleCount: 1);
        var tags = Enumerable.Range(0, 4).Select(_ => new object()).ToArray();
        for (var i = 0; i < tags.Length; i++)
        {
            handles[0].TryAppendTagged(i, tags[i]);
        }

        // Messages 0 and 1 are read without taking their tags; 2 must still get its own, not 0's.
        reader.TryRead(out _);
        reader.TryRead(out _);
        reader.TryRead(out _);
        Assert.That(reader.TakeTagOfLastRead(), Is.SameAs(tags[2]));
        Assert.That(reader.TakeTagOfLastRead(), Is.Null, "Each tag is handed out once.");
        reader.TryRead(out _);
        Assert.That(reader.TakeTagOfLastRead(), Is.SameAs(tags[3]));
    }

    [Test]
    public void TakeTagOfLastRead_RoundRobinOverTwoLanes_TagsFollowTheirLanes()
    {
        var (handles, reader) = CreateLanes<int>(laneCount: 2, handleCount: 2);
        var expected = new Dictionary<int, object>();
        for (var i = 0; i < 50; i++)
        {
            foreach (var (handle, offset) in new[] { (handles[0], 0), (handles[1], 1000) })
            {
                var tag = new object();
                expected[offset + i] = tag;
                handle.TryAppendTagged(offset + i, tag);
            }

            // Read a few between appends so batches of both lanes interleave.
            if (i % 5 == 4)
            {
                ReadAndCheck(ref reader, expected, count: 3);
            }
        }

        ReadAndCheck(ref reader, expected, count: expected.Count);
        Assert.That(expected, Is.Empty);
    }

    [Test]
    public void TakeTagOfLastRead_AfterBurstShrinksAndTrimsStorage_TagsStillMatch()
    {
        var (handles, reader) = CreateLanes<int>(laneCount: 1, handleCount: 1);
        for (var i = 0; i < 20_000; i++)
        {
            handles[0].TryAppend(i);
        }

        for (var i = 0; i < 20_000; i++)
        {
            reader.TryRead(out _);
        }

        // One-message tagged traffic: the swaps shrink the storage while tags ride along.
        for (var i = 0; i < 1_500; i++)
        {
            var tag = new object();
            handles[0].TryAppendTagged(i, tag);
            Assert.That(reader.TryRead(out var read) && read == i, Is.True);
            Assert.That(reader.TakeTagOfLastRead(), Is.SameAs(tag));
        }

        Assert.That(reader.StorageLength, Is.LessThanOrEqualTo(1024), "The storage must have shrunk meanwhile.");
        Assert.That(reader.TrimStorage(keepElements: 0, keepWeakly: false), Is.True);

        var last = new object();
        handles[0].TryAppend(7);
        handles[0].TryAppendTagged(8, last);
        Assert.That(reader.TryRead(out _) && reader.TakeTagOfLastRead() is null, Is.True);
        Assert.That(reader.TryRead(out _) && ReferenceEquals(reader.TakeTagOfLastRead(), last), Is.True);
    }

    [Test]
    public void Close_TaggedMessagesInLanes_ReportsExactlyTheirTags()
    {
        var (handles, reader) = CreateLanes<Request>(laneCount: 2, handleCount: 2);
        var tagged = new[] { new object(), new object(), new object() };
        handles[0].TryAppendTagged(new Request("a"), tagged[0]);
        handles[0].TryAppend(new Request("a"));
        handles[1].TryAppendTagged(new Request("a"), tagged[1]);
        handles[1].TryAppendTagged(new Request("b"), tagged[2]);

        var dropped = new List<Request>();
        var droppedTags = new List<object>();
        reader.Set.Close(dropped, droppedTags);

        Assert.That(dropped, Has.Count.EqualTo(4));
        Assert.That(droppedTags, Is.EquivalentTo(tagged));
    }

    [Test]
    public void Close_WithoutDroppedList_StillReportsTags()
    {
        var (handles, reader) = CreateLanes<int>(laneCount: 1, handleCount: 1);
        var tag = new object();
        handles[0].TryAppend(1);
        handles[0].TryAppendTagged(2, tag);

        var droppedTags = new List<object>();
        reader.Set.Close(dropped: null, droppedTags);

        Assert.That(droppedTags, Is.EqualTo(new[] { tag }));
    }

    [Test]
    public void DrainBufferedTo_PartlyReadBatch_ReportsTagsOfUnreadMessagesOnly()
    {
        var (handles, reader) = CreateLanes<int>(laneCount: 1, handleCount: 1);
        var tags = Enumerable.Range(0, 4).Select(_ => new object()).ToArray();
        for (var i = 0; i < tags.Length; i++)
        {
            handles[0].TryAppendTagged(i, tags[i]);
        }

        reader.TryRead(out _);
        Assert.That(reader.TakeTagOfLastRead(), Is.SameAs(tags[0]));
        reader.TryRead(out _);

        var dropped = new List<int>();
        var droppedTags = new List<object>();
        reader.DrainBufferedTo(dropped, droppedTags);

        Assert.That(dropped, Is.EqualTo(new[] { 2, 3 }));
        Assert.That(droppedTags, Is.EqualTo(new[] { tags[2], tags[3] }));
    }

    [Test]
    public void DiscardBuffered_ThenNewBatch_OldTagsAreGone()
    {
        var (handles, reader) = CreateLanes<int>(laneCount: 1, handleCount: 1);
        handles[0].TryAppendTagged(1, new object());
        handles[0].TryAppendTagged(2, new object());
        reader.TryRead(out _);
        reader.DiscardBuffered();

        handles[0].TryAppend(3);
        Assert.That(reader.TryRead(out var read) && read == 3, Is.True);
        Assert.That(reader.TakeTagOfLastRead(), Is.Null);
    }

    [Test]
    public void LaneAppendedCount_TaggedUntaggedAndBatches_CountsEveryMessageOnce()
    {
        var (handles, reader) = CreateLanes<int>(laneCount: 1, handleCount: 2);
        handles[0].TryAppend(1);
        handles[1].TryAppendTagged(2, new object());
        handles[0].TryAppendMany([3, 4, 5]);
        while (reader.TryRead(out _))
        {
        }

        handles[0].TryAppend(6);

        Assert.That(handles[0].LaneAppendedCount, Is.EqualTo(6));
        Assert.That(handles[1].LaneAppendedCount, Is.EqualTo(6), "Both handles share the one lane.");
    }

    [Test]
    public void TryAppendTagged_ClosedSet_IsRefusedAndTagIsNotKept()
    {
        var (handles, reader) = CreateLanes<int>(laneCount: 1, handleCount: 1);
        reader.Set.Close(dropped: null);

        Assert.That(handles[0].TryAppendTagged(1, new object()), Is.EqualTo(AppendOutcome.Closed));
        Assert.That(handles[0].LaneAppendedCount, Is.Zero);
    }

    private static void ReadAndCheck(ref LaneReader<int> reader, Dictionary<int, object> expected, int count)
    {
        for (var i = 0; i < count; i++)
        {
            Assert.That(reader.TryRead(out var message), Is.True);
            Assert.That(reader.TakeTagOfLastRead(), Is.SameAs(expected[message]), $"message {message}");
            expected.Remove(message);
        }
    }

    private static (LaneHandle<T>[] Handles, LaneReader<T> Reader) CreateLanes<T>(int laneCount, int handleCount)
    {
        var set = new LaneSet<T>(laneCount, capacity: null, new QuietLaneListener());
        var handles = Enumerable.Range(0, handleCount).Select(_ => LaneHandle<T>.CreateUncounted(set)).ToArray();
        return (handles, new LaneReader<T>(set));
    }

    /// <summary>A message compared by value: two equal requests must still keep their own tags.</summary>
    private sealed record Request(string Body);
}
