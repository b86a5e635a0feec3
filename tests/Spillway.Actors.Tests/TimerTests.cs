using Microsoft.Extensions.Time.Testing;
using Spillway.Actors.Tests.TestKit;

namespace Spillway.Actors.Tests;

/// <summary>
/// Timers on the system's <see cref="TimeProvider"/> (a <see cref="FakeTimeProvider"/> here, so no test waits for real
/// time): once, periodic, cancelled by disposal, and dead with the actor, on stop and on restart.
/// </summary>
/// <remarks>
/// A timer tells through the actor's own reference, which is the one <see cref="ActorSystem.Spawn{TMsg}"/> returns, and
/// the fake clock fires it on the thread that advances it; so an ask sent after <c>Advance</c> through that reference
/// is processed after every tick that advance produced.
/// </remarks>
public sealed class TimerTests
{
    private enum Op
    {
        Tick,
        Once,
        Periodic,
        Cancel,
        Count,
        Fail,
    }

    private sealed record TimerMessage(Op Op, Reply<int>? Reply = null);

    [Test]
    public async Task ScheduleOnce_TimeAdvancedPastDelay_FiresExactlyOnce()
    {
        var time = new FakeTimeProvider();
        await using var system = CreateSystem(time);
        var actor = SpawnTimerActor(system);
        await Send(actor, Op.Once);

        time.Advance(TimeSpan.FromSeconds(10) - TimeSpan.FromTicks(1));
        Assert.That(await Send(actor, Op.Count), Is.Zero, "fired early");
        time.Advance(TimeSpan.FromTicks(1));
        Assert.That(await Send(actor, Op.Count), Is.EqualTo(1));
        time.Advance(TimeSpan.FromMinutes(5));

        Assert.That(await Send(actor, Op.Count), Is.EqualTo(1));
    }

    [Test]
    public async Task SchedulePeriodic_EachPeriod_FiresOnce()
    {
        var time = new FakeTimeProvider();
        await using var system = CreateSystem(time);
        var actor = SpawnTimerActor(system);
        await Send(actor, Op.Periodic);

        var counts = new List<int>();
        for (var i = 0; i < 5; i++)
        {
            time.Advance(TimeSpan.FromSeconds(5));
            counts.Add(await Send(actor, Op.Count));
        }

        Assert.That(counts, Is.EqualTo(new[] { 1, 2, 3, 4, 5 }));
    }

    [Test]
    public async Task SchedulePeriodic_HandleDisposed_StopsFiring()
    {
        var time = new FakeTimeProvider();
        await using var system = CreateSystem(time);
        var actor = SpawnTimerActor(system);
        await Send(actor, Op.Periodic);
        time.Advance(TimeSpan.FromSeconds(10));
        Assert.That(await Send(actor, Op.Count), Is.EqualTo(2));

        await Send(actor, Op.Cancel);
        time.Advance(TimeSpan.FromMinutes(1));

        Assert.That(await Send(actor, Op.Count), Is.EqualTo(2));
    }

    [Test]
    public async Task ScheduleOnce_HandleDisposedBeforeDue_NeverFires()
    {
        var time = new FakeTimeProvider();
        await using var system = CreateSystem(time);
        var actor = SpawnTimerActor(system);
        await Send(actor, Op.Once);

        await Send(actor, Op.Cancel);
        time.Advance(TimeSpan.FromMinutes(1));

        Assert.That(await Send(actor, Op.Count), Is.Zero);
    }

    [Test]
    public async Task Timers_ActorStopped_DieWithIt()
    {
        var time = new FakeTimeProvider();
        await using var system = CreateSystem(time);
        var actor = SpawnTimerActor(system);
        await Send(actor, Op.Periodic);
        await Send(actor, Op.Once);

        await system.StopAsync(actor).OrTimeout();
        time.Advance(TimeSpan.FromMinutes(1));

        // A surviving timer would tell the stopped actor: a dead letter.
        Assert.That(system.DeadLetterCount, Is.Zero);
    }

