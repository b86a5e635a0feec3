using Microsoft.Extensions.Time.Testing;
using Spillway.Actors.Tests.TestKit;

namespace Spillway.Actors.Tests;

/// <summary>
/// Request and reply: the reply arrives, a missing reply times out (on the system's <see cref="TimeProvider"/>), the
/// token cancels, <see cref="Reply{T}.Fail"/> reaches the asker, and an undeliverable request fails at once.
/// </summary>
public sealed class AskTests
{
    /// <summary>What the answering actor does with a request.</summary>
    private enum Answer
    {
        Echo,
        Ignore,
        Fail,
        Keep,
        SendKept,
    }

    private sealed record Request(Answer Answer, int Value, Reply<int>? Reply);

    [Test]
    public async Task Ask_ActorSendsReply_ReturnsIt()
    {
        await using var system = ActorSystem.Create();
        var actor = SpawnAnswerer(system);

        var reply = await actor.Ask<int>(r => new Request(Answer.Echo, 41, r), Wait.Timeout);

        Assert.That(reply, Is.EqualTo(42));
    }

    [Test]
    public async Task AskWithState_ActorSendsReply_BuildsTheRequestFromTheStateAndReturnsTheReply()
    {
        await using var system = ActorSystem.Create();
        var actor = SpawnAnswerer(system);

        var reply = await actor.Ask(static (Reply<int> r, int value) => new Request(Answer.Echo, value, r), 41, Wait.Timeout).OrTimeout();

        Assert.That(reply, Is.EqualTo(42));
    }

    [Test]
    public async Task AskWithState_ReplyFails_ThrowsThatException()
    {
        await using var system = ActorSystem.Create();
        var actor = SpawnAnswerer(system);

        var error = Assert.ThrowsAsync<InvalidDataException>(
            async () => await actor.Ask(static (Reply<int> r, int value) => new Request(Answer.Fail, value, r), 5, Wait.Timeout).OrTimeout());

        Assert.That(error!.Message, Is.EqualTo("refused 5"));
    }

    [Test]
    public async Task AskWithState_StoppedActor_FailsAtOnceAsDeadLetter()
    {
        await using var system = ActorSystem.Create();
        var actor = SpawnAnswerer(system);
        await system.StopAsync(actor).OrTimeout();

        Assert.That(
            async () => await actor.Ask(static (Reply<int> r, int value) => new Request(Answer.Echo, value, r), 1, Timeout.InfiniteTimeSpan).OrTimeout(),
            Throws.TypeOf<DeadLetterException>());
    }

    [Test]
    public async Task Ask_IdleActorWhoseOtherReferenceWasUsed_AllocatesOnlyTheRequestAndItsReply()
    {
        // Turns run on the test's thread (ManualScheduler), so every allocation of the ask call is counted here.
        var scheduler = new ManualScheduler();
        var system = ActorSystem.Create(new ActorSystemOptions { SchedulerOverride = () => scheduler });
        try
        {
            var actor = SpawnAnswerer(system);

            // Another lane has received a message, and it has been handled: an ask now waits for nothing, so its barrier
            // needs no marks (a long per lane, allocated per ask before).
            actor.Clone().Tell(new Request(Answer.Ignore, 0, null));
            scheduler.RunUntilIdle();
            AskAndAnswer(actor, scheduler);

            const int Asks = 100;
            long allocated = 0;
            for (var i = 0; i < Asks; i++)
            {
                allocated += AskAndAnswer(actor, scheduler);
            }

            // The request record (32 bytes) and its Reply<int> (32 bytes); the marks would add at least 32 more.
            TestContext.Out.WriteLine($"{allocated / (double)Asks} bytes per ask.");
            Assert.That(allocated / Asks, Is.LessThan(80), $"{Asks} asks allocated {allocated} bytes.");
        }
        finally
        {
            scheduler.PassThrough();
            await system.DisposeAsync().AsTask().OrTimeout();
        }
    }

