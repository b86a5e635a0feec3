using Microsoft.Extensions.Time.Testing;
using Spillway.Actors.Tests.TestKit;

namespace Spillway.Actors.Tests;

/// <summary>
/// The machinery behind asks: a pooled source whose version keeps a stale <see cref="Reply{T}"/> (or a stale runtime
/// tag) from completing a later ask, the system's one time-out heap (driven by a <see cref="FakeTimeProvider"/>), and
/// where the asker resumes.
/// </summary>
public sealed class AskMachineryTests
{
    [Test]
    public async Task Reply_SentAfterItsAskTimedOutAndTheSourceWasReused_DoesNotCompleteTheNewAsk()
    {
        var time = new FakeTimeProvider();
        await using var system = ActorSystem.Create(new ActorSystemOptions { TimeProvider = time });

        // A reply type of this test's own: no other code rents sources of it, so this one is ours throughout.
        var source = AskSource<Marker>.Rent();
        var stale = new Reply<Marker>(source, source.Version);
        var first = new ValueTask<Marker>(source, source.Token);
        source.Start(system.Scheduler, system.AskTimeouts, TimeSpan.FromSeconds(1), CancellationToken.None);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.That(async () => await first, Throws.TypeOf<TimeoutException>());

        // Taking the result recycled the source: it now serves a second ask.
        var fresh = new Reply<Marker>(source, source.Version);
        var second = new ValueTask<Marker>(source, source.Token).AsTask();
        source.Start(system.Scheduler, system.AskTimeouts, Timeout.InfiniteTimeSpan, CancellationToken.None);

        stale.Send(new Marker(1));
        stale.Fail(new InvalidOperationException("stale"));
        ((IPendingReply)stale).FailFromHandler(new InvalidOperationException("stale tag"));
        ((IPendingReply)stale).FailUndelivered("stale", DeadLetterReason.ActorStopped);

        Assert.That(stale.IsCompleted, Is.True);
        Assert.That(fresh.IsCompleted, Is.False);
        Assert.That(second.IsCompleted, Is.False);
        fresh.Send(new Marker(2));
        Assert.That((await second.OrTimeout()).Value, Is.EqualTo(2));
    }

    [Test]
    public async Task Timeout_OfASourceReusedWithAShorterTimeout_FiresAtTheShorterDeadline()
    {
        // The heap keeps a reused source keyed by its first ask's deadline; an ask with a shorter time-out must move the
        // key down, or the tick would come at the old deadline.
        var time = new FakeTimeProvider();
        await using var system = ActorSystem.Create(new ActorSystemOptions { TimeProvider = time });
        var source = AskSource<Marker>.Rent();
        source.Start(system.Scheduler, system.AskTimeouts, TimeSpan.FromSeconds(10), CancellationToken.None);
        var first = new ValueTask<Marker>(source, source.Token);
        new Reply<Marker>(source, source.Version).Send(new Marker(1));
        Assert.That((await first).Value, Is.EqualTo(1));

        var second = new ValueTask<Marker>(source, source.Token).AsTask();
        source.Start(system.Scheduler, system.AskTimeouts, TimeSpan.FromSeconds(1), CancellationToken.None);
        time.Advance(TimeSpan.FromSeconds(1));

        Assert.That(async () => await second.OrTimeout(), Throws.TypeOf<TimeoutException>());
    }

    [Test]
    public async Task Timeout_OfASourceReusedByAnotherSystem_FiresOnThatSystemsClockOnly()
    {
        // A source keyed in one system's heap and reused for an ask of another: its deadline is in the other clock's
        // units, so it must leave the first heap, whose tick would otherwise time the ask out on the wrong clock.
        var firstClock = new FakeTimeProvider();
        var secondClock = new FakeTimeProvider();
        await using var firstSystem = ActorSystem.Create(new ActorSystemOptions { TimeProvider = firstClock });
        await using var secondSystem = ActorSystem.Create(new ActorSystemOptions { TimeProvider = secondClock });
        var source = AskSource<Marker>.Rent();
        source.Start(firstSystem.Scheduler, firstSystem.AskTimeouts, TimeSpan.FromSeconds(1), CancellationToken.None);
        var first = new ValueTask<Marker>(source, source.Token);
        new Reply<Marker>(source, source.Version).Send(new Marker(1));
        Assert.That((await first).Value, Is.EqualTo(1));

        var second = new ValueTask<Marker>(source, source.Token).AsTask();
        source.Start(secondSystem.Scheduler, secondSystem.AskTimeouts, TimeSpan.FromSeconds(5), CancellationToken.None);
        firstClock.Advance(TimeSpan.FromSeconds(10));

        Assert.That(second.IsCompleted, Is.False, "the first system's tick timed out an ask of the second");
        Assert.That(firstSystem.AskTimeouts.KeyedOperations, Is.Zero);
        secondClock.Advance(TimeSpan.FromSeconds(5));
        Assert.That(async () => await second.OrTimeout(), Throws.TypeOf<TimeoutException>());
    }

