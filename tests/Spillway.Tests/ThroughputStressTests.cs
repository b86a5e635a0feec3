namespace Spillway.Tests;

/// <summary>
/// Many producers, one reader, millions of messages: every producer's messages arrive exactly once and in its order,
/// read one at a time or a lane batch at a time. Each message carries its producer and sequence number. The CI size
/// finishes in seconds; the <c>Stress</c> category holds the long form, run by hand.
/// </summary>
/// <remarks>
/// Producers run on dedicated threads (<see cref="TaskCreationOptions.LongRunning"/>): eight blocking producers on the
/// thread pool of a two-core machine would starve the reader's continuations. Nothing here measures speed.
/// </remarks>
public sealed class ThroughputStressTests
{
    private const int Producers = 8;
    private const int CiMessagesPerProducer = 1_000_000;
    private const int LongMessagesPerProducer = 10_000_000;

    /// <summary>A long-form run may queue this many messages at most (the bound keeps its memory in check).</summary>
    private const int LongFormCapacity = 1 << 20;

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan LongTimeout = TimeSpan.FromMinutes(10);

    [Test]
    public Task Send_EightProducersOneReaderReadingOneByOne_EveryMessageOnceInProducerOrder() =>
        RunAsync(new SpillwayChannelOptions(), CiMessagesPerProducer, ReadOneByOneAsync, Timeout);

    [Test]
    public Task Send_EightProducersOneReaderReadingBatches_EveryMessageOnceInProducerOrder() =>
        RunAsync(new SpillwayChannelOptions(), CiMessagesPerProducer, ReadBatchesAsync, Timeout);

    [Test]
    public Task Send_EightProducersOnThreeLanes_EveryMessageOnceInProducerOrder() =>
        RunAsync(new SpillwayChannelOptions { Lanes = 3 }, CiMessagesPerProducer / 4, ReadOneByOneAsync, Timeout);

    [Test]
    public Task WriteAsync_EightProducersThroughABoundedChannel_EveryMessageOnceInProducerOrder() =>
        RunAsync(new SpillwayChannelOptions { Capacity = 1_000 }, CiMessagesPerProducer / 8, ReadOneByOneAsync, Timeout);

    [Test]
    [Category("Stress")]
    [Explicit("Long form of the CI stress test; run by hand.")]
    public Task Send_EightProducersOneReaderReadingOneByOne_LongForm() =>
        RunAsync(new SpillwayChannelOptions { Capacity = LongFormCapacity }, LongMessagesPerProducer, ReadOneByOneAsync, LongTimeout);

    [Test]
    [Category("Stress")]
    [Explicit("Long form of the CI stress test; run by hand.")]
    public Task Send_EightProducersOneReaderReadingBatches_LongForm() =>
        RunAsync(new SpillwayChannelOptions { Capacity = LongFormCapacity }, LongMessagesPerProducer, ReadBatchesAsync, LongTimeout);

    [Test]
    [Category("Stress")]
    [Explicit("Long form of the CI stress test; run by hand.")]
    public Task Send_EightProducersOnThreeLanes_LongForm() =>
        RunAsync(new SpillwayChannelOptions { Lanes = 3, Capacity = LongFormCapacity }, LongMessagesPerProducer, ReadOneByOneAsync, LongTimeout);

    private static async Task RunAsync(
        SpillwayChannelOptions options,
        int messagesPerProducer,
        Func<Receiver<long>, MessageChecker, Task> read,
        TimeSpan timeout)
    {
        var (first, receiver) = SpillwayChannel.Create<long>(options);
        var senders = new Sender<long>[Producers];
        senders[0] = first;
        for (var p = 1; p < Producers; p++)
        {
            senders[p] = first.Clone();
        }

        var checker = new MessageChecker(Producers);
        var reading = Task.Run(() => read(receiver, checker));
        var producing = senders
            .Select((sender, producer) => Task.Factory.StartNew(
                () => Produce(sender, producer, messagesPerProducer),
                CancellationToken.None,
                TaskCreationOptions.LongRunning,
                TaskScheduler.Default))
            .ToArray();

        await Task.WhenAll(producing).WaitAsync(timeout);
        await reading.WaitAsync(timeout);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(checker.FirstFault, Is.Null);
            Assert.That(checker.Next, Is.All.EqualTo(messagesPerProducer), "messages received per producer");
            Assert.That(receiver.Completion.IsCompletedSuccessfully, Is.True);
        }
    }

    /// <summary>Sends <paramref name="count"/> messages, then disposes the handle. Waits for room only when bounded.</summary>
    private static void Produce(Sender<long> sender, int producer, int count)
    {
        for (var sequence = 0; sequence < count; sequence++)
        {
            var message = MessageChecker.Encode(producer, sequence);
            if (!sender.TryWrite(message))
            {
                // Bounded and full: this is a dedicated thread, so blocking on the wait costs nobody else.
                sender.WriteAsync(message).AsTask().GetAwaiter().GetResult();
            }
        }

        sender.Dispose();
    }

    private static async Task ReadOneByOneAsync(Receiver<long> receiver, MessageChecker checker)
    {
        await foreach (var message in receiver.ReadAllAsync())
        {
            checker.Check(message);
        }
    }

    private static async Task ReadBatchesAsync(Receiver<long> receiver, MessageChecker checker)
    {
        while (await receiver.WaitToReadAsync())
        {
            CheckEveryBatch(receiver, checker);
        }
    }

    /// <summary>Synchronous so the span never lives across an await.</summary>
    private static void CheckEveryBatch(Receiver<long> receiver, MessageChecker checker)
    {
        while (receiver.TryReadBatch(out var batch))
        {
            foreach (var message in batch)
            {
                checker.Check(message);
            }
        }
    }

    /// <summary>
    /// Checks that each producer's sequence numbers arrive as 0, 1, 2, ...: a gap is a lost message, a repeat or a step
    /// back is a duplicate or a reordering. Used by the one reader only.
    /// </summary>
    private sealed class MessageChecker(int producers)
    {
        /// <summary>Gets the sequence number expected next from each producer: at the end, how many arrived.</summary>
        public int[] Next { get; } = new int[producers];

        /// <summary>Gets a description of the first wrong message, or <see langword="null"/>.</summary>
        public string? FirstFault { get; private set; }

        public static long Encode(int producer, int sequence) => ((long)producer << 32) | (uint)sequence;

        public void Check(long message)
        {
            var producer = (int)(message >> 32);
            var sequence = (int)message;
            if ((uint)producer >= (uint)Next.Length)
            {
                FirstFault ??= $"message from unknown producer {producer}";
                return;
            }

            var expected = Next[producer];
            if (sequence != expected)
            {
                FirstFault ??= $"producer {producer}: expected sequence {expected}, got {sequence}";
            }

            Next[producer] = sequence + 1;
        }
    }
}