    [Test]
    public async Task Ask_InfiniteTimeout_ReturnsReply()
    {
        await using var system = ActorSystem.Create();
        var actor = SpawnAnswerer(system);

        var reply = await actor.Ask<int>(r => new Request(Answer.Echo, 1, r), Timeout.InfiniteTimeSpan).OrTimeout();

        Assert.That(reply, Is.EqualTo(2));
    }

    [Test]
    public async Task Ask_NoReplyWithinTimeout_ThrowsTimeoutException()
    {
        var time = new FakeTimeProvider();
        await using var system = ActorSystem.Create(new ActorSystemOptions { TimeProvider = time });
        var actor = SpawnAnswerer(system);

        var ask = actor.Ask<int>(r => new Request(Answer.Ignore, 0, r), TimeSpan.FromSeconds(5));
        await actor.Ask<int>(r => new Request(Answer.Echo, 0, r), Timeout.InfiniteTimeSpan).OrTimeout();
        time.Advance(TimeSpan.FromSeconds(5) - TimeSpan.FromTicks(1));
        Assert.That(ask.IsCompleted, Is.False, "the ask timed out early");

        time.Advance(TimeSpan.FromTicks(1));

        Assert.That(async () => await ask.OrTimeout(), Throws.TypeOf<TimeoutException>());
    }

    [Test]
    public async Task Ask_ReplySentAfterTimeout_IsIgnoredByTheReplier()
    {
        var time = new FakeTimeProvider();
        await using var system = ActorSystem.Create(new ActorSystemOptions { TimeProvider = time });
        var actor = SpawnAnswerer(system);

        var late = actor.Ask<int>(r => new Request(Answer.Keep, 0, r), TimeSpan.FromSeconds(1)).AsTask();
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.That(async () => await late.OrTimeout(), Throws.TypeOf<TimeoutException>());

        // The actor now answers the timed-out request, then a fresh one: the late Send must not throw in the actor.
        var fresh = await actor.Ask<int>(r => new Request(Answer.SendKept, 7, r), Timeout.InfiniteTimeSpan).OrTimeout();

        Assert.That(fresh, Is.EqualTo(8));
        Assert.That(late.IsFaulted, Is.True);
    }

    [Test]
    public async Task Ask_TokenCancelledWhileWaiting_ThrowsOperationCanceledException()
    {
        await using var system = ActorSystem.Create();
        var actor = SpawnAnswerer(system);
        using var cancellation = new CancellationTokenSource();

        var ask = actor.Ask<int>(r => new Request(Answer.Ignore, 0, r), Timeout.InfiniteTimeSpan, cancellation.Token);
        await actor.Ask<int>(r => new Request(Answer.Echo, 0, r), Wait.Timeout);
        Assert.That(ask.IsCompleted, Is.False);
        await cancellation.CancelAsync();

        Assert.That(async () => await ask.OrTimeout(), Throws.InstanceOf<OperationCanceledException>());
    }

    [Test]
    public async Task Ask_TokenAlreadyCancelled_ReturnsCanceledTaskWithoutSending()
    {
        await using var system = ActorSystem.Create();
        var actor = SpawnAnswerer(system);
        var built = false;

        var ask = actor.Ask<int>(
            r =>
            {
                built = true;
                return new Request(Answer.Echo, 0, r);
            },
            Wait.Timeout,
            new CancellationToken(canceled: true));

        Assert.That(ask.IsCanceled, Is.True);
        Assert.That(built, Is.False);
    }

    [Test]
    public async Task Ask_ReplyFails_ThrowsThatException()
    {
        await using var system = ActorSystem.Create();
        var actor = SpawnAnswerer(system);

        var error = Assert.ThrowsAsync<InvalidDataException>(
            async () => await actor.Ask<int>(r => new Request(Answer.Fail, 3, r), Wait.Timeout));

        Assert.That(error!.Message, Is.EqualTo("refused 3"));
        var after = await actor.Ask<int>(r => new Request(Answer.Echo, 3, r), Wait.Timeout);
        Assert.That(after, Is.EqualTo(4), "Reply.Fail is an answer, not a failure of the actor");
    }

