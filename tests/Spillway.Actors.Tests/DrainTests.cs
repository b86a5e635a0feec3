using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Spillway.Actors.Tests.TestKit;

namespace Spillway.Actors.Tests;

/// <summary>
/// A graceful shutdown drains to quiescence: what the system's actors tell and spawn while the shutdown drains is
/// accepted and handled, tells from outside become dead letters, and a cycle that never goes quiet ends with the token.
/// </summary>
public sealed class DrainTests
{
    [Test]
    public Task ShutdownAsync_ThreeStagePipelineToldAHundredThousandMessages_LosesNothing() => RunPipeline(100_000);

    [Test]
    [Explicit("long form, run by hand")]
    [Category("Stress")]
    public Task ShutdownAsync_ThreeStagePipelineToldFiveMillionMessages_LosesNothing() => RunPipeline(5_000_000);

    [Test]
    public async Task ShutdownAsync_PingPongForeverWithATwoSecondToken_EndsWithTheTokenAndCountsTheLeftovers()
    {
        var collector = new FakeLogCollector();
        var system = ActorSystem.Create(new ActorSystemOptions
        {
            WorkerCount = 2,

            // Only the token can end this shutdown.
            ShutdownTimeout = Timeout.InfiniteTimeSpan,
            LoggerFactory = FakeLogging.CreateFactory(collector),
        });
        long exchanges = 0;
        var pong = Wait.Signal<ActorRef<int>>();
        var ping = system.Spawn(() => new DelegateActor<int>
        {
            OnReceive = async (context, n) =>
            {
                Interlocked.Increment(ref exchanges);
                (await pong.Task).Tell(n + 1);
            },
        });
        pong.TrySetResult(system.Spawn(() => DelegateActor<int>.Of(n =>
        {
            Interlocked.Increment(ref exchanges);
            ping.Tell(n + 1);
        })));
        ping.Tell(0);
        using var token = new CancellationTokenSource(TimeSpan.FromSeconds(2));

        var atStart = Interlocked.Read(ref exchanges);
        await system.ShutdownAsync(token.Token).OrTimeout();

        Assert.That(Interlocked.Read(ref exchanges) - atStart, Is.GreaterThan(1_000), "the pair went on playing while the shutdown drained");
        Assert.That(system.DeadLetterCount, Is.GreaterThanOrEqualTo(1), "the ball in play became a dead letter");
        Assert.That(
            collector.GetSnapshot().Where(record => record.Level == LogLevel.Warning).Select(record => record.Message),
            Has.Some.Contains("ran out of time").And.Contains("became dead letters"));
        Assert.That(system.ActorCount, Is.Zero);
    }

    [Test]
    public async Task ShutdownAsync_ActorSpawnsAChildDuringTheDrain_TheChildHandlesTheForwardedMessages()
    {
        var system = ActorSystem.Create();
        var gate = Wait.Signal();
        var entered = Wait.Signal();
        var handledByChild = 0;
        var childStopped = Wait.Signal<int>();
        ActorRef<int>? child = null;
        var parent = system.Spawn(() => new DelegateActor<int>
        {
            OnReceive = async (context, n) =>
            {
                if (n == 0)
                {
                    entered.TrySetResult();
                    await gate.Task;
                    return;
                }

                child ??= context.Spawn(
                    () => new DelegateActor<int>
                    {
                        OnReceive = (_, _) =>
                        {
                            handledByChild++;
                            return default;
                        },
                        OnStopped = _ =>
                        {
                            childStopped.TrySetResult(handledByChild);
                            return default;
                        },
                    },
                    "child");
                child.Tell(n);
            },
        });
        parent.Tell(0);
        await entered.Task.OrTimeout();
        for (var i = 1; i <= 100; i++)
        {
            parent.Tell(i);
        }

        var shutdown = system.ShutdownAsync();
        gate.TrySetResult();
        await shutdown.OrTimeout();

        Assert.That(await childStopped.Task.OrTimeout(), Is.EqualTo(100));
        Assert.That(system.DeadLetterCount, Is.Zero);
    }