    [Test]
    public async Task Timeouts_AfterManyAnsweredAsks_NothingArmedAndTheNextTickLetsEveryOperationGo()
    {
        var time = new FakeTimeProvider();
        await using var system = ActorSystem.Create(new ActorSystemOptions { TimeProvider = time });
        var echo = system.Spawn(() => DelegateActor<Reply<int>>.Of(reply => reply.Send(1)));
        for (var i = 0; i < 1_000; i++)
        {
            Assert.That(await echo.Ask<int>(reply => reply, TimeSpan.FromSeconds(5)).OrTimeout(), Is.EqualTo(1));
        }

        Assert.That(system.AskTimeouts.Count, Is.Zero, "an answered ask left its time-out armed");
        Assert.That(system.AskTimeouts.KeyedOperations, Is.GreaterThan(0).And.LessThan(100), "only the reused operations stay keyed");
        time.Advance(TimeSpan.FromSeconds(5));
        Assert.That(system.AskTimeouts.KeyedOperations, Is.Zero, "the tick keeps an operation that serves no ask");
    }

    [Test]
    public async Task Ask_SeveralAnsweredInOneHandler_AskersResumeOnTheWorkerInReplyOrder()
    {
        // One worker, three askers waiting; one handler call answers all three, in an order of its own. The askers resume
        // after that turn, on the worker, in the order of the replies (one next slot used to push all but the last
        // reply to the shared queue, so the last one resumed first).
        await using var system = ActorSystem.Create(new ActorSystemOptions { WorkerCount = 1 });
        var pending = new List<(int Asker, Reply<int> Reply)>();
        var gatherer = system.Spawn(() => DelegateActor<(int Asker, Reply<int> Reply)>.Of(request =>
        {
            pending.Add(request);
            if (pending.Count == 3)
            {
                foreach (var asker in new[] { 2, 0, 1 })
                {
                    pending.Single(p => p.Asker == asker).Reply.Send(asker);
                }
            }
        }));
        var resumed = new System.Collections.Concurrent.ConcurrentQueue<(int Asker, bool OnWorker)>();
        var askers = Enumerable.Range(0, 3).Select(asker => Task.Run(async () =>
        {
            var answer = await gatherer.Ask<int>(reply => (asker, reply), Wait.Timeout);
            resumed.Enqueue((answer, Thread.CurrentThread.Name?.Contains("actor worker", StringComparison.Ordinal) == true));
        })).ToArray();

        await Task.WhenAll(askers).OrTimeout();

        Assert.That(resumed.Select(r => r.Asker), Is.EqualTo(new[] { 2, 0, 1 }));
        Assert.That(resumed.Select(r => r.OnWorker), Is.All.True);
    }

    [Test]
    public async Task Cancellation_OfAnAnsweredAskAfterItsSourceWasReused_DoesNotCancelTheNewAsk()
    {
        await using var system = ActorSystem.Create();
        using var oldToken = new CancellationTokenSource();

        var source = AskSource<Marker>.Rent();
        source.Start(system.Scheduler, system.AskTimeouts, Timeout.InfiniteTimeSpan, oldToken.Token);
        var first = new ValueTask<Marker>(source, source.Token);
        new Reply<Marker>(source, source.Version).Send(new Marker(1));
        Assert.That((await first).Value, Is.EqualTo(1));

        source.Start(system.Scheduler, system.AskTimeouts, Timeout.InfiniteTimeSpan, CancellationToken.None);
        var fresh = new Reply<Marker>(source, source.Version);
        var second = new ValueTask<Marker>(source, source.Token).AsTask();
        await oldToken.CancelAsync();

        Assert.That(fresh.IsCompleted, Is.False);
        fresh.Send(new Marker(2));
        Assert.That((await second.OrTimeout()).Value, Is.EqualTo(2));
    }