    [Test]
    public async Task Ask_StoppedActor_FailsAtOnceAsDeadLetter()
    {
        await using var system = ActorSystem.Create();
        var actor = SpawnAnswerer(system);
        await system.StopAsync(actor).OrTimeout();

        var ask = actor.Ask<int>(r => new Request(Answer.Echo, 0, r), Timeout.InfiniteTimeSpan);

        Assert.That(ask.IsFaulted, Is.True, "an ask to a stopped actor must not wait");
        Assert.That(
            async () => await ask,
            Throws.TypeOf<DeadLetterException>().With.Property(nameof(DeadLetterException.Reason)).EqualTo(DeadLetterReason.ActorStopped)
                .And.Property(nameof(DeadLetterException.Recipient)).EqualTo(actor.Path));
        Assert.That(system.DeadLetterCount, Is.EqualTo(1));
    }

    [Test]
    public async Task Ask_RequestQueuedWhenTheActorStops_FailsAtOnceAsDeadLetter()
    {
        await using var system = ActorSystem.Create();
        var (actor, entered, gate) = SpawnGated<GatedRequest>(system, static m => (m.Gate, m.Reply));
        actor.Tell(new GatedRequest(gate.Task, null));
        await entered.Task.OrTimeout();

        // Queued behind the gated message; no timeout, so only the dropped request can end this ask.
        var ask = actor.Ask<int>(r => new GatedRequest(null, r), Timeout.InfiniteTimeSpan);
        var stop = system.StopAsync(actor);
        gate.SetResult();
        await stop.OrTimeout();

        var error = Assert.ThrowsAsync<DeadLetterException>(async () => await ask.OrTimeout());
        Assert.That(error!.Reason, Is.EqualTo(DeadLetterReason.ActorStopped));
        Assert.That(system.DeadLetterCount, Is.EqualTo(1));
    }

    [Test]
    public async Task Ask_StructRequestQueuedWhenTheActorStops_FailsAtOnceAsDeadLetter()
    {
        await using var system = ActorSystem.Create();
        var (actor, entered, gate) = SpawnGated<GatedStructRequest>(system, static m => (m.Gate, m.Reply));
        actor.Tell(new GatedStructRequest(gate.Task, null));
        await entered.Task.OrTimeout();

        var first = actor.Ask<int>(r => new GatedStructRequest(null, r), Timeout.InfiniteTimeSpan);
        var second = actor.Ask<int>(r => new GatedStructRequest(null, r), Timeout.InfiniteTimeSpan);
        var stop = system.StopAsync(actor);
        gate.SetResult();
        await stop.OrTimeout();

        // Each dropped request fails its own ask (structs compare by value, and each carries its own Reply).
        Assert.That(async () => await first.OrTimeout(), Throws.TypeOf<DeadLetterException>());
        Assert.That(async () => await second.OrTimeout(), Throws.TypeOf<DeadLetterException>());
    }

    [Test]
    public async Task Ask_ManyAnsweredAsks_LeaveNothingBehind()
    {
        await using var system = ActorSystem.Create();
        var actor = SpawnAnswerer(system);
        var replies = await AskAndForgetAsync(actor, 1_000);

        // Each ask is answered and awaited; the mailbox is idle again. Nothing of the runtime may still hold a reply.
        for (var i = 0; i < 3; i++)
        {
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true);
            GC.WaitForPendingFinalizers();
        }

