using Microsoft.Extensions.Time.Testing;
using Spillway.Actors.Tests.TestKit;

namespace Spillway.Actors.Tests;

/// <summary>
/// An actor's mailbox storage follows its live work: after a burst, once the actor has handled nothing for a whole
/// trimmer period, a trim turn gives the burst's arrays back; an actor with work in every period keeps them and
/// reallocates nothing; a stopped actor leaves the trimmer. Turns run on a <see cref="ManualScheduler"/> and the
/// trimmer's clock is a <see cref="FakeTimeProvider"/>, so every step is deterministic.
/// </summary>
public sealed class MailboxTrimTests
{
    private const int Burst = 50_000;

    [Test]
    public async Task Trimmer_ActorIdleForAWholePeriodAfterBurst_GivesItsStorageBack()
    {
        await using var rig = new Rig();
        rig.Burst(Burst);
        Assert.That(rig.StorageElements(), Is.GreaterThanOrEqualTo(Burst), "The burst's storage is held while the actor is fresh from it.");
        Assert.That(rig.System.MailboxTrimmer.WatchedCount, Is.EqualTo(1));

        // The first tick starts counting a whole period; the second finds no work done during it and queues the trim.
        rig.Tick();
        Assert.That(rig.Scheduler.RunUntilIdle(), Is.Zero);
        rig.Tick();
        Assert.That(rig.Scheduler.RunUntilIdle(), Is.EqualTo(1), "One trim turn.");

        Assert.That(rig.StorageElements(), Is.LessThanOrEqualTo(2 * ActorCell<int>.IdleKeepElements));
        Assert.That(rig.System.MailboxTrimmer.WatchedCount, Is.Zero);

        // The trimmed mailbox works as before.
        rig.Burst(100);
        Assert.That(rig.Processed, Is.EqualTo(Burst + 100));
    }

    [Test]
    public async Task Trimmer_ActorWithWorkInEveryPeriod_KeepsItsStorageAndAllocatesNothing()
    {
        await using var rig = new Rig();
        rig.Burst(Burst);
        for (var round = 0; round < 3; round++)
        {
            rig.Tick();
            rig.Burst(100);
        }

        long allocated = 0;
        for (var round = 0; round < 5; round++)
        {
            rig.Tick();
            var before = GC.GetAllocatedBytesForCurrentThread();
            rig.Burst(100);
            allocated += GC.GetAllocatedBytesForCurrentThread() - before;
        }

        Assert.That(rig.StorageElements(), Is.GreaterThanOrEqualTo(Burst), "A busy actor keeps its storage.");
        Assert.That(allocated, Is.Zero);
        Assert.That(rig.System.MailboxTrimmer.WatchedCount, Is.EqualTo(1));
    }

    [Test]
    public async Task Trimmer_TrimTurnFindsAMessage_HandlesItAndKeepsTheStorage()
    {
        await using var rig = new Rig();
        rig.Burst(Burst);
        rig.Tick();
        rig.Tick();
        Assert.That(rig.Scheduler.ReadyCount, Is.EqualTo(1), "The trim turn is queued.");

        // A message lands before the trim turn runs: the actor is busy again, so it keeps its storage and is watched anew.
        rig.Actor.Tell(1);
        rig.Scheduler.RunUntilIdle();

        Assert.That(rig.Processed, Is.EqualTo(Burst + 1));
        Assert.That(rig.StorageElements(), Is.GreaterThanOrEqualTo(Burst));
        Assert.That(rig.System.MailboxTrimmer.WatchedCount, Is.EqualTo(1));

        rig.Tick();
        rig.Tick();
        rig.Scheduler.RunUntilIdle();
        Assert.That(rig.StorageElements(), Is.LessThanOrEqualTo(2 * ActorCell<int>.IdleKeepElements));
    }

    [Test]
    public async Task Trimmer_WatchedActorStops_LeavesAtTheNextTick()
    {
        await using var rig = new Rig();
        rig.Burst(Burst);
        Assert.That(rig.System.MailboxTrimmer.WatchedCount, Is.EqualTo(1));

        var stopped = rig.System.StopAsync(rig.Actor);
        rig.Scheduler.RunUntilIdle();
        await stopped.OrTimeout();
        rig.Tick();

        Assert.That(rig.System.MailboxTrimmer.WatchedCount, Is.Zero);
        Assert.That(rig.Scheduler.RunUntilIdle(), Is.Zero, "A stopped actor gets no trim turn.");
    }

    [Test]
    public async Task Trimmer_SmallBatchesOnly_NeverWatched()
    {
        // One message at a time (a ping-pong's mailbox): storage stays within the keep, so the trimmer never hears of it.
        await using var rig = new Rig();
        for (var i = 0; i < 200; i++)
        {
            rig.Burst(1);
        }

        Assert.That(rig.System.MailboxTrimmer.WatchedCount, Is.Zero);
    }

    /// <summary>A system on a manual scheduler and a fake clock, with one counting actor.</summary>
    private sealed class Rig : IAsyncDisposable
    {
        private readonly FakeTimeProvider _time = new();

        public Rig()
        {
            System = ActorSystem.Create(new ActorSystemOptions
            {
                TimeProvider = _time,
                SchedulerOverride = () => Scheduler,
            });
            Actor = System.Spawn(() => DelegateActor<int>.Of(_ => Processed++));
            Scheduler.RunUntilIdle();
        }

        public ManualScheduler Scheduler { get; } = new();

        public ActorSystem System { get; }

        public ActorRef<int> Actor { get; }

        public int Processed { get; private set; }

        /// <summary>Tells <paramref name="count"/> messages, then runs every turn they cause.</summary>
        public void Burst(int count)
        {
            for (var i = 0; i < count; i++)
            {
                Actor.Tell(i);
            }

            Scheduler.RunUntilIdle();
        }

        /// <summary>Advances the clock by one trimmer period (the timer's callback runs on this thread).</summary>
        public void Tick() => _time.Advance(MailboxTrimmer.Period);

        /// <summary>Gets the elements the actor's mailbox storage can hold: the reader's batch plus every lane.</summary>
        public long StorageElements() => Actor.Cell.StorageElementsForTest;

        public async ValueTask DisposeAsync()
        {
            Scheduler.PassThrough();
            await System.DisposeAsync().AsTask().OrTimeout();
        }
    }
}