    [Test]
    public async Task Ask_ReplySentByTheMessageFactory_CompletesAndLeavesNothingArmed()
    {
        var time = new FakeTimeProvider();
        await using var system = ActorSystem.Create(new ActorSystemOptions { TimeProvider = time });
        var silent = system.Spawn(() => DelegateActor<Reply<int>>.Of(_ => { }));

        var value = await silent.Ask<int>(reply => { reply.Send(5); return reply; }, TimeSpan.FromSeconds(1)).OrTimeout();

        Assert.That(value, Is.EqualTo(5));
        Assert.That(system.AskTimeouts.Count, Is.Zero);
    }

    [Test]
    public async Task Ask_MessageFactoryThrows_ThrowsAndLeavesNothingArmed()
    {
        var time = new FakeTimeProvider();
        await using var system = ActorSystem.Create(new ActorSystemOptions { TimeProvider = time });
        var silent = system.Spawn(() => DelegateActor<Reply<int>>.Of(_ => { }));

        Assert.That(
            () => silent.Ask<int>(_ => throw new InvalidOperationException("factory"), TimeSpan.FromSeconds(1)),
            Throws.InvalidOperationException.With.Message.EqualTo("factory"));
        Assert.That(system.AskTimeouts.Count, Is.Zero);
    }

    [Test]
    public async Task Ask_ManyPendingAsksWithMixedTimeouts_EachTimesOutExactlyAtItsDeadline()
    {
        var time = new FakeTimeProvider();
        await using var system = ActorSystem.Create(new ActorSystemOptions { TimeProvider = time });
        var silent = system.Spawn(() => DelegateActor<Reply<int>>.Of(_ => { }));

        // Deadlines from 1 to 10 seconds, asked in a scrambled order, several per deadline.
        var seconds = Enumerable.Range(0, 50).Select(i => 1 + (i * 7 % 10)).ToArray();
        var replies = new Reply<int>[seconds.Length];
        var asks = seconds.Select((s, i) => silent.Ask<int>(reply => replies[i] = reply, TimeSpan.FromSeconds(s)).AsTask()).ToArray();

        // The reply's state, not the task's: the tick completes an ask at once, and the task a moment later on the pool.
        for (var now = 1; now <= 10; now++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            for (var i = 0; i < asks.Length; i++)
            {
                Assert.That(replies[i].IsCompleted, Is.EqualTo(seconds[i] <= now), $"ask {i} of {seconds[i]} s at {now} s");
            }
        }

        Assert.That(async () => await Task.WhenAll(asks).OrTimeout(), Throws.TypeOf<TimeoutException>());
        Assert.That(system.AskTimeouts.Count, Is.Zero);
    }

    [Test]
    public async Task Ask_ShorterTimeoutAskedAfterLongerOne_TimesOutFirst()
    {
        var time = new FakeTimeProvider();
        await using var system = ActorSystem.Create(new ActorSystemOptions { TimeProvider = time });
        var silent = system.Spawn(() => DelegateActor<Reply<int>>.Of(_ => { }));

        var slow = silent.Ask<int>(reply => reply, TimeSpan.FromSeconds(10)).AsTask();
        var quick = silent.Ask<int>(reply => reply, TimeSpan.FromSeconds(1)).AsTask();
        time.Advance(TimeSpan.FromSeconds(1));

        Assert.That(async () => await quick.OrTimeout(), Throws.TypeOf<TimeoutException>());
        Assert.That(slow.IsCompleted, Is.False);
        time.Advance(TimeSpan.FromSeconds(9));
        Assert.That(async () => await slow.OrTimeout(), Throws.TypeOf<TimeoutException>());
    }

