using System.Collections.Concurrent;
using Spillway.Actors.Tests.TestKit;

namespace Spillway.Actors.Tests;

/// <summary>
/// Backpressure on a bounded mailbox: <see cref="ActorRef{TMsg}.TellAsync"/> waits for room (given back per message
/// handled, to the waiters in the order they started waiting), <see cref="ActorRef{TMsg}.TryTell"/> refuses without a
/// dead letter, and <see cref="MailboxOverflow.DropOldest"/> makes room for a plain tell by dropping the oldest message.
/// </summary>
public sealed class BackpressureTests
{
    private sealed record Note(int Value, Task? Gate = null, Reply<int>? Reply = null, int Producer = 0);

    [Test]
    public async Task TellAsync_FullMailbox_WaitsAndCompletesAfterOneMessageIsHandled()
    {
        await using var system = ActorSystem.Create();
        var start = Wait.Signal();
        var probe = new Probe();
        var actor = probe.Spawn(system, new SpawnOptions { MailboxCapacity = 2 }, start.Task);

        // The start hook holds the first turn, so 0 and 1 are taken together, in one batch.
        var secondGate = Wait.Signal();
        actor.Tell(new Note(0));
        actor.Tell(new Note(1, secondGate.Task));
        var waiting = actor.TellAsync(new Note(2));
        Assert.That(waiting.IsCompleted, Is.False, "the mailbox is full");

        start.TrySetResult();
        await probe.Entered(1).OrTimeout();

        // Note 0 is handled and note 1 still runs: the room of note 0 alone lets the waiting tell land.
        await waiting.AsTask().OrTimeout();
        secondGate.TrySetResult();
        await probe.HandledCount(3).OrTimeout();

        Assert.That(probe.Handled, Is.EqualTo(new[] { 0, 1, 2 }));
        Assert.That(system.DeadLetterCount, Is.Zero);
    }

    [Test]
    public async Task TellAsync_SeveralWaiting_CompleteInTheOrderTheyStartedWaiting()
    {
        await using var system = ActorSystem.Create();
        var start = Wait.Signal();
        var probe = new Probe();
        var actor = probe.Spawn(system, new SpawnOptions { MailboxCapacity = 1 }, start.Task);

        actor.Tell(new Note(0));

        // Each through a reference of its own: the order is the waiters' order, not a lane's.
        var waiting = new List<Task>();
        for (var i = 1; i <= 4; i++)
        {
            waiting.Add(actor.Clone().TellAsync(new Note(i)).AsTask());
        }

        Assert.That(waiting.Select(task => task.IsCompleted), Is.All.False);
        start.TrySetResult();
        await Task.WhenAll(waiting).OrTimeout();
        await probe.HandledCount(5).OrTimeout();

        // Capacity 1: each waiter's message lands only once the one before it was handled.
        Assert.That(probe.Handled, Is.EqualTo(new[] { 0, 1, 2, 3, 4 }));
    }

    [Test]
    public async Task TellAsync_CancelledWhileWaiting_ThrowsAndNothingIsSent()
    {
        await using var system = ActorSystem.Create();
        var start = Wait.Signal();
        var probe = new Probe();
        var actor = probe.Spawn(system, new SpawnOptions { MailboxCapacity = 1 }, start.Task);
        actor.Tell(new Note(0));
        using var cancellation = new CancellationTokenSource();

        var waiting = actor.TellAsync(new Note(1), cancellation.Token).AsTask();
        Assert.That(waiting.IsCompleted, Is.False);
        await cancellation.CancelAsync();

        Assert.That(async () => await waiting.OrTimeout(), Throws.InstanceOf<OperationCanceledException>());
        start.TrySetResult();
        await probe.HandledCount(1).OrTimeout();
        await actor.TellAsync(new Note(2)).AsTask().OrTimeout();
        await probe.HandledCount(2).OrTimeout();

        Assert.That(probe.Handled, Is.EqualTo(new[] { 0, 2 }));
        Assert.That(system.DeadLetterCount, Is.Zero);
    }

    [Test]
    public async Task TellAsync_AlreadyCancelledToken_ThrowsEvenWithRoom()
    {
        await using var system = ActorSystem.Create();
        var probe = new Probe();
        var actor = probe.Spawn(system, new SpawnOptions { MailboxCapacity = 4 });

        var told = actor.TellAsync(new Note(1), new CancellationToken(canceled: true));

        Assert.That(told.IsCanceled, Is.True);
        Assert.That(async () => await told, Throws.InstanceOf<OperationCanceledException>());
        Assert.That(system.DeadLetterCount, Is.Zero);
    }

