using Microsoft.Coyote.Specifications;
using Microsoft.Extensions.Time.Testing;

namespace Spillway.Actors.SystematicTests;

/// <summary>
/// An ask's reply racing its time-out: the actor answers through <see cref="Reply{T}"/> while another task advances a
/// <see cref="FakeTimeProvider"/> past the time-out, which fires the system's ask time-out timer on that task. The ask must complete
/// exactly once, with the reply or a <see cref="TimeoutException"/>, and never hang; a late reply is ignored.
/// </summary>
/// <remarks>
/// <para>
/// <see cref="FakeTimeProvider"/> is not rewritten: its timers are plain objects whose callbacks run synchronously
/// inside <see cref="FakeTimeProvider.Advance"/>, so the task that advances the clock is the one that times the ask
/// out, and Coyote orders it against the actor's turn. (A real <see cref="TimeProvider.System"/> timer would fire on
/// the thread pool, which Coyote does not control.)
/// </para>
/// </remarks>
public class AskReplyVsTimeoutTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(1);

    /// <summary>What the actor does with a request.</summary>
    internal enum Answer
    {
        /// <summary>Replies from the handler itself.</summary>
        Reply,

        /// <summary>Replies from another task, with the handler pending until then.</summary>
        ReplyLater,

        /// <summary>Fails the reply with an exception.</summary>
        Fail,
    }

    /// <summary>One ask, one clock advance to exactly the time-out, in a race; then a graceful shutdown.</summary>
    internal static async Task ReplyRacesTimeoutAsync(Answer answer)
    {
        var clock = new FakeTimeProvider();
        var system = Harness.CreateSystem(turnSize: 1, clock);
        var answered = new Recorder();
        var actor = system.Spawn(() => new AnsweringActor(answer, answered));

        var ask = actor.Ask<int>(reply => new Request(reply, 21), s_timeout).AsTask();
        var advance = Task.Run(() => clock.Advance(s_timeout));

        var outcome = "none";
        try
        {
            var value = await ask;
            outcome = "reply";
            Specification.Assert(answer != Answer.Fail && value == 42, $"the ask returned {value}");
        }
        catch (TimeoutException)
        {
            outcome = "timeout";
        }
        catch (InvalidOperationException error) when (error.Message == AnsweringActor.FailureMessage)
        {
            outcome = "failure";
            Specification.Assert(answer == Answer.Fail, "only a failed reply may throw the actor's exception");
        }

        Specification.Assert(outcome != "none", "the ask completed with an unexpected exception");
        Coverage.Hit(outcome);
        await advance;
        Specification.Assert(ask.IsCompleted, "the ask must be complete");

        // The shutdown drains the request if the time-out won before the actor ran: its late reply must be ignored
        // (a throwing reply would fail the handler, and the actor would then record no answer).
        await system.ShutdownAsync();
        var replies = answered.Snapshot();
        Specification.Assert(replies.Count == 1, $"the actor answered {replies.Count} times");
        Specification.Assert(system.DeadLetterCount == 0, $"{system.DeadLetterCount} dead letters");
    }

    /// <summary>An actor that never replies: the time-out, fired by another task, must complete the ask.</summary>
    internal static async Task NoReplyTimesOutAsync()
    {
        var clock = new FakeTimeProvider();
        var system = Harness.CreateSystem(turnSize: 1, clock);
        var actor = system.Spawn(() => new AnsweringActor(answer: null, new Recorder()));

        var ask = actor.Ask<int>(reply => new Request(reply, 21), s_timeout).AsTask();
        var advance = Task.Run(() => clock.Advance(s_timeout));
        var timedOut = false;
        try
        {
            await ask;
        }
        catch (TimeoutException)
        {
            timedOut = true;
        }

        await advance;
        Specification.Assert(timedOut, "an unanswered ask must time out");
        await system.ShutdownAsync();
    }

    /// <summary>
    /// An ask operation reused for a new ask while the tick at the previous ask's deadline looks at it: the time-out heap
    /// keeps a reused operation keyed lazily, and the tick drops one that serves no ask (or re-keys it to the new
    /// deadline) while the asker arms it without the lock. The new ask must still time out at its own deadline, never
    /// hang.
    /// </summary>
    internal static async Task ReusedOperationRacesTickAsync()
    {
        var clock = new FakeTimeProvider();
        var system = Harness.CreateSystem(turnSize: 1, clock);
        var actor = system.Spawn(() => new AnsweringActor(answer: null, new Recorder()));

        // Answered by its own message factory: complete at once, on this task, whose thread keeps the operation for its
        // next ask (taking the result recycles it), still keyed at this ask's deadline.
        var first = actor.Ask<int>(
            static reply =>
            {
                reply.Send(1);
                return new Request(reply, 0);
            },
            s_timeout);
        Specification.Assert(first.IsCompletedSuccessfully && first.Result == 1, "the factory's reply completes the ask");

        var tick = Task.Run(() => clock.Advance(s_timeout));
        var second = actor.Ask<int>(static reply => new Request(reply, 0), s_timeout).AsTask();
        await tick;
        clock.Advance(s_timeout);

        var timedOut = false;
        try
        {
            await second;
        }
        catch (TimeoutException)
        {
            timedOut = true;
        }

        Specification.Assert(timedOut, "the reused operation's ask must time out");
        await system.ShutdownAsync();
    }

    [SetUp]
    public void ResetCoverage() => Coverage.Reset();

    [Test]
    public void Ask_ReusedOperationRacingTheTick_TimesOutAtItsOwnDeadline() =>
        Systematic.AssertNoBug(ReusedOperationRacesTickAsync, Budget.Iterations);

    [Test]
    public void Ask_ReplyRacingTimeout_CompletesOnceWithReplyOrTimeout()
    {
        Systematic.AssertNoBug(() => ReplyRacesTimeoutAsync(Answer.Reply), Budget.Iterations);
        Coverage.AssertReached("reply", "timeout");
    }

    [Test]
    public void Ask_ReplyFromPendingHandlerRacingTimeout_CompletesOnceWithReplyOrTimeout()
    {
        Systematic.AssertNoBug(() => ReplyRacesTimeoutAsync(Answer.ReplyLater), Budget.Iterations, prioritized: true, suspends: true);
        Coverage.AssertReached("reply", "timeout");
    }

    [Test]
    public void Ask_FailedReplyRacingTimeout_CompletesOnceWithFailureOrTimeout()
    {
        Systematic.AssertNoBug(() => ReplyRacesTimeoutAsync(Answer.Fail), Budget.Iterations);
        Coverage.AssertReached("failure", "timeout");
    }

    [Test]
    public void Ask_NoReply_TimesOutWithoutHang() =>
        Systematic.AssertNoBug(NoReplyTimesOutAsync, Budget.Iterations);

    [Test]
    [Explicit("long form, run by hand")]
    [Category("Stress")]
    public void Ask_ReplyFromPendingHandlerRacingTimeout_Stress() =>
        Systematic.AssertNoBug(() => ReplyRacesTimeoutAsync(Answer.ReplyLater), Budget.StressIterations, suspends: true);

    /// <summary>A request: the value to double, and where to answer.</summary>
    internal sealed record Request(Reply<int> Reply, int Value);

    /// <summary>Answers each request as told (or never, for <see langword="null"/>) and records that it did.</summary>
    private sealed class AnsweringActor(Answer? answer, Recorder answered) : Actor<Request>
    {
        public const string FailureMessage = "the actor failed the request";

        protected override ValueTask ReceiveAsync(Request message)
        {
            switch (answer)
            {
                case Answer.Reply:
                    message.Reply.Send(message.Value * 2);
                    answered.Record(message.Value);
                    return default;
                case Answer.Fail:
                    message.Reply.Fail(new InvalidOperationException(FailureMessage));
                    answered.Record(message.Value);
                    return default;
                case Answer.ReplyLater:
                    var pending = new PendingResult();
                    _ = Task.Run(() =>
                    {
                        message.Reply.Send(message.Value * 2);
                        answered.Record(message.Value);
                        pending.Complete();
                    });
                    return pending.Task;
                default:
                    answered.Record(message.Value);
                    return default;
            }
        }
    }
}
