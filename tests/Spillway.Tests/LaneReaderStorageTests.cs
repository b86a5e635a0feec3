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

    private static (LaneHandle<T> Handle, LaneReader<T> Reader) CreateLane<T>()
    {
        var set = new LaneSet<T>(laneCount: 1, capacity: null, new QuietLaneListener());
        return (LaneHandle<T>.CreateUncounted(set), new LaneReader<T>(set));
    }
}
