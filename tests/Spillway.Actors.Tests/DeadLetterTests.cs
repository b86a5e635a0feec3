using System.Collections.Concurrent;
using Spillway.Actors.Tests.TestKit;

namespace Spillway.Actors.Tests;

/// <summary>
/// A message that cannot be delivered is never silently dropped: it is counted and raised by
/// <see cref="ActorSystem.DeadLetterReceived"/> with its recipient and the reason.
/// </summary>
public sealed class DeadLetterTests
{
    private sealed record Note(int Value, Task? Gate = null, Reply<int>? Reply = null);

    [Test]
    public async Task Tell_StoppedActor_CountedAndRaisedAsActorStopped()
    {
        await using var system = ActorSystem.Create();
        var letters = Collect(system);
        var actor = system.Spawn(() => new DelegateActor<Note>(), "target");
        await system.StopAsync(actor).OrTimeout();

        actor.Tell(new Note(1));
        actor.Clone().Tell(new Note(2));

        Assert.That(system.DeadLetterCount, Is.EqualTo(2));
        Assert.That(letters.Select(letter => ((Note)letter.Message!).Value), Is.EqualTo(new[] { 1, 2 }));
        Assert.That(letters.Select(letter => letter.Recipient), Is.All.EqualTo(actor.Path));
        Assert.That(letters.Select(letter => letter.Reason), Is.All.EqualTo(DeadLetterReason.ActorStopped));
    }

    [Test]
    public async Task Tell_FullMailbox_ExcessBecomesMailboxFullDeadLettersAndTheRestIsProcessed()
    {
        const int capacity = 10;
        const int told = 25;
        await using var system = ActorSystem.Create();
        var letters = Collect(system);
        var processed = 0;
        var expected = int.MaxValue;
        var allProcessed = Wait.Signal();
        var entered = Wait.Signal();
        var gate = Wait.Signal();
        var actor = system.Spawn(
            () => new DelegateActor<Note>
            {
                OnReceive = async (_, note) =>
                {
                    if (note.Gate is { } noteGate)
                    {
                        entered.TrySetResult();
                        await noteGate;
                    }

                    if (++processed == Volatile.Read(ref expected))
                    {
                        allProcessed.TrySetResult();
                    }
                },
            },
            options: new SpawnOptions { MailboxCapacity = capacity });

        actor.Tell(new Note(0, gate.Task));
        await entered.Task.OrTimeout();
        for (var i = 1; i < told; i++)
        {
            actor.Tell(new Note(i));
        }

        // Rejections are decided (and raised) on the telling thread, so the count is final here.
        var rejected = (int)system.DeadLetterCount;
        Volatile.Write(ref expected, told - rejected);
        gate.TrySetResult();
        await allProcessed.Task.OrTimeout();

        Assert.That(rejected, Is.GreaterThanOrEqualTo(told - capacity), "the mailbox held more than its capacity");
        Assert.That(letters, Has.Count.EqualTo(rejected));
        Assert.That(letters.Select(letter => letter.Reason), Is.All.EqualTo(DeadLetterReason.MailboxFull));
        Assert.That(letters.Select(letter => ((Note)letter.Message!).Value), Is.Ordered.And.All.InRange(1, told - 1));
    }

    [Test]
    public async Task Ask_FullMailbox_FailsAtOnce()
    {
        await using var system = ActorSystem.Create();
        var entered = Wait.Signal();
        var gate = Wait.Signal();
        var actor = system.Spawn(
            () => new DelegateActor<Note>
            {
                OnReceive = async (_, note) =>
                {
                    entered.TrySetResult();
                    await gate.Task;
                },
            },
            options: new SpawnOptions { MailboxCapacity = 1 });
        actor.Tell(new Note(0));
        await entered.Task.OrTimeout();
        actor.Tell(new Note(1));
        actor.Tell(new Note(2));

        try
        {
            var ask = actor.Ask<int>(reply => new Note(3, Reply: reply), Timeout.InfiniteTimeSpan);

            Assert.That(ask.IsFaulted, Is.True);
            Assert.That(
                async () => await ask,
                Throws.TypeOf<DeadLetterException>().With.Property(nameof(DeadLetterException.Reason)).EqualTo(DeadLetterReason.MailboxFull));
        }
        finally
        {
            gate.TrySetResult();
        }
    }

    [Test]
    public async Task Tell_AfterShutdown_DeadLetterWithSystemShutdown()
    {
        var system = ActorSystem.Create();
        await using (system)
        {
            var letters = Collect(system);
            var actor = system.Spawn(() => new DelegateActor<Note>(), "late");
            await system.ShutdownAsync().OrTimeout();

            actor.Tell(new Note(1));

            Assert.That(system.DeadLetterCount, Is.EqualTo(1));
            Assert.That(letters.Single().Reason, Is.EqualTo(DeadLetterReason.SystemShutdown));
            Assert.That(letters.Single().Recipient, Is.EqualTo(actor.Path));
        }
    }

    [Test]
    public async Task DeadLetterReceived_HandlerThrows_StillCountedAndTellerUnaffected()
    {
        await using var system = ActorSystem.Create();
        system.DeadLetterReceived += (_, _) => throw new InvalidOperationException("bad handler");
        var actor = system.Spawn(() => new DelegateActor<Note>());
        await system.StopAsync(actor).OrTimeout();

        Assert.That(() => actor.Tell(new Note(1)), Throws.Nothing);
        Assert.That(system.DeadLetterCount, Is.EqualTo(1));
    }

    [Test]
    public async Task Tell_ManyThreadsToStoppedActor_EveryOneCounted()
    {
        await using var system = ActorSystem.Create();
        var raised = 0;
        system.DeadLetterReceived += (_, _) => Interlocked.Increment(ref raised);
        var actor = system.Spawn(() => new DelegateActor<Note>());
        await system.StopAsync(actor).OrTimeout();

        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() =>
        {
            var reference = actor.Clone();
            for (var i = 0; i < 10_000; i++)
            {
                reference.Tell(new Note(i));
            }
        })));

        Assert.That(system.DeadLetterCount, Is.EqualTo(40_000));
        Assert.That(raised, Is.EqualTo(40_000));
    }

    private static ConcurrentQueue<DeadLetter> Collect(ActorSystem system)
    {
        var letters = new ConcurrentQueue<DeadLetter>();
        system.DeadLetterReceived += (_, letter) => letters.Enqueue(letter);
        return letters;
    }
}