    [Test]
    public async Task Timers_ActorRestarted_DieWithTheOldInstance()
    {
        var time = new FakeTimeProvider();
        await using var system = CreateSystem(time);
        var actor = SpawnTimerActor(system, SupervisionStrategy.Restart());
        await Send(actor, Op.Periodic);
        time.Advance(TimeSpan.FromSeconds(5));
        Assert.That(await Send(actor, Op.Count), Is.EqualTo(1));

        actor.Tell(new TimerMessage(Op.Fail));
        Assert.That(await Send(actor, Op.Count), Is.Zero, "a new instance starts with a count of zero");
        time.Advance(TimeSpan.FromMinutes(1));

        Assert.That(await Send(actor, Op.Count), Is.Zero, "the old instance's timer still fires");
        Assert.That(system.DeadLetterCount, Is.Zero);
    }

    [Test]
    public async Task Schedule_InvalidArguments_Throw()
    {
        var time = new FakeTimeProvider();
        await using var system = CreateSystem(time);
        var errors = Wait.Signal<Exception?[]>();
        system.Spawn(() => new DelegateActor<TimerMessage>
        {
            OnStarted = context =>
            {
                errors.TrySetResult(
                [
                    Catch(() => context.ScheduleOnce(new TimerMessage(Op.Tick), TimeSpan.FromSeconds(-1))),
                    Catch(() => context.SchedulePeriodic(new TimerMessage(Op.Tick), TimeSpan.Zero, TimeSpan.Zero)),
                    Catch(() => context.ScheduleOnce(null!, TimeSpan.Zero)),
                ]);
                return default;
            },
        });

        var caught = await errors.Task.OrTimeout();

        Assert.That(caught[0], Is.InstanceOf<ArgumentOutOfRangeException>());
        Assert.That(caught[1], Is.InstanceOf<ArgumentOutOfRangeException>());
        Assert.That(caught[2], Is.InstanceOf<ArgumentNullException>());

        static Exception? Catch(Action action)
        {
            try
            {
                action();
                return null;
            }
            catch (ArgumentException error)
            {
                return error;
            }
        }
    }

    [Test]
    public async Task ScheduleOnce_FromOnStoppedAsync_IsRefusedAndNeverFires()
    {
        var time = new FakeTimeProvider();
        await using var system = CreateSystem(time);
        var refused = Wait.Signal<Exception?>();
        var actor = system.Spawn(() => new DelegateActor<TimerMessage>
        {
            OnStopped = context =>
            {
                try
                {
                    context.SchedulePeriodic(new TimerMessage(Op.Tick), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
                    refused.TrySetResult(null);
                }
                catch (InvalidOperationException error)
                {
                    refused.TrySetResult(error);
                }

                return default;
            },
        });

        await system.StopAsync(actor).OrTimeout();
        var error = await refused.Task.OrTimeout();
        time.Advance(TimeSpan.FromMinutes(1));

        Assert.That(error, Is.InstanceOf<InvalidOperationException>().With.Message.Contains("stopping"));
        Assert.That(system.DeadLetterCount, Is.Zero, "a timer created while stopping went on firing at the stopped actor");
    }

    private static ActorSystem CreateSystem(FakeTimeProvider time) =>
        ActorSystem.Create(new ActorSystemOptions { TimeProvider = time, SlowTurnThreshold = TimeSpan.Zero });

    /// <summary>Sends a request through the spawned (= timer) reference and waits for the answer; no real time passes.</summary>
    private static Task<int> Send(ActorRef<TimerMessage> actor, Op op) =>
        actor.Ask<int>(reply => new TimerMessage(op, reply), Timeout.InfiniteTimeSpan).OrTimeout();

    private static ActorRef<TimerMessage> SpawnTimerActor(ActorSystem system, SupervisionStrategy? strategy = null) =>
        system.Spawn(
            () =>
            {
                var ticks = 0;
                IDisposable? timer = null;
                return new DelegateActor<TimerMessage>
                {
                    OnReceive = (context, message) =>
                    {
                        switch (message.Op)
                        {
                            case Op.Tick:
                                ticks++;
                                break;
                            case Op.Once:
                                timer = context.ScheduleOnce(new TimerMessage(Op.Tick), TimeSpan.FromSeconds(10));
                                break;
                            case Op.Periodic:
                                timer = context.SchedulePeriodic(new TimerMessage(Op.Tick), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(5));
                                break;
                            case Op.Cancel:
                                timer?.Dispose();
                                break;
                            case Op.Fail:
                                throw new InvalidOperationException("restart");
                        }

                        message.Reply?.Send(ticks);
                        return default;
                    },
                };
            },
            options: strategy is null ? null : new SpawnOptions { Supervision = strategy });
}
