namespace Spillway.Tests;

/// <summary>
/// Barriers (<see cref="LaneHandle{T}.TryAppendBarrier"/>): a barrier is read only after every message another lane had
/// received before it was appended; what follows it in its own lane waits behind it; other lanes go on meanwhile;
/// barriers appended at the same time never wait for each other; and a close drops held batches with their tags.
/// </summary>
public sealed class LaneBarrierTests
{
    [Test]
    public void TryRead_BarrierAheadOfEarlierMessagesOfAnotherLane_ReadAfterThemAndItsLaneWaits()
    {
        var (handles, reader) = CreateLanes(laneCount: 2);
        handles[0].TryAppend(1);
        Assert.That(ReadAll(ref reader), Is.EqualTo(new[] { 1 }), "the reader's cursor now points at lane 1");

        handles[0].TryAppend(2);
        handles[0].TryAppend(3);
        handles[1].TryAppendBarrier(100, new object());
        handles[1].TryAppend(101);
        handles[0].TryAppend(4);

        // Without the barrier the reader would take lane 1 first: 100, 101, then 2, 3, 4.
        var order = ReadAll(ref reader);

        Assert.That(order.IndexOf(100), Is.GreaterThan(order.IndexOf(3)), "the barrier overtook a message appended before it");
        Assert.That(order.IndexOf(101), Is.GreaterThan(order.IndexOf(100)), "a message behind the barrier in its lane overtook it");
        Assert.That(order, Is.EquivalentTo(new[] { 2, 3, 4, 100, 101 }));
        Assert.That(order.Where(m => m < 100), Is.Ordered);
    }

    [Test]
    public void TryRead_BarrierWhoseMarksAreAlreadyReached_IsNotHeld()
    {
        var (handles, reader) = CreateLanes(laneCount: 2);
        handles[0].TryAppend(0);
        Assert.That(ReadAll(ref reader), Is.EqualTo(new[] { 0 }), "the reader's cursor now points at lane 1");
        var tag = new object();
        handles[1].TryAppendBarrier(7, tag);
        handles[0].TryAppend(8);

        Assert.That(reader.TryRead(out var first), Is.True);
        Assert.That(first, Is.EqualTo(7), "lane 1's barrier waited for nothing still unread, and 8 came after it");
        Assert.That(reader.TakeTagOfLastRead(), Is.SameAs(tag));
        Assert.That(ReadAll(ref reader), Is.EqualTo(new[] { 8 }));
    }

    [Test]
    public void TryRead_BarriersAppendedAcrossLanes_EveryBarrierAfterWhatPrecededIt()
    {
        // Three lanes, barriers in each, each appended after messages in the others: every barrier must come after all
        // of them, and nothing waits forever.
        var (handles, reader) = CreateLanes(laneCount: 3);
        var appendedBefore = new Dictionary<int, int[]>();
        var sent = new List<int>[3] { [], [], [] };
        var next = 0;
        var random = new Random(3);
        for (var step = 0; step < 600; step++)
        {
            var lane = random.Next(3);
            var message = next++;
            if (random.Next(5) == 0)
            {
                appendedBefore[message] = [.. sent.Where((_, other) => other != lane).SelectMany(list => list)];
                handles[lane].TryAppendBarrier(message, new object());
            }
            else
            {
                handles[lane].TryAppend(message);
            }

            sent[lane].Add(message);
            if (random.Next(7) == 0 && reader.TryRead(out var early))
            {
                // Reads interleaved with appends, so barriers meet half-read batches and held lanes.
                sent[0].Remove(early);
                sent[1].Remove(early);
                sent[2].Remove(early);
                appendedBefore.Remove(early);
            }
        }

        var order = ReadAll(ref reader);
        var position = order.Select((message, index) => (message, index)).ToDictionary(p => p.message, p => p.index);
        foreach (var (barrier, before) in appendedBefore)
        {
            foreach (var earlier in before)
            {
                if (position.TryGetValue(earlier, out var at))
                {
                    Assert.That(at, Is.LessThan(position[barrier]), $"barrier {barrier} was read before {earlier}, appended before it");
                }
            }
        }

        foreach (var lane in sent)
        {
            Assert.That(lane.Where(position.ContainsKey).Select(m => position[m]), Is.Ordered, "a lane's order was broken");
        }
    }