    [Test]
    public async Task Ask_AnsweredOrCancelled_LeavesTheTimeoutHeap()
    {
        var time = new FakeTimeProvider();
        await using var system = ActorSystem.Create(new ActorSystemOptions { TimeProvider = time });
        var echo = system.Spawn(() => DelegateActor<Reply<int>>.Of(reply => reply.Send(1)));
        var silent = system.Spawn(() => DelegateActor<Reply<int>>.Of(_ => { }));
        using var cancellation = new CancellationTokenSource();

        var answered = await Task.WhenAll(Enumerable.Range(0, 100).Select(_ => echo.Ask<int>(reply => reply, TimeSpan.FromSeconds(5)).AsTask())).OrTimeout();
        var cancelled = Enumerable.Range(0, 100).Select(_ => silent.Ask<int>(reply => reply, TimeSpan.FromSeconds(5), cancellation.Token).AsTask()).ToArray();
        var kept = silent.Ask<int>(reply => reply, TimeSpan.FromSeconds(5)).AsTask();
        Assert.That(system.AskTimeouts.Count, Is.EqualTo(101));

        await cancellation.CancelAsync();

        Assert.That(answered.Sum(), Is.EqualTo(100));
        foreach (var ask in cancelled)
        {
            Assert.That(async () => await ask.OrTimeout(), Throws.InstanceOf<OperationCanceledException>());
        }

        Assert.That(system.AskTimeouts.Count, Is.EqualTo(1));
        Assert.That(kept.IsCompleted, Is.False);
        time.Advance(TimeSpan.FromSeconds(5));
        Assert.That(async () => await kept.OrTimeout(), Throws.TypeOf<TimeoutException>());
        Assert.That(system.AskTimeouts.Count, Is.Zero);
    }

    [Test]
    public async Task Ask_ReplySentFromHandler_AskerResumesAfterTheTurnWithoutTheActorContext()
    {
        await using var system = ActorSystem.Create();
        var handlerDone = 0;
        var actor = system.Spawn(() => DelegateActor<Reply<int>>.Of(reply =>
        {
            reply.Send(1);

            // Volatile: read by the asker's continuation, which must run only after this turn.
            Volatile.Write(ref handlerDone, 1);
        }));

        var seen = await Task.Run(async () =>
        {
            var results = new List<(int Done, bool ActorContext)>();
            for (var i = 0; i < 100; i++)
            {
                Volatile.Write(ref handlerDone, 0);
                await actor.Ask<int>(reply => reply, Wait.Timeout);
                results.Add((Volatile.Read(ref handlerDone), SynchronizationContext.Current is ActorSynchronizationContext));
            }

            return results;
        }).OrTimeout();

        Assert.That(seen, Has.All.EqualTo((1, false)));
    }

    [Test]
    public async Task Ask_AskerBlocksOnTheWorkerItResumedOn_StarvationCheckKeepsTheSystemGoing()
    {
        // The documented price of resuming askers on a worker: asker code that blocks there holds the worker. With one
        // worker, the starvation check (on the system's clock) must add a worker so the blocked asker's own ask runs.
        var time = new FakeTimeProvider();
        await using var system = ActorSystem.Create(new ActorSystemOptions { TimeProvider = time, WorkerCount = 1 });
        var echo = system.Spawn(() => DelegateActor<Reply<int>>.Of(reply => reply.Send(1)));
        var blocking = Wait.Signal();

        var done = Task.Run(async () =>
        {
            // An ask answered before its asker awaited resumes the asker inline, where it is: ask until one resumed
            // the asker on the worker (the next one, asked from the worker, always does).
            var onWorker = false;
            for (var i = 0; i < 1000 && !onWorker; i++)
            {
                await echo.Ask<int>(reply => reply, Timeout.InfiniteTimeSpan);
                onWorker = Thread.CurrentThread.Name?.Contains("actor worker", StringComparison.Ordinal) == true;
            }

            // Resumed on the only worker, between turns: block it on another ask.
            var second = echo.Ask<int>(reply => reply, Timeout.InfiniteTimeSpan).AsTask();
            blocking.SetResult();
            return (onWorker, second.Wait(Wait.Timeout));
        });

        await blocking.Task.OrTimeout();
        for (var tick = 0; tick < 3; tick++)
        {
            time.Advance(DedicatedThreadScheduler.StarvationThreshold);
        }

        var (onWorker, answered) = await done.OrTimeout();
        Assert.That(onWorker, Is.True, "the asker resumed on the worker");
        Assert.That(answered, Is.True, "the blocked asker's ask was answered");
    }

    [Test]
    public async Task Ask_ValueTaskAwaitedTwice_SecondAwaitThrowsInsteadOfReadingAnotherAsk()
    {
        await using var system = ActorSystem.Create();
        var echo = system.Spawn(() => DelegateActor<Reply<Marker>>.Of(reply => reply.Send(new Marker(1))));

        var ask = echo.Ask<Marker>(reply => reply, Wait.Timeout);
        Assert.That((await ask).Value, Is.EqualTo(1));

        Assert.That(async () => await ask, Throws.InvalidOperationException);
    }

    /// <summary>A reply type used by these tests only (sources are pooled per reply type).</summary>
    private sealed record Marker(int Value);
}