    [Test]
    public async Task TellAsync_ActorStopsWhileWaiting_EndsAtOnceAsDeadLetter()
    {
        await using var system = ActorSystem.Create();
        var letters = Collect(system);
        var probe = new Probe();
        var actor = probe.Spawn(system, new SpawnOptions { MailboxCapacity = 1 });
        var gate = Wait.Signal();
        actor.Tell(new Note(0, gate.Task));
        await probe.Entered(0).OrTimeout();

        var waiting = actor.TellAsync(new Note(1)).AsTask();
        Assert.That(waiting.IsCompleted, Is.False);

        // A graceful stop: note 0 is still being handled, yet the wait ends now, not when the drain frees room.
        var stopped = system.StopAsync(actor);
        await waiting.OrTimeout();

        Assert.That(system.DeadLetterCount, Is.EqualTo(1));
        Assert.That(letters.Select(letter => ((Note)letter.Message!).Value), Is.EqualTo(new[] { 1 }));
        Assert.That(letters.Select(letter => letter.Reason), Is.All.EqualTo(DeadLetterReason.ActorStopped));
        gate.TrySetResult();
        await stopped.OrTimeout();
        Assert.That(probe.Handled, Is.EqualTo(new[] { 0 }));
    }

    [Test]
    public async Task TellAsync_StoppedActor_CompletesNormallyAsDeadLetter()
    {
        await using var system = ActorSystem.Create();
        var probe = new Probe();
        var actor = probe.Spawn(system, new SpawnOptions { MailboxCapacity = 1 });
        await system.StopAsync(actor).OrTimeout();

        var told = actor.TellAsync(new Note(1));

        Assert.That(told.IsCompletedSuccessfully, Is.True);
        Assert.That(system.DeadLetterCount, Is.EqualTo(1));
    }

    [Test]
    public async Task TellAsync_UnboundedMailbox_CompletesSynchronouslyWithoutAllocating()
    {
        await using var system = ActorSystem.Create();
        var probe = new Probe();
        var actor = probe.Spawn(system, new SpawnOptions());

        var told = actor.TellAsync(new Note(1));

        // The default ValueTask: completed, and backed by no task or source object.
        Assert.That(told.IsCompletedSuccessfully, Is.True);
        Assert.That(told.Equals(default(ValueTask)), Is.True);
        await probe.HandledCount(1).OrTimeout();
    }

    [Test]
    public async Task TryTell_FullMailbox_ReturnsFalseWithoutDeadLetter()
    {
        await using var system = ActorSystem.Create();
        var probe = new Probe();
        var actor = probe.Spawn(system, new SpawnOptions { MailboxCapacity = 2 });
        var gate = Wait.Signal();
        actor.Tell(new Note(0, gate.Task));
        await probe.Entered(0).OrTimeout();

        Assert.That(actor.TryTell(new Note(1)), Is.True);
        Assert.That(actor.TryTell(new Note(2)), Is.False);
        Assert.That(actor.Clone().TryTell(new Note(3)), Is.False);
        Assert.That(system.DeadLetterCount, Is.Zero);

        gate.TrySetResult();
        await probe.HandledCount(2).OrTimeout();
        Assert.That(probe.Handled, Is.EqualTo(new[] { 0, 1 }));
    }

    [Test]
    public async Task TryTell_StoppedActor_ReturnsFalseWithoutDeadLetter()
    {
        await using var system = ActorSystem.Create();
        var probe = new Probe();
        var actor = probe.Spawn(system, new SpawnOptions());
        await system.StopAsync(actor).OrTimeout();

        Assert.That(actor.TryTell(new Note(1)), Is.False);
        Assert.That(system.DeadLetterCount, Is.Zero);
    }

    [Test]
    public async Task Tell_DropOldestFullMailbox_DropsTheOldestQueuedAsMailboxFullDeadLetter()
    {
        await using var system = ActorSystem.Create();
        var letters = Collect(system);
        var probe = new Probe();
        var actor = probe.Spawn(system, new SpawnOptions { MailboxCapacity = 3, MailboxOverflow = MailboxOverflow.DropOldest });
        var gate = Wait.Signal();
        actor.Tell(new Note(0, gate.Task));
        await probe.Entered(0).OrTimeout();
        actor.Tell(new Note(1));
        actor.Tell(new Note(2));

        actor.Tell(new Note(3));
        actor.Tell(new Note(4));

        Assert.That(system.DeadLetterCount, Is.EqualTo(2));
        Assert.That(letters.Select(letter => ((Note)letter.Message!).Value), Is.EqualTo(new[] { 1, 2 }));
        Assert.That(letters.Select(letter => letter.Reason), Is.All.EqualTo(DeadLetterReason.MailboxFull));
        gate.TrySetResult();
        await probe.HandledCount(3).OrTimeout();
        Assert.That(probe.Handled, Is.EqualTo(new[] { 0, 3, 4 }));
    }

    [Test]
    public async Task Tell_DropOldestFullMailbox_DropsFromAnotherLaneWhenItsOwnIsEmpty()
    {
        await using var system = ActorSystem.Create();
        var letters = Collect(system);
        var probe = new Probe();
        var actor = probe.Spawn(system, new SpawnOptions { MailboxCapacity = 2, MailboxOverflow = MailboxOverflow.DropOldest });
        var gate = Wait.Signal();
        actor.Tell(new Note(0, gate.Task));
        await probe.Entered(0).OrTimeout();
        actor.Tell(new Note(1));

        actor.Clone().Tell(new Note(2));

        Assert.That(letters.Select(letter => ((Note)letter.Message!).Value), Is.EqualTo(new[] { 1 }));
        gate.TrySetResult();
        await probe.HandledCount(2).OrTimeout();
        Assert.That(probe.Handled, Is.EqualTo(new[] { 0, 2 }));
    }