    [Test]
    public void Close_WhileABatchIsHeld_DropsItWithItsTags()
    {
        var (handles, reader) = CreateLanes(laneCount: 2);
        handles[0].TryAppend(1);
        Assert.That(reader.TryRead(out _), Is.True);
        handles[0].TryAppend(2);
        var tag = new object();
        handles[1].TryAppendBarrier(100, tag);
        handles[1].TryAppend(101);

        // Holds lane 1 at its barrier, reads 2 from lane 0.
        Assert.That(reader.TryRead(out var second), Is.True);
        Assert.That(second, Is.EqualTo(2));
        Assert.That(reader.HasBuffered, Is.True, "the held batch counts as buffered");

        var dropped = new List<int>();
        var droppedTags = new List<object>();
        reader.DrainBufferedTo(dropped, droppedTags);

        Assert.That(dropped, Is.EqualTo(new[] { 100, 101 }));
        Assert.That(droppedTags, Is.EqualTo(new[] { tag }));
        Assert.That(reader.HasBuffered, Is.False);
    }

    [Test]
    public void TryRead_ConcurrentSendersAndPublishedBarriers_BarrierSeesEverythingPublishedBeforeIt()
    {
        // A sender tells 0, 1, 2, ... through lane 0 and publishes how far it got; another thread appends barriers
        // through lane 1 carrying the published count. When a barrier is read, that many messages of lane 0 have been.
        var (handles, reader) = CreateLanes(laneCount: 2);
        const int Messages = 200_000;
        var published = 0;
        using var stop = new CancellationTokenSource();
        var sender = Task.Run(() =>
        {
            for (var i = 0; i < Messages; i++)
            {
                handles[0].TryAppend(i);
                Volatile.Write(ref published, i + 1);
            }
        });
        var barriers = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                // Messages of lane 1 are negative: -(published + 1).
                handles[1].TryAppendBarrier(-(Volatile.Read(ref published) + 1), new object());
                Thread.Yield();
            }
        });

        var readFromLane0 = 0;
        var violations = 0;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (readFromLane0 < Messages && DateTime.UtcNow < deadline)
        {
            if (!reader.TryRead(out var message))
            {
                continue;
            }

            if (message >= 0)
            {
                readFromLane0++;
            }
            else if (readFromLane0 < -message - 1)
            {
                violations++;
            }
        }

        stop.Cancel();
        Task.WaitAll([sender, barriers], TimeSpan.FromSeconds(30));
        Assert.That(readFromLane0, Is.EqualTo(Messages));
        Assert.That(violations, Is.Zero);
    }

    [Test]
    public void TryAppendBarrier_OnceTheLanesAreWarm_AllocatesNothing()
    {
        // The request-reply loop of several askers: every ask is a barrier with marks on the other lanes. The marks live
        // in the lane's tag list, which circulates with the storage, so warm lanes allocate nothing per barrier.
        var (handles, reader) = CreateLanes(laneCount: 4);
        var tag = new object();
        void Round()
        {
            for (var lane = 0; lane < handles.Length; lane++)
            {
                handles[lane].TryAppendBarrier(lane, tag);
            }

            while (reader.TryRead(out _))
            {
                reader.TakeTagOfLastRead();
            }
        }

        var allocated = AllocatedByRounds(Round);

        Assert.That(allocated, Is.Zero, "4,000 barriers allocated");
    }

    [Test]
    public void TryRead_BarriersHeldRoundAfterRound_AllocateNothingOnceWarm()
    {
        // Each round starts with the reader's cursor on lane 0 and appends to lane 1 first, then a barrier to lane 0 whose
        // marks wait for lane 1: the reader takes the barrier first and must hold it. A hold used to allocate its record,
        // and its lane grew new storage and a new tag list at the next swap.
        var (handles, reader) = CreateLanes(laneCount: 2);
        var tag = new object();
        var holds = 0;
        var wrongRounds = 0;

        // No asserts inside the rounds: a constraint allocates. A round that reads anything else is counted instead.
        void Round()
        {
            handles[1].TryAppend(1);
            handles[0].TryAppendBarrier(0, tag);
            var ok = reader.TryRead(out var first) && first == 1;
            holds += reader.HasBuffered ? 1 : 0;
            ok &= reader.TryRead(out var second) && second == 0 && ReferenceEquals(reader.TakeTagOfLastRead(), tag);

            // Brings the cursor back to lane 0 for the next round.
            handles[1].TryAppend(2);
            ok &= reader.TryRead(out var third) && third == 2 && !reader.TryRead(out _);
            wrongRounds += ok ? 0 : 1;
        }

        handles[0].TryAppend(-1);
        Assert.That(reader.TryRead(out _), Is.True, "the cursor now points at lane 1");
        handles[1].TryAppend(-2);
        Assert.That(reader.TryRead(out _), Is.True, "the cursor now points at lane 0");
        var allocated = AllocatedByRounds(Round);
        Assert.That(wrongRounds, Is.Zero, "rounds that read out of order");
        Assert.That(holds, Is.EqualTo(3_000), "every round held its barrier");
        Assert.That(allocated, Is.Zero, "1,000 holds allocated");
    }

    [Test]
    public void TryRead_TwoBarriersHeldAtOnceRoundAfterRound_AllocateNothingOnceWarm()
    {
        // Lanes 0 and 1 both hold a barrier that waits for lane 2, so two batches are held at the same time: each lane
        // slot keeps its own record, and the spare storage is kept per hold, not one for the reader.
        var (handles, reader) = CreateLanes(laneCount: 3);
        var tag = new object();
        var doubleHolds = 0;
        var wrongRounds = 0;
        void Round()
        {
            handles[2].TryAppend(2);
            handles[0].TryAppendBarrier(0, tag);
            handles[1].TryAppendBarrier(1, tag);
            var ok = reader.TryRead(out var first) && first == 2;
            doubleHolds += reader.BufferedCount == 2 ? 1 : 0;
            ok &= reader.TryRead(out var second) && second == 0 && ReferenceEquals(reader.TakeTagOfLastRead(), tag);
            ok &= reader.TryRead(out var third) && third == 1 && ReferenceEquals(reader.TakeTagOfLastRead(), tag);

            // Brings the cursor back to lane 0 for the next round.
            handles[2].TryAppend(3);
            ok &= reader.TryRead(out var fourth) && fourth == 3 && !reader.TryRead(out _);
            wrongRounds += ok ? 0 : 1;
        }

        handles[1].TryAppend(-1);
        handles[2].TryAppend(-2);
        Assert.That(ReadAll(ref reader), Has.Count.EqualTo(2), "the cursor now points at lane 0");
        var allocated = AllocatedByRounds(Round);
        Assert.That(wrongRounds, Is.Zero, "rounds that read out of order");
        Assert.That(doubleHolds, Is.EqualTo(3_000), "every round held both barriers");
        Assert.That(allocated, Is.Zero, "1,000 double holds allocated");
    }

    /// <summary>Runs <paramref name="round"/> 2,000 times to warm up, then returns what 1,000 more allocated on this thread.</summary>
    private static long AllocatedByRounds(Action round)
    {
        for (var warm = 0; warm < 2_000; warm++)
        {
            round();
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var measured = 0; measured < 1_000; measured++)
        {
            round();
        }

        return GC.GetAllocatedBytesForCurrentThread() - before;
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

    private static (LaneHandle<int>[] Handles, LaneReader<int> Reader) CreateLanes(int laneCount)
    {
        var set = new LaneSet<int>(laneCount, capacity: null, new QuietLaneListener());
        var handles = Enumerable.Range(0, laneCount).Select(_ => LaneHandle<int>.CreateUncounted(set)).ToArray();
        return (handles, new LaneReader<int>(set));
    }
}
