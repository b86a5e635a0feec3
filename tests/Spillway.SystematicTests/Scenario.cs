using Microsoft.Coyote.Specifications;

namespace Spillway.SystematicTests;

/// <summary>Helpers shared by the scenarios: message numbering, reading to the end, delivery checks.</summary>
/// <remarks>
/// Everything here runs inside a Coyote test, so properties are checked with <c>Specification.Assert</c>
/// (a failure is a bug in the report, with a replayable trace) rather than with NUnit asserts.
/// Concurrency comes from <see cref="Task.Run(Func{Task})"/>, which Coyote controls. Tasks are awaited one by one:
/// <c>Task.WhenAll(a, b)</c> binds to the <c>params ReadOnlySpan&lt;Task&gt;</c> overload on .NET 10, which Coyote
/// 1.7.11 does not rewrite (it reports it as an uncontrolled invocation).
/// </remarks>
internal static class Scenario
{
    private const int SenderStride = 100;

    /// <summary>Gets the message that sender <paramref name="sender"/> sends as its <paramref name="sequence"/>th (from 1).</summary>
    public static int Message(int sender, int sequence) => (sender * SenderStride) + sequence;

    /// <summary>Gets which sender sent <paramref name="message"/>.</summary>
    public static int SenderOf(int message) => message / SenderStride;

    /// <summary>Reads with <c>WaitToReadAsync</c> and <c>TryRead</c> until the channel reports completion.</summary>
    public static async Task<List<int>> ReadToEndAsync(Receiver<int> receiver)
    {
        var received = new List<int>();
        while (await receiver.WaitToReadAsync())
        {
            while (receiver.TryRead(out var message))
            {
                received.Add(message);
            }
        }

        return received;
    }

    /// <summary>
    /// Checks exactly-once delivery in per-sender order: for every sender, the messages received from it are exactly
    /// the ones it had accepted, in the order it sent them, and nothing else was received.
    /// </summary>
    public static void AssertDelivered(IReadOnlyList<int> received, params IReadOnlyList<int>[] acceptedBySender)
    {
        var expectedTotal = 0;
        for (var sender = 0; sender < acceptedBySender.Length; sender++)
        {
            var fromSender = received.Where(m => SenderOf(m) == sender).ToList();
            var accepted = acceptedBySender[sender];
            Specification.Assert(
                fromSender.SequenceEqual(accepted),
                $"sender {sender}: accepted [{string.Join(", ", accepted)}] but the reader got [{string.Join(", ", fromSender)}]");
            expectedTotal += accepted.Count;
        }

        Specification.Assert(
            received.Count == expectedTotal,
            $"received {received.Count} messages, {expectedTotal} were accepted: [{string.Join(", ", received)}]");
    }

    /// <summary>Checks that the channel holds nothing and says so to every kind of read.</summary>
    public static void AssertEmptyAndComplete(Receiver<int> receiver)
    {
        Specification.Assert(receiver.Count == 0, $"{receiver.Count} messages are still queued at the end");
        Specification.Assert(!receiver.TryRead(out var stale), $"TryRead returned {stale} after the end");
        var wait = receiver.WaitToReadAsync();
        Specification.Assert(wait.IsCompleted && !wait.Result, "WaitToReadAsync must report the end at once");
        Specification.Assert(receiver.Completion.IsCompleted, "Completion must be complete at the end");
    }
}
