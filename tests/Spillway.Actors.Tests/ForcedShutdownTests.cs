using Spillway.Actors.Tests.TestKit;

namespace Spillway.Actors.Tests;

/// <summary>A shutdown whose token fires while a handler never returns still accounts for every message.</summary>
public sealed class ForcedShutdownTests
{
    [Test]
    public async Task ShutdownAsync_CutShortWhileAHandlerIsSuspended_ReportsEverythingBehindItAsDeadLetters()
    {
        var system = ActorSystem.Create(new ActorSystemOptions { WorkerCount = 1 });
        var entered = Wait.Signal();
        var release = Wait.Signal();
        var processed = 0;
        var actor = system.Spawn(() => new DelegateActor<int>
        {
            OnReceive = async (_, _) =>
            {
                Interlocked.Increment(ref processed);
                entered.TrySetResult();
                await release.Task;
            },
        });

        for (var i = 0; i < 11; i++)
        {
            actor.Tell(i);
        }

        await entered.Task.OrTimeout();
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await system.ShutdownAsync(cancelled.Token).OrTimeout();

        Assert.Multiple(() =>
        {
            Assert.That(Volatile.Read(ref processed), Is.EqualTo(1));
            Assert.That(system.DeadLetterCount, Is.EqualTo(10), "the ten messages behind the suspended handler");
            Assert.That(actor.IsStopped, Is.True);
            Assert.That(system.ActorCount, Is.Zero);
        });

        // The handler finishing late changes nothing: no second stop, no message processed after the shutdown.
        release.TrySetResult();
        await actor.Cell.Completion.OrTimeout();
        Assert.That(system.ActorCount, Is.Zero);
        Assert.That(system.DeadLetterCount, Is.EqualTo(10));
    }

    [Test]
    public async Task ShutdownAsync_CutShortGivesUpOnAParentWhoseChildIsBlocked_ObservedTotalsStillCountTheChild()
    {
        var system = ActorSystem.Create(new ActorSystemOptions { WorkerCount = 2 });
        var childBlocked = Wait.Signal();
        using var block = new ManualResetEventSlim();
        var never = Wait.Signal();
        var parent = system.Spawn(() => new DelegateActor<int>
        {
            OnReceive = async (context, _) =>
            {
                var child = context.Spawn(() => DelegateActor<int>.Of(message =>
                {
                    if (message == 3)
                    {
                        childBlocked.TrySetResult();
                        Wait.For(block);
                    }
                }));
                child.Tell(1);
                child.Tell(2);
                child.Tell(3);

                // Suspended for good: the cut-short shutdown claims this turn and declares the parent stopped while its
                // child still runs, blocked in a synchronous handler the shutdown cannot claim.
                await never.Task;
            },
        });
        parent.Tell(0);
        await childBlocked.Task.OrTimeout();
        var before = (Sent: Total(system.MailboxTotals.MeasureSent()), Processed: Total(system.MailboxTotals.MeasureProcessed()));
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        try
        {
            await system.ShutdownAsync(cancelled.Token).OrTimeout();

            // The parent has retired and left the registry; the child lives on, reachable from no top-level actor.
            Assert.That(parent.IsStopped, Is.True);
            Assert.That(system.ActorCount, Is.EqualTo(1));
            Assert.That(before, Is.EqualTo((4L, 4L)), "the parent's one message and the child's three");
            Assert.That(Total(system.MailboxTotals.MeasureSent()), Is.EqualTo(4), "sent never goes down");
            Assert.That(Total(system.MailboxTotals.MeasureProcessed()), Is.EqualTo(4), "processed never goes down");
        }
        finally
        {
            block.Set();
        }
    }

    private static long Total(IEnumerable<System.Diagnostics.Metrics.Measurement<long>> measurements) => measurements.Sum(m => m.Value);
}
