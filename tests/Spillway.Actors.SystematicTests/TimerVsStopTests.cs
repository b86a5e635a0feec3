using Microsoft.Coyote.Specifications;
using Microsoft.Extensions.Time.Testing;

namespace Spillway.Actors.SystematicTests;

/// <summary>
/// An actor's timer firing while the actor stops: the timer's callback (on the task that advances a
/// <see cref="FakeTimeProvider"/>) checks the timer's disposed flag and tells the actor, while the stop cancels every
/// timer of the actor. The message must be handled once, or be one dead letter, or never be told (cancelled first); and
/// once the stop has completed the timer is dead: more time tells nothing.
/// </summary>
/// <remarks>
/// <see cref="FakeTimeProvider"/> is not rewritten by Coyote: its timers' callbacks run synchronously inside
/// <see cref="FakeTimeProvider.Advance"/>, on the advancing task, which Coyote schedules against the stop.
/// </remarks>
public class TimerVsStopTests
{
    private const int Tick = 7;

    private const string HandledOutcome = "fired and handled";
    private const string DeadLetterOutcome = "fired into the stopping actor: a dead letter";
    private const string CancelledOutcome = "cancelled before it fired";

    private static readonly TimeSpan s_period = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The actor starts a timer in <c>OnStartedAsync</c> (once, or periodic); one task advances the clock by one period
    /// while another stops the actor. Then the clock moves three periods more.
    /// </summary>
    internal static async Task TimerRacesStopAsync(bool periodic)
    {
        var clock = new FakeTimeProvider();
        var system = Harness.CreateSystem(turnSize: 1, clock);
        var deadLetters = new DeadLetterProbe(system);
        var recorder = new Recorder();
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var actor = system.Spawn(() => new TimerActor(recorder, periodic, started));
        await started.Task;

        var advance = Task.Run(() => clock.Advance(s_period));
        var stop = Task.Run(() => system.StopAsync(actor));
        await advance;
        await stop;

        var handled = recorder.Snapshot();
        var dead = deadLetters.Snapshot();
        Specification.Assert(
            handled.Count + dead.Count <= 1 && handled.All(m => m == Tick) && dead.All(m => m == Tick),
            $"one period told the tick more than once: handled [{string.Join(", ", handled)}], dead [{string.Join(", ", dead)}]");
        Specification.Assert(recorder.Stopped == 1, $"OnStoppedAsync ran {recorder.Stopped} times");
        Coverage.Hit(handled.Count == 1 ? HandledOutcome : dead.Count == 1 ? DeadLetterOutcome : CancelledOutcome);

        // The timer died with the actor: nothing more is told, not even as a dead letter.
        clock.Advance(s_period * 3);
        Specification.Assert(
            recorder.Snapshot().Count == handled.Count && deadLetters.Snapshot().Count == dead.Count,
            "the timer outlived its actor");
        await system.ShutdownAsync();
    }

    [SetUp]
    public void ResetCoverage() => Coverage.Reset();

    [Test]
    public void ScheduleOnce_RacingStopAsync_TickedAtMostOnceAndDiesWithTheActor()
    {
        Systematic.AssertNoBug(() => TimerRacesStopAsync(periodic: false), Budget.RareOutcomeIterations);
        Coverage.AssertReached(HandledOutcome, DeadLetterOutcome, CancelledOutcome);
    }

    [Test]
    public void SchedulePeriodic_RacingStopAsync_TickedAtMostOnceAndDiesWithTheActor()
    {
        Systematic.AssertNoBug(() => TimerRacesStopAsync(periodic: true), Budget.RareOutcomeIterations);
        Coverage.AssertReached(HandledOutcome, DeadLetterOutcome, CancelledOutcome);
    }

    [Test]
    [Explicit("long form, run by hand")]
    [Category("Stress")]
    public void SchedulePeriodic_RacingStopAsync_Stress() =>
        Systematic.AssertNoBug(() => TimerRacesStopAsync(periodic: true), Budget.StressIterations);

    /// <summary>Starts a timer that tells <see cref="Tick"/> when it starts, and records what it handles.</summary>
    private sealed class TimerActor(Recorder recorder, bool periodic, TaskCompletionSource started) : Actor<int>
    {
        protected override ValueTask ReceiveAsync(int message)
        {
            recorder.Record(message);
            return default;
        }

        protected override ValueTask OnStartedAsync()
        {
            _ = periodic ? Context.SchedulePeriodic(Tick, s_period, s_period) : Context.ScheduleOnce(Tick, s_period);
            started.TrySetResult();
            return default;
        }

        protected override ValueTask OnStoppedAsync()
        {
            recorder.OnStopped();
            return default;
        }
    }
}
