using Microsoft.Coyote.Specifications;

namespace Spillway.Actors.SystematicTests;

/// <summary>Helpers shared by the scenarios: an actor system on the Coyote-visible scheduler, and message numbering.</summary>
/// <remarks>
/// Everything here runs inside a Coyote test, so properties are checked with <c>Specification.Assert</c> (a failure is
/// a bug in the report, with a replayable trace) rather than with NUnit asserts. Concurrency comes from
/// <see cref="Task.Run(Action)"/>, which Coyote controls. Tasks are awaited one by one: <c>Task.WhenAll(a, b)</c> binds
/// to the <c>params ReadOnlySpan&lt;Task&gt;</c> overload on .NET 10, which Coyote 1.7.11 does not rewrite.
/// </remarks>
internal static class Harness
{
    private const int SenderStride = 100;

    /// <summary>Creates an actor system whose mailboxes run on <see cref="TaskRunScheduler"/>.</summary>
    /// <param name="turnSize">Messages per turn; small values make the mailbox go idle and yield often.</param>
    /// <param name="timeProvider">The clock; <see langword="null"/> for the system clock (used only for timestamps then).</param>
    public static ActorSystem CreateSystem(int turnSize, TimeProvider? timeProvider = null) =>
        ActorSystem.Create(new ActorSystemOptions
        {
            Name = "coyote",
            TurnSize = turnSize,

            // No slow-turn watchdog: it would be a real timer, which Coyote does not control. (Only the dedicated pool
            // has one today, and the override replaces it; the setting keeps it off should that change.)
            SlowTurnThreshold = TimeSpan.Zero,
            TimeProvider = timeProvider ?? TimeProvider.System,

            // No shutdown bound: it would arm a real timer (CancelAfter), which Coyote does not control.
            ShutdownTimeout = Timeout.InfiniteTimeSpan,
            SchedulerOverride = static () => new TaskRunScheduler(),
        });

    /// <summary>Gets the message that sender <paramref name="sender"/> tells as its <paramref name="sequence"/>th (from 1).</summary>
    public static int Message(int sender, int sequence) => (sender * SenderStride) + sequence;

    /// <summary>Gets which sender told <paramref name="message"/>.</summary>
    public static int SenderOf(int message) => message / SenderStride;

    /// <summary>Gets every message sender <paramref name="sender"/> tells, in order.</summary>
    public static int[] MessagesOf(int sender, int count) =>
        [.. Enumerable.Range(1, count).Select(sequence => Message(sender, sequence))];

    /// <summary>Checks that, for every sender, the messages taken from it keep the order in which it told them.</summary>
    /// <param name="processed">The messages the actor handled, in handling order.</param>
    /// <param name="senders">How many senders told.</param>
    /// <param name="prefixOnly">
    /// Accept any prefix of what the sender told (after a stop: once one message of a sender is dropped, every later one
    /// is too); otherwise require all of it.
    /// </param>
    /// <param name="told">How many messages each sender told.</param>
    public static void AssertPerSenderOrder(IReadOnlyList<int> processed, int senders, int told, bool prefixOnly)
    {
        for (var sender = 0; sender < senders; sender++)
        {
            var fromSender = processed.Where(m => SenderOf(m) == sender).ToArray();
            var expected = MessagesOf(sender, told);
            var ok = prefixOnly
                ? fromSender.SequenceEqual(expected.Take(fromSender.Length))
                : fromSender.SequenceEqual(expected);
            Specification.Assert(
                ok,
                $"sender {sender} told [{string.Join(", ", expected)}] but the actor handled [{string.Join(", ", fromSender)}]");
        }
    }

    /// <summary>Checks that no message appears twice.</summary>
    public static void AssertNoDuplicates(IReadOnlyList<int> messages, string what) =>
        Specification.Assert(
            messages.Distinct().Count() == messages.Count,
            $"a message was {what} twice: [{string.Join(", ", messages)}]");
}
