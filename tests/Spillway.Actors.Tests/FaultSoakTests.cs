using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Spillway.Actors.Tests.TestKit;

namespace Spillway.Actors.Tests;

/// <summary>
/// The runtime under every fault at once: handlers, constructors and hooks that throw (synchronously and after an
/// await), a logging provider that throws, a dead-letter handler that throws, actors stopped and spawned while messages
/// fly, and a shutdown at the end. Nothing may hang, every told message must be accounted for exactly once (handled,
/// or a counted dead letter; never both, never neither), and the system must be collectable afterwards.
/// </summary>
/// <remarks>
/// The CI-sized form runs in a second or two per scheduler; the long form (<c>[Category("Stress")]</c>) runs by hand:
/// <c>dotnet test tests/Spillway.Actors.Tests -c Release --filter "Category=Stress&amp;FullyQualifiedName~FaultSoak"</c>.
/// </remarks>
public sealed class FaultSoakTests
{
    [TestCase(SchedulerKind.DedicatedThreads)]
    [TestCase(SchedulerKind.ThreadPool)]
    public async Task Soak_EveryFaultAtOnce_NothingHangsNothingLostSystemCollectable(SchedulerKind scheduler)
    {
        var collected = await RunAndForgetAsync(new SoakShape(scheduler, Actors: 24, Producers: 3, Messages: 30_000, Seed: 17));

        ForceFullCollection();
        Assert.That(collected.IsAlive, Is.False, "the shut-down system is still reachable: something keeps it (or its actors) alive");
    }

    [Test]
    [Explicit("Long form; run by hand.")]
    [Category("Stress")]
    public async Task Soak_LongForm([Values] SchedulerKind scheduler)
    {
        var collected = await RunAndForgetAsync(new SoakShape(scheduler, Actors: 300, Producers: 8, Messages: 2_000_000, Seed: 5));

        ForceFullCollection();
        Assert.That(collected.IsAlive, Is.False);
    }

    private static void ForceFullCollection()
    {
        for (var i = 0; i < 3; i++)
        {
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
        }
    }

    /// <summary>Runs the soak and returns a weak reference to its system; nothing of it stays on this frame.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static async Task<WeakReference> RunAndForgetAsync(SoakShape shape)
    {
        var ledger = new Ledger(shape.Messages);
        var system = ActorSystem.Create(new ActorSystemOptions
        {
            Name = "soak",
            Scheduler = shape.Scheduler,
            WorkerCount = 2,
            LoggerFactory = new ThrowingLoggerFactory(),
            SlowTurnThreshold = TimeSpan.Zero,
            DefaultSupervision = SupervisionStrategy.Restart(maxRestarts: 1_000_000, restartWindow: TimeSpan.FromMinutes(1)),
        });
        var weak = new WeakReference(system);
        system.DeadLetterReceived += (_, deadLetter) =>
        {
            if (deadLetter.Message is int id)
            {
                ledger.RecordDeadLetter(id);
            }

            if (deadLetter.Message is int other && other % 5 == 0)
            {
                throw new InvalidOperationException("dead-letter handler fault");
            }
        };

        var actors = new ActorRef<int>?[shape.Actors];
        var spawnFailures = 0;
        var random = new Random(shape.Seed);
        for (var i = 0; i < actors.Length; i++)
        {
            actors[i] = TrySpawn(system, ledger, random.Next(), ref spawnFailures);
        }

        using var chaosStop = new CancellationTokenSource();
        var chaos = Task.Run(() => ChaosAsync(system, ledger, actors, shape.Seed + 1, chaosStop.Token));
        var producers = Enumerable.Range(0, shape.Producers)
            .Select(p => Task.Run(() => Produce(actors, p, shape.Producers, shape.Messages)))
            .ToArray();
        await Task.WhenAll(producers).OrTimeout();
        await chaosStop.CancelAsync();
        await chaos.OrTimeout();

        // Bounded: a drain that never ends is a failure, not a hang of the test run.
        using var bound = new CancellationTokenSource(Wait.Timeout);
        await system.ShutdownAsync(bound.Token).OrTimeout();
        Assert.That(bound.IsCancellationRequested, Is.False, "the shutdown did not drain before its bound");

        ledger.AssertEveryMessageAccountedOnce(system.DeadLetterCount);
        Assert.That(system.ActorCount, Is.Zero, "actors left after the shutdown");
        Assert.That(spawnFailures, Is.GreaterThan(0), "the soak never exercised a failing constructor");
        return weak;
    }

    private static ActorRef<int>? TrySpawn(ActorSystem system, Ledger ledger, int seed, ref int spawnFailures)
    {
        var random = new Random(seed);
        var constructions = 0;
        try
        {
            return system.Spawn(() =>
            {
                // The first construction fails now and then (Spawn throws it); restarts fail now and then too (the actor
                // then stops, and what it had queued becomes dead letters).
                var fails = Interlocked.Increment(ref constructions) == 1 ? random.Next(10) == 0 : random.Next(50) == 0;
                return fails ? throw new InvalidOperationException("constructor fault") : new SoakActor(ledger, random.Next());
            });
        }
        catch (InvalidOperationException error) when (error.Message == "constructor fault" || error.InnerException?.Message == "constructor fault")
        {
            Interlocked.Increment(ref spawnFailures);
            return null;
        }
    }

