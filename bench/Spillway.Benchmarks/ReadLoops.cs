using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace Spillway.Benchmarks;

/// <summary>
/// The reader side of every channel contestant: take what is there with <c>TryRead</c>, park in
/// <c>WaitToReadAsync</c> when nothing is, until a round's messages have all arrived.
/// </summary>
/// <remarks>
/// The BCL channels and the spillway receiver go through the same method, typed as <see cref="ChannelReader{T}"/>.
/// Each benchmark case runs in its own process, so the call sites are monomorphic and dynamic PGO devirtualizes them
/// for every contestant alike. The pooling builder makes the awaits allocation-free in steady state, so the
/// allocation column shows the channel's own allocations only.
/// </remarks>
internal static class ReadLoops
{
    /// <summary>Reads exactly <paramref name="count"/> messages one at a time; returns their sum.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public static async ValueTask<long> ReadAsync(ChannelReader<int> reader, int count)
    {
        long sum = 0;
        var received = 0;
        while (true)
        {
            while (reader.TryRead(out var item))
            {
                sum += item;
                if (++received == count)
                {
                    return sum;
                }
            }

            if (!await reader.WaitToReadAsync())
            {
                throw new InvalidOperationException($"The channel completed after {received} of {count} messages.");
            }
        }
    }

    /// <summary>
    /// Reads exactly <paramref name="count"/> messages a lane batch at a time with
    /// <see cref="Receiver{T}.TryReadBatch"/>; returns their sum. The same wait as <see cref="ReadAsync"/>.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public static async ValueTask<long> ReadBatchesAsync(Receiver<int> receiver, int count)
    {
        long sum = 0;
        var received = 0;
        while (true)
        {
            received += DrainBatches(receiver, ref sum);
            if (received >= count)
            {
                return sum;
            }

            if (!await receiver.WaitToReadAsync())
            {
                throw new InvalidOperationException($"The channel completed after {received} of {count} messages.");
            }
        }
    }

    private static int DrainBatches(Receiver<int> receiver, ref long sum)
    {
        var taken = 0;
        while (receiver.TryReadBatch(out var batch))
        {
            foreach (var item in batch)
            {
                sum += item;
            }

            taken += batch.Length;
        }

        return taken;
    }
}