    [Test]
    public async Task ShutdownAsync_TellFromOutsideDuringTheDrain_IsADeadLetterWhileTheActorsOwnTellIsHandled()
    {
        var system = ActorSystem.Create();
        var deadLetters = new List<DeadLetter>();
        system.DeadLetterReceived += (_, deadLetter) =>
        {
            lock (deadLetters)
            {
                deadLetters.Add(deadLetter);
            }
        };
        var gate = Wait.Signal();
        var entered = Wait.Signal();
        var handled = new List<string>();
        var actor = system.Spawn(() => new DelegateActor<string>
        {
            OnReceive = async (context, message) =>
            {
                handled.Add(message);
                if (message == "hold")
                {
                    entered.TrySetResult();
                    await gate.Task;
                    context.Self.Tell("from itself, after an await");
                }
            },
        });
        actor.Tell("hold");
        await entered.Task.OrTimeout();

        var shutdown = system.ShutdownAsync();
        await Task.Run(() => actor.Tell("from outside"));
        gate.TrySetResult();
        await shutdown.OrTimeout();

        Assert.That(handled, Is.EqualTo(new[] { "hold", "from itself, after an await" }));
        Assert.That(deadLetters, Has.Count.EqualTo(1));
        Assert.That(deadLetters[0].Message, Is.EqualTo("from outside"));
        Assert.That(deadLetters[0].Reason, Is.EqualTo(DeadLetterReason.SystemShutdown));
    }

    [Test]
    public async Task ShutdownAsync_ActorAsksAnotherDuringTheDrain_GetsTheReply()
    {
        var system = ActorSystem.Create();
        var gate = Wait.Signal();
        var entered = Wait.Signal();
        var answer = Wait.Signal<int>();
        var doubler = system.Spawn(() => DelegateActor<(int Value, Reply<int> Reply)>.Of(request => request.Reply.Send(request.Value * 2)));
        var asker = system.Spawn(() => new DelegateActor<int>
        {
            OnReceive = async (_, n) =>
            {
                entered.TrySetResult();
                await gate.Task;
                answer.TrySetResult(await doubler.Ask<int>(reply => (n, reply), Wait.Timeout));
            },
        });
        asker.Tell(21);
        await entered.Task.OrTimeout();

        var shutdown = system.ShutdownAsync();
        gate.TrySetResult();
        await shutdown.OrTimeout();

        Assert.That(await answer.Task.OrTimeout(), Is.EqualTo(42));
        Assert.That(system.DeadLetterCount, Is.Zero);
    }

    [Test]
    public async Task ShutdownAsync_TellFromOnStoppedDuringTheFinalStop_IsADeadLetter()
    {
        var system = ActorSystem.Create();
        var sibling = system.Spawn(() => new DelegateActor<int>());
        system.Spawn(() => new DelegateActor<int>
        {
            OnStopped = _ =>
            {
                sibling.Tell(1);
                return default;
            },
        });

        await system.ShutdownAsync().OrTimeout();

        Assert.That(system.DeadLetterCount, Is.EqualTo(1));
    }

    private static async Task RunPipeline(int count)
    {
        var system = ActorSystem.Create(new ActorSystemOptions { WorkerCount = 2 });
        var counted = 0L;
        var atStop = Wait.Signal<long>();
        var last = system.Spawn(() => new DelegateActor<int>
        {
            OnReceive = (_, _) =>
            {
                counted++;
                return default;
            },
            OnStopped = _ =>
            {
                atStop.TrySetResult(counted);
                return default;
            },
        });
        var middle = system.Spawn(() => DelegateActor<int>.Of(last.Tell));
        var first = system.Spawn(() => DelegateActor<int>.Of(middle.Tell));
        for (var i = 0; i < count; i++)
        {
            first.Tell(i);
        }

        await system.ShutdownAsync().OrTimeout();

        Assert.That(await atStop.Task.OrTimeout(), Is.EqualTo(count));
        Assert.That(system.DeadLetterCount, Is.Zero);
    }
}
