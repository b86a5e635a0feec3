using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace Spillway.Benchmarks;

/// <summary>
/// One contestant of the throughput benchmark, ready to run rounds: a channel, its producer threads and its reader.
/// A round is <c>messages</c> ints sent by <c>producers</c> dedicated threads (an equal share each) and read by one
/// reader. The channel and the threads live across rounds, so a round measures the steady state.
/// </summary>
internal sealed class ThroughputRig : IDisposable
{
    /// <summary>The bounded BCL channel's capacity.</summary>
    public const int BoundedCapacity = 1024;

    /// <summary>The spillway channels' lane count (the crate's default, and the largest producer count measured).</summary>
    public const int SpillwayLanes = 8;

    private readonly ProducerGang _gang;
    private readonly Func<ValueTask<long>> _readRound;
    private readonly Action _close;

    private ThroughputRig(ProducerGang gang, Func<ValueTask<long>> readRound, Action close)
    {
        _gang = gang;
        _readRound = readRound;
        _close = close;
    }

    /// <summary>The baseline: <c>Channel.CreateUnbounded&lt;int&gt;()</c>, default options; producers share its writer.</summary>
    public static ThroughputRig BclUnbounded(int producers, int messages) =>
        ForBcl(Channel.CreateUnbounded<int>(), producers, messages);

    /// <summary>The BCL's fastest unbounded variant, the single-consumer channel (<c>SingleReader = true</c>).</summary>
    public static ThroughputRig BclUnboundedSingleReader(int producers, int messages) =>
        ForBcl(Channel.CreateUnbounded<int>(new UnboundedChannelOptions { SingleReader = true }), producers, messages);

    /// <summary>A bounded BCL channel, <see cref="BoundedCapacity"/> items, <see cref="BoundedChannelFullMode.Wait"/>.</summary>
    public static ThroughputRig BclBounded(int producers, int messages) =>
        ForBcl(
            Channel.CreateBounded<int>(new BoundedChannelOptions(BoundedCapacity) { FullMode = BoundedChannelFullMode.Wait }),
            producers,
            messages);

    /// <summary>An unbounded spillway channel; every producer has its own handle, so its own lane.</summary>
    public static ThroughputRig Spillway(int producers, int messages) => ForSpillway(producers, messages, batches: false);

    /// <summary>As <see cref="Spillway"/>, the reader taking whole lane batches with <c>TryReadBatch</c>.</summary>
    public static ThroughputRig SpillwayBatch(int producers, int messages) => ForSpillway(producers, messages, batches: true);

    /// <summary>Runs one round: releases the producers, reads every message, waits for the producers to return.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<long> RunRoundAsync()
    {
        _gang.Start();
        var sum = await _readRound();
        _gang.WaitForProducers();
        return sum;
    }

    /// <summary>Stops the producer threads and closes the channel.</summary>
    public void Dispose()
    {
        _gang.Dispose();
        _close();
    }

    private static ThroughputRig ForBcl(Channel<int> channel, int producers, int messages)
    {
        var perProducer = SharePerProducer(producers, messages);
        var writer = channel.Writer;
        var gang = new ProducerGang(producers, _ =>
        {
            for (var i = 0; i < perProducer; i++)
            {
                // TryWrite first, as BoundedChannel's own WriteAsync does; wait only when a bounded channel is full.
                // The unbounded channels always accept.
                while (!writer.TryWrite(i))
                {
                    WaitToWrite(writer);
                }
            }
        });
        return new ThroughputRig(gang, () => ReadLoops.ReadAsync(channel.Reader, messages), () => writer.TryComplete());
    }

    private static ThroughputRig ForSpillway(int producers, int messages, bool batches)
    {
        var perProducer = SharePerProducer(producers, messages);
        var (first, receiver) = SpillwayChannel.Create<int>(new SpillwayChannelOptions { Lanes = SpillwayLanes });
        var senders = new Sender<int>[producers];
        senders[0] = first;
        for (var i = 1; i < producers; i++)
        {
            senders[i] = first.Clone();
        }

        var gang = new ProducerGang(producers, index =>
        {
            var sender = senders[index];
            for (var i = 0; i < perProducer; i++)
            {
                sender.Send(i);
            }
        });
        Func<ValueTask<long>> read = batches
            ? () => ReadLoops.ReadBatchesAsync(receiver, messages)
            : () => ReadLoops.ReadAsync(receiver, messages);
        return new ThroughputRig(gang, read, () =>
        {
            foreach (var sender in senders)
            {
                sender.Dispose();
            }

            receiver.Dispose();
        });
    }

    /// <summary>Blocks a producer thread until the channel has room (the synchronous form of FullMode Wait).</summary>
    private static void WaitToWrite(ChannelWriter<int> writer)
    {
        var wait = writer.WaitToWriteAsync();
        var open = wait.IsCompletedSuccessfully ? wait.Result : wait.AsTask().GetAwaiter().GetResult();
        if (!open)
        {
            throw new ChannelClosedException();
        }
    }

    private static int SharePerProducer(int producers, int messages)
    {
        if (producers < 1 || messages % producers != 0)
        {
            throw new ArgumentException($"{messages} messages do not split evenly across {producers} producers.", nameof(producers));
        }

        return messages / producers;
    }
}