    private static void Produce(ActorRef<int>?[] actors, int producer, int producers, int messages)
    {
        // Each producer tells through references of its own (a lane each), so ordering per producer is kept and the
        // producers never share a lane lock.
        var own = new ActorRef<int>?[actors.Length];
        for (var id = producer; id < messages; id += producers)
        {
            var slot = (int)((uint)(id * 2654435761u) % (uint)actors.Length);
            var current = Volatile.Read(ref actors[slot]);
            if (current is null)
            {
                // No live actor in this slot right now: the message still goes somewhere, to a spare one.
                current = Volatile.Read(ref actors[0]) ?? FirstLive(actors);
                if (current is null)
                {
                    throw new InvalidOperationException("no actor to tell");
                }
            }

            if (own[slot] is not { } mine || !ReferenceEquals(mine.Cell, current.Cell))
            {
                own[slot] = mine = current.Clone();
            }

            mine.Tell(id);
        }
    }

    private static ActorRef<int>? FirstLive(ActorRef<int>?[] actors)
    {
        for (var i = 0; i < actors.Length; i++)
        {
            if (Volatile.Read(ref actors[i]) is { } live)
            {
                return live;
            }
        }

        return null;
    }

    private static async Task ChaosAsync(ActorSystem system, Ledger ledger, ActorRef<int>?[] actors, int seed, CancellationToken stop)
    {
        var random = new Random(seed);
        var failures = 0;
        while (!stop.IsCancellationRequested)
        {
            var slot = 1 + random.Next(actors.Length - 1);
            if (Volatile.Read(ref actors[slot]) is { } victim)
            {
                // Stopped mid-flight: its queued messages become dead letters, later tells too, until it is replaced.
                await system.StopAsync(victim).OrTimeout();
            }

            Volatile.Write(ref actors[slot], TrySpawn(system, ledger, random.Next(), ref failures));
            await Task.Yield();
        }
    }

    private sealed record SoakShape(SchedulerKind Scheduler, int Actors, int Producers, int Messages, int Seed);

    /// <summary>What happened to every message id: handled (the handler was entered) or a dead letter.</summary>
    private sealed class Ledger(int messages)
    {
        private readonly int[] _handled = new int[messages];
        private readonly int[] _dead = new int[messages];
        private long _deadLetters;

        public void RecordHandled(int id) => Interlocked.Increment(ref _handled[id]);

        public void RecordDeadLetter(int id)
        {
            Interlocked.Increment(ref _dead[id]);
            Interlocked.Increment(ref _deadLetters);
        }

        public void AssertEveryMessageAccountedOnce(long systemDeadLetters)
        {
            var neither = new List<int>();
            var twice = new List<int>();
            for (var id = 0; id < _handled.Length; id++)
            {
                var outcomes = _handled[id] + _dead[id];
                if (outcomes == 0)
                {
                    neither.Add(id);
                }
                else if (outcomes > 1)
                {
                    twice.Add(id);
                }
            }

            Assert.Multiple(() =>
            {
                Assert.That(neither, Is.Empty, "messages neither handled nor dead letters (first ids shown)");
                Assert.That(twice, Is.Empty, "messages handled and dead letters, or either twice");
                Assert.That(systemDeadLetters, Is.EqualTo(Interlocked.Read(ref _deadLetters)), "dead letters counted by the system but not raised, or the other way round");
            });
        }
    }

    /// <summary>An actor whose handler and hooks fail now and then, synchronously or after an await.</summary>
    private sealed class SoakActor(Ledger ledger, int seed) : Actor<int>
    {
        private readonly Random _random = new(seed);

        protected override async ValueTask OnStartedAsync()
        {
            switch (_random.Next(40))
            {
                case 0:
                    throw new InvalidOperationException("OnStartedAsync fault");
                case 1:
                    await Task.Yield();
                    throw new InvalidOperationException("OnStartedAsync fault after an await");
            }
        }

        protected override async ValueTask OnStoppedAsync()
        {
            if (_random.Next(3) == 0)
            {
                await Task.Yield();
                throw new InvalidOperationException("OnStoppedAsync fault");
            }
        }

        protected override ValueTask OnRestartingAsync(Exception reason) =>
            _random.Next(4) == 0 ? throw new InvalidOperationException("OnRestartingAsync fault") : default;

        protected override ValueTask ReceiveAsync(int message)
        {
            ledger.RecordHandled(message);
            Context.Logger.LogDebug("handled {Id}", message);
            return (message % 101) switch
            {
                0 => throw new InvalidOperationException("handler fault"),
                1 => FailAfterAwaitAsync(),
                2 => YieldAsync(),
                _ => default,
            };
        }

        private static async ValueTask FailAfterAwaitAsync()
        {
            await Task.Yield();
            throw new InvalidOperationException("handler fault after an await");
        }

        private static async ValueTask YieldAsync() => await Task.Yield();
    }

    /// <summary>A logging provider that throws on every other call, at every level (as Microsoft.Extensions.Logging rethrows provider errors).</summary>
    private sealed class ThrowingLoggerFactory : ILoggerFactory, ILogger
    {
        private int _calls;

        public ILogger CreateLogger(string categoryName) => this;

        public void AddProvider(ILoggerProvider provider)
        {
        }

        public void Dispose()
        {
        }

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => Fault() ? throw new InvalidOperationException("logging fault") : null;

        public bool IsEnabled(LogLevel logLevel) => Fault() ? throw new InvalidOperationException("logging fault") : true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (Fault())
            {
                throw new InvalidOperationException("logging fault");
            }
        }

        private bool Fault() => (Interlocked.Increment(ref _calls) & 1) == 0;
    }
}
