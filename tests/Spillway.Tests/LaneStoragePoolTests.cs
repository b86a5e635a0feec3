namespace Spillway.Tests;

/// <summary>
/// Lane storage recycles: a lane that grows takes the sizes other lanes (or an earlier channel) gave back, a channel
/// that ends gives its storage back, and the pool itself keeps nothing through a whole full collection unused. So
/// channels that are created, used and completed over and over allocate next to nothing per message once warm, and
/// memory still follows the live work.
/// </summary>
public sealed class LaneStoragePoolTests
{
    [Test]
    public void WriteReadComplete_RepeatedChannelsAfterWarmUp_AllocateAlmostNothingPerMessage()
    {
        // Eight senders of 20,000 ints each: every lane grows to 32,768 slots, well past the pooled minimum.
        const int Senders = 8;
        const int PerSender = 20_000;
        for (var round = 0; round < 2; round++)
        {
            RunChannel(Senders, PerSender);
        }

        const int Rounds = 10;
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var round = 0; round < Rounds; round++)
        {
            RunChannel(Senders, PerSender);
        }

        var perMessage = (GC.GetAllocatedBytesForCurrentThread() - before) / (double)(Rounds * Senders * PerSender);

        // What is left is each channel's own objects and its lanes' first small arrays (about 0.2 byte per message here);
        // storage allocated afresh would be over 10 bytes per message (doubling arrays of 4-byte ints).
        Assert.That(perMessage, Is.LessThan(1.0));
    }

    [Test]
    public void GrowReadTrim_SetThatPoolsStorage_GivesOutgrownArraysToThePool() =>
        Assert.That(GrowReadTrimAndCountPooled<ChannelProbe>(poolsStorage: true, static i => new ChannelProbe(i)), Is.GreaterThan(0));

    [Test]
    public void GrowReadTrim_MailboxSetThatDoesNotPool_GivesNothingToThePool() =>
        // An actor mailbox's set does not pool (it lives long; see Lane<T>.PoolsStorage): its lanes' outgrown and trimmed
        // arrays go to the collector, not to the process-wide pool.
        Assert.That(GrowReadTrimAndCountPooled<MailboxProbe>(poolsStorage: false, static i => new MailboxProbe(i)), Is.Zero);

    /// <summary>Grows a one-lane set past the pooled sizes, reads it dry, trims it, and counts the pool's arrays of <typeparamref name="TProbe"/>.</summary>
    private static int GrowReadTrimAndCountPooled<TProbe>(bool poolsStorage, Func<int, TProbe> create)
    {
        var set = new LaneSet<TProbe>(1, capacity: null, new QuietLaneListener(), poolsStorage: poolsStorage);
        var handle = LaneHandle<TProbe>.CreateUncounted(set);
        var reader = new LaneReader<TProbe>(set);
        for (var i = 0; i < 20_000; i++)
        {
            handle.TryAppend(create(i));
        }

        while (reader.TryRead(out _))
        {
        }

        reader.TrimStorage(keepElements: 0, keepWeakly: false);
        return LaneStorage<TProbe>.PooledCountForTest();
    }

    [Test]
    public void WriteRead_BurstsBetweenSmallTrafficOnOneChannel_AllocateNothingOnceWarm()
    {
        // Each cycle grows the lane for a burst, then sheds the burst's storage at the swaps as one-message traffic lets
        // the recent peak decay: every array that changes hands on the way comes from and goes back to the pool.
        var (sender, receiver) = SpillwayChannel.Create<int>();
        for (var cycle = 0; cycle < 3; cycle++)
        {
            RunBurstCycle(sender, receiver);
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var cycle = 0; cycle < 5; cycle++)
        {
            RunBurstCycle(sender, receiver);
        }

        // Generous: a steady state allocates nothing at all; storage allocated afresh would be hundreds of kilobytes.
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.LessThan(1024));
    }

    [Test]
    public void WaitToReadAsync_DrainedAfterLastSenderLeft_ChannelHoldsNoStorage()
    {
        var core = new ReceiverCore<long>(lanes: 2, capacity: null);
        var first = LaneHandle<long>.CreateFirst(core.Set);
        var second = LaneHandle<long>.TryCreateCounted(core.Set)!;
        for (var i = 0; i < 100_000; i++)
        {
            first.TryAppend(i);
            second.TryAppend(i);
        }

        first.Release(error: null);
        second.Release(error: null);
        var read = 0;
        while (core.TryRead(out _))
        {
            read++;
        }

        var wait = core.WaitToReadAsync(CancellationToken.None);

        Assert.That(read, Is.EqualTo(200_000));
        Assert.That(wait.IsCompletedSuccessfully && !wait.Result, Is.True, "The channel must be complete.");
        Assert.That(StorageElements(core), Is.Zero);
    }

    [Test]
    public void WaitToReadAsync_ParkedWhenLastSenderLeaves_ChannelHoldsNoStorage()
    {
        // Under what a parking reader keeps (16 KiB an array), so the park alone gives nothing back.
        var core = new ReceiverCore<long>(lanes: 1, capacity: null);
        var sender = LaneHandle<long>.CreateFirst(core.Set);
        for (var i = 0; i < 1_500; i++)
        {
            sender.TryAppend(i);
        }

        while (core.TryRead(out _))
        {
        }

        var wait = core.WaitToReadAsync(CancellationToken.None);
        Assert.That(wait.IsCompleted, Is.False, "The reader must be parked.");

        sender.Release(error: null);

        Assert.That(wait.IsCompletedSuccessfully && !wait.Result, Is.True, "The parked wait must end with the channel.");
        Assert.That(StorageElements(core), Is.Zero);
    }

    [Test]
    public void Rent_AfterReturn_TakesTheSameArrayBack()
    {
        var given = new PoolProbe[LaneStorage<PoolProbe>.PooledMinimum * 2];
        LaneStorage<PoolProbe>.Return(given);

        var taken = LaneStorage<PoolProbe>.Rent(given.Length - 1);
        var next = LaneStorage<PoolProbe>.Rent(given.Length);

        Assert.That(taken, Is.SameAs(given));
        Assert.That(next, Is.Not.SameAs(given), "An array is handed out once.");
    }

    [Test]
    public void Return_TypeWithReferences_PoolsNothing()
    {
        LaneStorage<string>.Return(new string[1 << 16]);

        Assert.That(LaneStorage<string>.PooledCountForTest(), Is.Zero);
    }

    [Test]
    public void Return_MoreThanTheSlotsOfOneLength_KeepsOnlyTheSlots()
    {
        for (var i = 0; i < LaneStorage<TrimProbe>.SlotsPerLength + 5; i++)
        {
            LaneStorage<TrimProbe>.Return(new TrimProbe[LaneStorage<TrimProbe>.PooledMinimum * 4]);
        }

        Assert.That(LaneStorage<TrimProbe>.PooledCountForTest(), Is.EqualTo(LaneStorage<TrimProbe>.SlotsPerLength));
        while (LaneStorage<TrimProbe>.PooledCountForTest() > 0)
        {
            LaneStorage<TrimProbe>.Rent(LaneStorage<TrimProbe>.PooledMinimum * 4);
        }
    }

    [Test]
    public void TrimAfterFullCollection_ArrayUnusedThroughAFullCollectionAndASecond_IsDropped()
    {
        LaneStorage<AgeProbe>.Return(new AgeProbe[LaneStorage<AgeProbe>.PooledMinimum]);
        var later = Environment.TickCount64 + LaneStorage<AgeProbe>.MinimumIdleMilliseconds + 1;
        LaneStorage<AgeProbe>.TrimAfterFullCollection(later);
        Assert.That(LaneStorage<AgeProbe>.PooledCountForTest(), Is.EqualTo(1), "Given back since the last full collection: kept.");

        // Two full collections: the array sat unused through a whole one (and, on the clock passed, for over a second).
        GC.Collect();
        GC.Collect();
        LaneStorage<AgeProbe>.TrimAfterFullCollection(later);

        Assert.That(LaneStorage<AgeProbe>.PooledCountForTest(), Is.Zero);
    }

    [Test]
    public void TrimAfterFullCollection_GivenBackWithinTheMinimumIdle_IsKept()
    {
        var givenBackAt = Environment.TickCount64;
        LaneStorage<FreshProbe>.Return(new FreshProbe[LaneStorage<FreshProbe>.PooledMinimum]);

        // A program that collects often: two full collections right after the array was given back.
        GC.Collect();
        GC.Collect();
        LaneStorage<FreshProbe>.TrimAfterFullCollection(givenBackAt);

        Assert.That(LaneStorage<FreshProbe>.PooledCountForTest(), Is.EqualTo(1));
    }

    private static void RunChannel(int senders, int perSender)
    {
        var (sender, receiver) = SpillwayChannel.Create<int>();
        var all = new Sender<int>[senders];
        all[0] = sender;
        for (var s = 1; s < senders; s++)
        {
            all[s] = sender.Clone();
        }

        foreach (var handle in all)
        {
            for (var i = 0; i < perSender; i++)
            {
                handle.TryWrite(i);
            }
        }

        var read = 0;
        while (receiver.TryRead(out _))
        {
            read++;
        }

        foreach (var handle in all)
        {
            handle.Dispose();
        }

        // The reader sees the end itself, and gives the storage back.
        var more = receiver.WaitToReadAsync();
        if (read != senders * perSender || !more.IsCompletedSuccessfully || more.Result)
        {
            throw new AssertionException($"Read {read} messages; the channel must be complete and drained.");
        }
    }

    private static void RunBurstCycle(Sender<int> sender, Receiver<int> receiver)
    {
        const int Burst = 20_000;
        for (var i = 0; i < Burst; i++)
        {
            sender.TryWrite(i);
        }

        for (var i = 0; i < Burst; i++)
        {
            if (!receiver.TryRead(out var item) || item != i)
            {
                throw new AssertionException($"Burst message {i} was not read in order.");
            }
        }

        for (var i = 0; i < 1_000; i++)
        {
            sender.TryWrite(i);
            if (!receiver.TryRead(out var item) || item != i)
            {
                throw new AssertionException($"Message {i} after the burst was not read.");
            }
        }
    }

    private static long StorageElements<T>(ReceiverCore<T> core)
    {
        long elements = core.ReaderForTest.StorageLength;
        foreach (var lane in core.Set.Lanes)
        {
            elements += lane?.StorageLength ?? 0;
        }

        return elements;
    }

    /// <summary>A reference-free type no other test pools, so the pool of its arrays is this test's alone.</summary>
    private readonly record struct PoolProbe(int Value);

    /// <summary>As <see cref="PoolProbe"/>, for the slot-count test.</summary>
    private readonly record struct TrimProbe(int Value);

    /// <summary>As <see cref="PoolProbe"/>, for the keep test.</summary>
    private readonly record struct FreshProbe(int Value);

    /// <summary>As <see cref="PoolProbe"/>, for the trim test.</summary>
    private readonly record struct AgeProbe(int Value);

    /// <summary>A reference-free message type only the mailbox case of <see cref="GrowReadTrimAndCountPooled"/> uses.</summary>
    private readonly record struct MailboxProbe(long Value);

    /// <summary>A reference-free message type only the channel case of <see cref="GrowReadTrimAndCountPooled"/> uses.</summary>
    private readonly record struct ChannelProbe(long Value);
}
