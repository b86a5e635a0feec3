namespace Spillway.Tests;

/// <summary>
/// Lane and reader storage follows the live work, not the past peak: a parked channel reader gives back what a burst
/// left behind, steady small traffic after a burst sheds the burst's arrays at the swaps, and a trim leaves lanes that
/// hold messages alone. Steady bursts reuse the storage a parked reader kept weakly, so they allocate nothing.
/// </summary>
public sealed class LaneStorageTrimTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Test]
    public void WaitToReadAsync_ParkedAfterMillionMessageBurst_KeepsUnder64KiB()
    {
        var core = new ReceiverCore<long>(lanes: 4, capacity: null);
        var sender = LaneHandle<long>.CreateFirst(core.Set);
        for (var i = 0; i < 1_000_000; i++)
        {
            sender.TryAppend(i);
        }

        ReadExactly(core, 1_000_000);
        var wait = core.WaitToReadAsync(CancellationToken.None);
        Assert.That(wait.IsCompleted, Is.False, "The reader must be parked.");

        Assert.That(StorageBytes(core), Is.LessThan(64 * 1024));

        // Still a working channel: the parked reader wakes for the next message and reads it.
        sender.TryAppend(42);
        var woken = wait.AsTask();
        Assert.That(woken.Wait(Timeout) && woken.Result, Is.True);
        Assert.That(core.TryRead(out var item) ? item : -1, Is.EqualTo(42));
    }

    [Test]
    public void WaitToReadAsync_ConcurrentBurstFromFourSenders_ParkedReaderKeepsUnder64KiB()
    {
        // Senders and reader at once: storage trades places between lanes and reader on every swap.
        var core = new ReceiverCore<long>(lanes: 4, capacity: null);
        var first = LaneHandle<long>.CreateFirst(core.Set);
        var senders = new[] { first, LaneHandle<long>.TryCreateCounted(core.Set)!, LaneHandle<long>.TryCreateCounted(core.Set)!, LaneHandle<long>.TryCreateCounted(core.Set)! };
        const int PerSender = 250_000;
        var writers = senders.Select(handle => Task.Run(() =>
        {
            for (var i = 0; i < PerSender; i++)
            {
                handle.TryAppend(i);
            }
        })).ToArray();

        var reading = Task.Run(async () =>
        {
            var received = 0;
            while (received < PerSender * senders.Length)
            {
                while (core.TryRead(out _))
                {
                    received++;
                }

                if (received < PerSender * senders.Length)
                {
                    await core.WaitToReadAsync(CancellationToken.None);
                }
            }
        });
        Assert.That(Task.WaitAll([.. writers, reading], Timeout), Is.True);

        var wait = core.WaitToReadAsync(CancellationToken.None);
        Assert.That(wait.IsCompleted, Is.False, "The reader must be parked.");
        Assert.That(StorageBytes(core), Is.LessThan(64 * 1024));
    }

    [Test]
    public void WaitToReadAsync_RepeatedBurstsAfterWarmUp_AllocateNothing()
    {
        // Hysteresis: the parking trim keeps the burst's storage weakly, and the next burst takes it back.
        var core = new ReceiverCore<int>(lanes: 2, capacity: null);
        var sender = LaneHandle<int>.CreateFirst(core.Set);
        const int Burst = 100_000;
        for (var round = 0; round < 3; round++)
        {
            RunRound(core, sender, Burst);
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var round = 0; round < 5; round++)
        {
            RunRound(core, sender, Burst);
        }

        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.Zero);
    }

    [Test]
    public void TryRead_SmallBatchesAfterBurst_StorageShrinksAtTheSwaps()
    {
        var (handles, reader) = CreateLanes<int>(laneCount: 1, handleCount: 1);
        for (var i = 0; i < 100_000; i++)
        {
            handles[0].TryAppend(i);
        }

        for (var i = 0; i < 100_000; i++)
        {
            Assert.That(reader.TryRead(out _), Is.True);
        }

        // Steady one-message traffic: the decaying peak falls and the swap hands the lane small storage.
        for (var i = 0; i < 2_000; i++)
        {
            handles[0].TryAppend(i);
            Assert.That(reader.TryRead(out var item), Is.True);
            Assert.That(item, Is.EqualTo(i));
        }

        Assert.That(reader.StorageLength, Is.LessThanOrEqualTo(1024));
        Assert.That(reader.Set.Lanes[0]!.StorageLength, Is.LessThanOrEqualTo(1024));
    }

    [Test]
    public void TryRead_SteadyMediumBatches_KeepTheirStorage()
    {
        // Batches under the floor never make the swap reallocate, however they vary.
        var (handles, reader) = CreateLanes<int>(laneCount: 1, handleCount: 1);
        RunBatches(handles[0], ref reader, rounds: 50);
        var before = GC.GetAllocatedBytesForCurrentThread();
        RunBatches(handles[0], ref reader, rounds: 2_000);

        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.Zero);
    }

    [Test]
    public void TrimStorage_LaneHoldingMessages_KeepsItsStorageAndMessages()
    {
        var (handles, reader) = CreateLanes<int>(laneCount: 2, handleCount: 2);
        for (var i = 0; i < 10_000; i++)
        {
            handles[0].TryAppend(i);
            handles[1].TryAppend(i);
        }

        // Read lane 0's batch only; lane 1 still holds its messages.
        for (var i = 0; i < 10_000; i++)
        {
            Assert.That(reader.TryRead(out _), Is.True);
        }

        var trimmedAll = reader.TrimStorage(keepElements: 32, keepWeakly: false);

        Assert.That(trimmedAll, Is.False);
        Assert.That(reader.StorageLength, Is.LessThanOrEqualTo(32));
        Assert.That(reader.Set.Lanes[0]!.StorageLength, Is.LessThanOrEqualTo(32));
        Assert.That(reader.Set.Lanes[1]!.StorageLength, Is.GreaterThanOrEqualTo(10_000));
        Assert.That(reader.LargestStorageSeen, Is.GreaterThanOrEqualTo(10_000));
        for (var i = 0; i < 10_000; i++)
        {
            Assert.That(reader.TryRead(out var item) ? item : -1, Is.EqualTo(i));
        }
    }

    [Test]
    public void TrimStorage_AfterBurst_LaneGrowsAgainAndKeepsOrder()
    {
        var (handles, reader) = CreateLanes<string>(laneCount: 1, handleCount: 1);
        Burst(handles[0], ref reader, 5_000);

        Assert.That(reader.TrimStorage(keepElements: 32, keepWeakly: false), Is.True);
        Assert.That(reader.StorageLength, Is.LessThanOrEqualTo(32));
        Assert.That(reader.Set.Lanes[0]!.StorageLength, Is.LessThanOrEqualTo(32));
        Assert.That(reader.LargestStorageSeen, Is.LessThanOrEqualTo(32));

        Burst(handles[0], ref reader, 5_000);
    }

    private static void Burst(LaneHandle<string> handle, ref LaneReader<string> reader, int count)
    {
        for (var i = 0; i < count; i++)
        {
            handle.TryAppend(i.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        for (var i = 0; i < count; i++)
        {
            Assert.That(reader.TryRead(out var item) ? item : null, Is.EqualTo(i.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }
    }

    private static void RunBatches(LaneHandle<int> handle, ref LaneReader<int> reader, int rounds)
    {
        for (var round = 0; round < rounds; round++)
        {
            var size = 1 + (round * 37 % 900);
            for (var i = 0; i < size; i++)
            {
                handle.TryAppend(i);
            }

            for (var i = 0; i < size; i++)
            {
                reader.TryRead(out _);
            }
        }
    }

    private static void RunRound(ReceiverCore<int> core, LaneHandle<int> sender, int count)
    {
        for (var i = 0; i < count; i++)
        {
            sender.TryAppend(i);
        }

        ReadExactly(core, count);

        // Parks (and trims): no continuation is attached, so the wake-up below allocates nothing either.
        var wait = core.WaitToReadAsync(CancellationToken.None);
        if (wait.IsCompleted)
        {
            throw new AssertionException("The reader must be parked.");
        }

        sender.TryAppend(-1);
        if (!wait.IsCompleted || !wait.GetAwaiter().GetResult() || !core.TryRead(out _))
        {
            throw new AssertionException("The parked reader must wake for the next message.");
        }
    }

    private static void ReadExactly<T>(ReceiverCore<T> core, int count)
    {
        for (var i = 0; i < count; i++)
        {
            if (!core.TryRead(out _))
            {
                throw new AssertionException($"Only {i} of {count} messages were readable.");
            }
        }
    }

    private static long StorageBytes<T>(ReceiverCore<T> core)
    {
        long elements = core.ReaderForTest.StorageLength;
        foreach (var lane in core.Set.Lanes)
        {
            elements += lane?.StorageLength ?? 0;
        }

        return elements * System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
    }

    private static (LaneHandle<T>[] Handles, LaneReader<T> Reader) CreateLanes<T>(int laneCount, int handleCount)
    {
        var set = new LaneSet<T>(laneCount, capacity: null, new QuietLaneListener());
        var handles = Enumerable.Range(0, handleCount).Select(_ => LaneHandle<T>.CreateUncounted(set)).ToArray();
        return (handles, new LaneReader<T>(set));
    }
}
