using System.Runtime.CompilerServices;

namespace Spillway.Tests;

/// <summary>
/// The reader's batch storage: an idle or lightly used reader keeps the tiny array a lane first grows, and a busy reader
/// of one-message batches gets storage of at least a cache line, once, so that the tiny arrays of two mailboxes worked
/// on two cores never share a cache line. Messages keep their order across the change.
/// </summary>
public sealed class LaneReaderStorageTests
{
    [Test]
    public void TryRead_ManyOneMessageBatches_StorageGrowsToACacheLineAndOrderHolds()
    {
        var (handle, reader) = CreateLane<int>();

        var read = new List<int>();
        for (var i = 0; i < 200; i++)
        {
            handle.TryAppend(i);
            Assert.That(reader.TryRead(out var message), Is.True);
            read.Add(message);
        }

        Assert.That(read, Is.EqualTo(Enumerable.Range(0, 200)));
        Assert.That(reader.StorageLength, Is.GreaterThanOrEqualTo(64 / sizeof(int)));
    }

    [Test]
    public void TryRead_ReferenceMessages_StorageGrowsToEightReferences()
    {
        var (handle, reader) = CreateLane<string>();

        for (var i = 0; i < 200; i++)
        {
            handle.TryAppend(i.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Assert.That(reader.TryRead(out var message), Is.True);
            Assert.That(message, Is.EqualTo(i.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }

        Assert.That(reader.StorageLength, Is.GreaterThanOrEqualTo(8));
    }

    [Test]
    public void TryRead_FewBatches_KeepsTheTinyStorage()
    {
        var (handle, reader) = CreateLane<int>();

        for (var i = 0; i < 10; i++)
        {
            handle.TryAppend(i);
            Assert.That(reader.TryRead(out _), Is.True);
        }

        // Below a cache line: an actor that handled a few messages holds no more memory than before.
        Assert.That(reader.StorageLength, Is.LessThan(64 / sizeof(int)));
    }

    [Test]
    public void TryRead_OneMessageLaneWithStorageOfACacheLine_IsCopiedOut_AndNoStorageMoves()
    {
        var (handle, reader) = CreateLane<int>();
        WarmUpToCacheLineStorage(handle, ref reader);
        var laneStorage = reader.Set.Lanes[0]!.StorageForTest;
        var before = GC.GetAllocatedBytesForCurrentThread();

        // No assertion inside the loop: the constraints allocate.
        var inOrder = 0;
        for (var i = 0; i < 1_000; i++)
        {
            handle.TryAppend(i);
            if (reader.TryRead(out var message) && message == i)
            {
                inOrder++;
            }
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.That(inOrder, Is.EqualTo(1_000));
        Assert.That(reader.Set.Lanes[0]!.StorageForTest, Is.SameAs(laneStorage), "one-message takes copy the message out and leave the lane its storage");
        Assert.That(allocated, Is.Zero);
    }

    [Test]
    public void TryRead_OneMessageTakesBetweenBatchesAndTaggedMessages_KeepOrderAndTags()
    {
        var (handle, reader) = CreateLane<int>();
        WarmUpToCacheLineStorage(handle, ref reader);
        var next = 0;
        var tags = new Dictionary<int, object>();
        for (var round = 0; round < 300; round++)
        {
            // One message, then a batch of round % 5 + 2, and every third single message tagged.
            var single = next++;
            if (round % 3 == 0)
            {
                tags[single] = new object();
                handle.TryAppendTagged(single, tags[single]);
            }
            else
            {
                handle.TryAppend(single);
            }

            Assert.That(reader.TryRead(out var message), Is.True);
            Assert.That(message, Is.EqualTo(single));
            Assert.That(reader.TakeTagOfLastRead(), Is.SameAs(tags.GetValueOrDefault(single)), $"message {single}");

            var batch = (round % 5) + 2;
            for (var i = 0; i < batch; i++)
            {
                handle.TryAppend(next + i);
            }

            for (var i = 0; i < batch; i++)
            {
                Assert.That(reader.TryRead(out message), Is.True);
                Assert.That(message, Is.EqualTo(next + i));
                Assert.That(reader.TakeTagOfLastRead(), Is.Null);
            }

            next += batch;
        }

        Assert.That(reader.TryRead(out _), Is.False);
    }

    [Test]
    public void TryRead_OneMessageTakeOfAReference_KeepsNoReferenceOnceRecycled()
    {
        var (handle, reader) = CreateLane<object>();
        WarmUpToCacheLineStorage(handle, ref reader);

        var handedOver = SendAndReadOne(handle, ref reader);

        // The next look recycles the batch; neither the lane nor the reader may keep the message alive after that.
        Assert.That(reader.TryRead(out _), Is.False);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        Assert.That(handedOver.IsAlive, Is.False);
    }

    /// <summary>Sends one message through a lane and reads it back, leaving no strong reference on this frame.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference SendAndReadOne(LaneHandle<object> handle, ref LaneReader<object> reader)
    {
        var message = new object();
        handle.TryAppend(message);
        Assert.That(reader.TryRead(out var read), Is.True);
        Assert.That(read, Is.SameAs(message));
        return new WeakReference(message);
    }

    /// <summary>Enough one-message takes that the reader and the lane both hold storage of a cache line or more (see Recycle).</summary>
    private static void WarmUpToCacheLineStorage<T>(LaneHandle<T> handle, ref LaneReader<T> reader)
    {
        for (var i = 0; i < 300; i++)
        {
            handle.TryAppend(default!);
            Assert.That(reader.TryRead(out _), Is.True);
        }

        Assert.That(reader.Set.Lanes[0]!.StorageLength, Is.GreaterThanOrEqualTo(64 / Math.Max(1, System.Runtime.CompilerServices.Unsafe.SizeOf<T>())));
    }

    private static (LaneHandle<T> Handle, LaneReader<T> Reader) CreateLane<T>()
    {
        var set = new LaneSet<T>(laneCount: 1, capacity: null, new QuietLaneListener());
        return (LaneHandle<T>.CreateUncounted(set), new LaneReader<T>(set));
    }
}