        Assert.That(replies.Count(reply => reply.IsAlive), Is.Zero);
    }

    [Test]
    public async Task Ask_HandlerThrows_FailsAtOnceWithThatExceptionAndSupervisionApplies()
    {
        await using var system = ActorSystem.Create();
        var restarted = Wait.Signal();
        var actor = system.Spawn(() => new DelegateActor<Request>
        {
            OnReceive = (_, request) => request.Answer == Answer.Fail
                ? throw new InvalidDataException($"cannot {request.Value}")
                : Echo(request),
            OnRestarting = (_, _) =>
            {
                restarted.TrySetResult();
                return default;
            },
        });

        // No timeout: only the handler's failure can end this ask.
        var error = Assert.ThrowsAsync<InvalidDataException>(
            async () => await actor.Ask<int>(r => new Request(Answer.Fail, 7, r), Timeout.InfiniteTimeSpan).OrTimeout());

        Assert.That(error!.Message, Is.EqualTo("cannot 7"));
        await restarted.Task.OrTimeout();
        Assert.That(await actor.Ask<int>(r => new Request(Answer.Echo, 1, r), Wait.Timeout), Is.EqualTo(2));
    }

    [Test]
    public async Task Ask_HandlerThrowsAfterAnAwait_FailsAtOnceWithThatException()
    {
        await using var system = ActorSystem.Create();
        var actor = system.Spawn(() => new DelegateActor<Request>
        {
            OnReceive = async (_, request) =>
            {
                await Task.Yield();
                if (request.Answer == Answer.Fail)
                {
                    throw new InvalidDataException("after an await");
                }

                request.Reply?.Send(request.Value + 1);
            },
        });

        Assert.That(
            async () => await actor.Ask<int>(r => new Request(Answer.Fail, 0, r), Timeout.InfiniteTimeSpan).OrTimeout(),
            Throws.TypeOf<InvalidDataException>());
        Assert.That(await actor.Ask<int>(r => new Request(Answer.Echo, 1, r), Wait.Timeout), Is.EqualTo(2));
    }

    [Test]
    public async Task Ask_RequestsThatNeverCompareEqual_EachDroppedRequestFailsItsAsk()
    {
        await using var system = ActorSystem.Create();
        var (actor, entered, gate) = SpawnGated<IncomparableRequest>(system, static m => (m.Gate, m.Reply));
        actor.Tell(new IncomparableRequest(gate.Task, null));
        await entered.Task.OrTimeout();

        var asks = Enumerable.Range(0, 3).Select(_ => actor.Ask<int>(r => new IncomparableRequest(null, r), Timeout.InfiniteTimeSpan)).ToArray();
        var stop = system.StopAsync(actor);
        gate.SetResult();
        await stop.OrTimeout();

        foreach (var ask in asks)
        {
            Assert.That(async () => await ask.OrTimeout(), Throws.TypeOf<DeadLetterException>());
        }
    }

    [Test]
    public async Task Ask_RequestWhoseEqualsThrows_StopCompletesAndTheAskFailsAsDeadLetter()
    {
        await using var system = ActorSystem.Create();
        var (actor, entered, gate) = SpawnGated<ThrowingEqualsRequest>(system, static m => (m.Gate, m.Reply));
        actor.Tell(new ThrowingEqualsRequest(gate.Task, null));
        await entered.Task.OrTimeout();

        var ask = actor.Ask<int>(r => new ThrowingEqualsRequest(null, r), Timeout.InfiniteTimeSpan);
        var stop = system.StopAsync(actor);
        gate.SetResult();

        await stop.OrTimeout();
        Assert.That(async () => await ask.OrTimeout(), Throws.TypeOf<DeadLetterException>());
        Assert.That(system.DeadLetterCount, Is.EqualTo(1));
    }

    [TestCase(0)]
    [TestCase(-5)]
    public async Task Ask_TimeoutNotPositive_ThrowsArgumentOutOfRange(int seconds)
    {
        await using var system = ActorSystem.Create();
        var actor = SpawnAnswerer(system);

        Assert.That(
            () => actor.Ask<int>(r => new Request(Answer.Echo, 0, r), TimeSpan.FromSeconds(seconds)),
            Throws.TypeOf<ArgumentOutOfRangeException>().With.Property(nameof(ArgumentException.ParamName)).EqualTo("timeout"));
    }

    [Test]
    public async Task Ask_ManyConcurrentAsks_EachGetsItsOwnReply()
    {
        await using var system = ActorSystem.Create();
        var actor = SpawnAnswerer(system);

        var asks = Enumerable.Range(0, 10_000)
            .Select(i => Task.Run(() => actor.Ask<int>(r => new Request(Answer.Echo, i, r), Wait.Timeout).AsTask()))
            .ToArray();
        var replies = await Task.WhenAll(asks).OrTimeout();

        Assert.That(replies, Is.EqualTo(Enumerable.Range(1, 10_000)));
    }

    private sealed record GatedRequest(Task? Gate, Reply<int>? Reply);

    /// <summary>A request type whose equality says no even to itself: the runtime must never need it.</summary>
    private sealed class IncomparableRequest(Task? gate, Reply<int>? reply)
    {
        public Task? Gate => gate;

        public Reply<int>? Reply => reply;

        public override bool Equals(object? obj) => false;

        public override int GetHashCode() => 0;
    }

    /// <summary>A request type whose equality throws: the runtime must never call it, least of all under a lock.</summary>
    private sealed class ThrowingEqualsRequest(Task? gate, Reply<int>? reply)
    {
        public Task? Gate => gate;

        public Reply<int>? Reply => reply;

        public override bool Equals(object? obj) => throw new InvalidOperationException("Equals called");

        public override int GetHashCode() => throw new InvalidOperationException("GetHashCode called");
    }

    private readonly record struct GatedStructRequest(Task? Gate, Reply<int>? Reply);

    /// <summary>An actor that waits on a message's gate (signalling that it entered) and answers requests with 1.</summary>
    private static (ActorRef<TMsg> Actor, TaskCompletionSource Entered, TaskCompletionSource Gate) SpawnGated<TMsg>(
        ActorSystem system, Func<TMsg, (Task? Gate, Reply<int>? Reply)> parts)
    {
        var entered = Wait.Signal();
        var gate = Wait.Signal();
        var actor = system.Spawn(() => new DelegateActor<TMsg>
        {
            OnReceive = async (_, message) =>
            {
                var (messageGate, reply) = parts(message);
                if (messageGate is not null)
                {
                    entered.TrySetResult();
                    await messageGate;
                }

                reply?.Send(1);
            },
        });
        return (actor, entered, gate);
    }

    /// <summary>Asks <paramref name="count"/> times and returns weak references to the replies (nothing strong stays here).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static async Task<List<WeakReference>> AskAndForgetAsync(ActorRef<Request> actor, int count)
    {
        var replies = new List<WeakReference>(count);
        for (var i = 0; i < count; i++)
        {
            var value = i;
            var answer = await actor.Ask<int>(
                r =>
                {
                    replies.Add(new WeakReference(r));
                    return new Request(Answer.Echo, value, r);
                },
                Timeout.InfiniteTimeSpan).OrTimeout();
            Assert.That(answer, Is.EqualTo(value + 1));
        }

        return replies;
    }

    private static ValueTask Echo(Request request)
    {
        request.Reply?.Send(request.Value + 1);
        return default;
    }

    /// <summary>Asks once on the test's thread, runs the turn, and returns what the ask call itself allocated.</summary>
    private static long AskAndAnswer(ActorRef<Request> actor, ManualScheduler scheduler)
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        var ask = actor.Ask<int>(static r => new Request(Answer.Echo, 1, r), Timeout.InfiniteTimeSpan);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        scheduler.RunUntilIdle();
        Assert.That(ask.IsCompletedSuccessfully, Is.True, "The ask was answered in the turn.");
        Assert.That(ask.Result, Is.EqualTo(2));
        return allocated;
    }

    private static ActorRef<Request> SpawnAnswerer(ActorSystem system)
    {
        Reply<int>? kept = null;
        return system.Spawn(() => DelegateActor<Request>.Of(request =>
        {
            switch (request.Answer)
            {
                case Answer.Echo:
                    request.Reply?.Send(request.Value + 1);
                    break;
                case Answer.Fail:
                    request.Reply?.Fail(new InvalidDataException($"refused {request.Value}"));
                    break;
                case Answer.Keep:
                    kept = request.Reply;
                    break;
                case Answer.SendKept:
                    kept?.Send(-1);
                    request.Reply?.Send(request.Value + 1);
                    break;
            }
        }));
    }
}