    [Test]
    public async Task Tell_DropOldestDropsAnAsk_AskFailsWithDeadLetterException()
    {
        await using var system = ActorSystem.Create();
        var probe = new Probe();
        var actor = probe.Spawn(system, new SpawnOptions { MailboxCapacity = 2, MailboxOverflow = MailboxOverflow.DropOldest });
        var gate = Wait.Signal();
        actor.Tell(new Note(0, gate.Task));
        await probe.Entered(0).OrTimeout();
        var ask = actor.Ask<int>(reply => new Note(1, Reply: reply), Timeout.InfiniteTimeSpan);

        actor.Tell(new Note(2));

        var error = Assert.ThrowsAsync<DeadLetterException>(async () => await ask.OrTimeout());
        Assert.That(error!.Reason, Is.EqualTo(DeadLetterReason.MailboxFull));
        gate.TrySetResult();
        await probe.HandledCount(2).OrTimeout();
        Assert.That(probe.Handled, Is.EqualTo(new[] { 0, 2 }));
        Assert.That(system.DeadLetterCount, Is.EqualTo(1));
    }

    [Test]
    public async Task Spawn_UndefinedMailboxOverflow_ThrowsArgumentOutOfRange()
    {
        await using var system = ActorSystem.Create();

        Assert.That(
            () => system.Spawn(() => new DelegateActor<Note>(), options: new SpawnOptions { MailboxOverflow = (MailboxOverflow)7 }),
            Throws.InstanceOf<ArgumentOutOfRangeException>());
    }

    [Test]
    public async Task TellAsync_ManyProducersIntoSmallMailbox_LoseNothingAndKeepPerReferenceOrder()
    {
        const int producers = 8;
        const int perProducer = 500;
        await using var system = ActorSystem.Create();
        var next = new int[producers];
        var outOfOrder = 0;
        var handled = 0;
        var done = Wait.Signal();
        var actor = system.Spawn(
            () => DelegateActor<Note>.Of(note =>
            {
                // One turn at a time: plain fields are safe here.
                if (note.Value != next[note.Producer]++)
                {
                    outOfOrder++;
                }

                if (++handled == producers * perProducer)
                {
                    done.TrySetResult();
                }
            }),
            options: new SpawnOptions { MailboxCapacity = 8 });

        var sending = Enumerable.Range(0, producers).Select(producer => Task.Run(async () =>
        {
            var own = actor.Clone();
            for (var i = 0; i < perProducer; i++)
            {
                await own.TellAsync(new Note(i, Producer: producer));
            }
        }));
        await Task.WhenAll(sending).OrTimeout();
        await done.Task.OrTimeout();

        Assert.That(outOfOrder, Is.Zero);
        Assert.That(next, Is.All.EqualTo(perProducer));
        Assert.That(system.DeadLetterCount, Is.Zero);
    }

    private static ConcurrentQueue<DeadLetter> Collect(ActorSystem system)
    {
        var letters = new ConcurrentQueue<DeadLetter>();
        system.DeadLetterReceived += (_, letter) => letters.Enqueue(letter);
        return letters;
    }

    /// <summary>An actor that records what it handled, in order, and waits on each note's gate before finishing it.</summary>
    private sealed class Probe
    {
        private readonly ConcurrentQueue<int> _handled = new();
        private readonly ConcurrentDictionary<int, TaskCompletionSource> _entered = new();
        private readonly ConcurrentDictionary<int, TaskCompletionSource> _counts = new();

        public int[] Handled => [.. _handled];

        public ActorRef<Note> Spawn(ActorSystem system, SpawnOptions options, Task? startGate = null) => system.Spawn(
            () => new DelegateActor<Note>
            {
                OnStarted = async _ =>
                {
                    if (startGate is not null)
                    {
                        await startGate;
                    }
                },
                OnReceive = async (_, note) =>
                {
                    Signal(_entered, note.Value);
                    if (note.Gate is { } gate)
                    {
                        await gate;
                    }

                    note.Reply?.Send(note.Value);
                    _handled.Enqueue(note.Value);
                    Signal(_counts, _handled.Count);
                },
            },
            options: options);

        public Task Entered(int value) => _entered.GetOrAdd(value, static _ => Wait.Signal()).Task;

        public Task HandledCount(int count) => _counts.GetOrAdd(count, static _ => Wait.Signal()).Task;

        private static void Signal(ConcurrentDictionary<int, TaskCompletionSource> signals, int key) =>
            signals.GetOrAdd(key, static _ => Wait.Signal()).TrySetResult();
    }
}
