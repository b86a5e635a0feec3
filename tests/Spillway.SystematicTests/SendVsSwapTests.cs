using Microsoft.Coyote.Specifications;

namespace Spillway.SystematicTests;

/// <summary>
/// Senders appending to their lanes while the reader swaps whole lanes out: the lane lock and the reader's scan.
/// </summary>
public class SendVsSwapTests
{
    /// <summary>
    /// Three handles on two lanes (handles 0 and 2 share lane 0), sending with <c>Send</c> and <c>SendMany</c> while the
    /// reader takes batches. Each batch must come from one lane, a <c>SendMany</c> batch must never be split, and every
    /// message must arrive exactly once in its sender's order.
    /// </summary>
    internal static async Task SendersAndBatchReaderAsync()
    {
        var (first, receiver) = SpillwayChannel.Create<int>(new SpillwayChannelOptions { Lanes = 2 });
        var second = first.Clone();
        var third = first.Clone();

        var reader = Task.Run(async () =>
        {
            var batches = new List<int[]>();
            while (await receiver.WaitToReadAsync())
            {
                while (receiver.TryReadBatch(out var batch))
                {
                    batches.Add(batch.ToArray());
                }
            }

            return batches;
        });

        var a = Task.Run(() =>
        {
            first.Send(Scenario.Message(0, 1));
            first.Send(Scenario.Message(0, 2));
            first.Send(Scenario.Message(0, 3));
            first.Dispose();
        });
        var b = Task.Run(() =>
        {
            second.SendMany([Scenario.Message(1, 1), Scenario.Message(1, 2)]);
            second.Send(Scenario.Message(1, 3));
            second.Dispose();
        });
        var c = Task.Run(() =>
        {
            third.Send(Scenario.Message(2, 1));
            third.Send(Scenario.Message(2, 2));
            third.Dispose();
        });

        await a;
        await b;
        await c;
        var batches = await reader;

        foreach (var batch in batches)
        {
            // Lane 0 carries senders 0 and 2, lane 1 carries sender 1: a batch is one lane's queue.
            var lanes = batch.Select(m => Scenario.SenderOf(m) == 1 ? 1 : 0).Distinct().Count();
            Specification.Assert(lanes == 1, $"batch [{string.Join(", ", batch)}] mixes lanes");
        }

        Specification.Assert(
            batches.Any(batch => batch.Contains(Scenario.Message(1, 1)) && batch.Contains(Scenario.Message(1, 2))),
            "the SendMany batch of sender 1 was split across reads");

        Scenario.AssertDelivered(
            batches.SelectMany(batch => batch).ToList(),
            [Scenario.Message(0, 1), Scenario.Message(0, 2), Scenario.Message(0, 3)],
            [Scenario.Message(1, 1), Scenario.Message(1, 2), Scenario.Message(1, 3)],
            [Scenario.Message(2, 1), Scenario.Message(2, 2)]);
        Scenario.AssertEmptyAndComplete(receiver);
    }

    /// <summary>Two handles on two lanes sending one message at a time while the reader reads one message at a time.</summary>
    internal static async Task TwoSendersAndItemReaderAsync()
    {
        var (first, receiver) = SpillwayChannel.Create<int>(new SpillwayChannelOptions { Lanes = 2 });
        var second = first.Clone();
        var reader = Task.Run(() => Scenario.ReadToEndAsync(receiver));
        var a = Task.Run(() =>
        {
            for (var i = 1; i <= 3; i++)
            {
                first.Send(Scenario.Message(0, i));
            }

            first.Dispose();
        });
        var b = Task.Run(() =>
        {
            for (var i = 1; i <= 3; i++)
            {
                second.Send(Scenario.Message(1, i));
            }

            second.Dispose();
        });

        await a;
        await b;
        Scenario.AssertDelivered(
            await reader,
            [Scenario.Message(0, 1), Scenario.Message(0, 2), Scenario.Message(0, 3)],
            [Scenario.Message(1, 1), Scenario.Message(1, 2), Scenario.Message(1, 3)]);
        Scenario.AssertEmptyAndComplete(receiver);
    }

    [Test]
    public void SendVsSwap_TwoHandlesAndItemReader_EveryMessageOnceInSenderOrder() =>
        Systematic.AssertNoBug(TwoSendersAndItemReaderAsync, Budget.Iterations, Budget.MaxSteps);

    [Test]
    public void SendVsSwap_SharedLaneSendManyAndBatchReader_BatchesWholeAndInOrder() =>
        Systematic.AssertNoBug(SendersAndBatchReaderAsync, Budget.Iterations, Budget.MaxSteps);
}
