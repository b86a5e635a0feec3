using Microsoft.Extensions.Time.Testing;
using Spillway.Actors.TestKit.Scheduling;

namespace Spillway.Actors.TestKit;

/// <summary>
/// An actor system for one test: on a <see cref="FakeTimeProvider"/> (actor timers and ask time-outs move only when the
/// test advances <see cref="Time"/>), with its dead letters and log events captured, and test probes to hand to the
/// actors under test. Works with any test framework: a failed expectation throws <see cref="TestKitAssertionException"/>.
/// </summary>
/// <remarks>
/// <para>
/// Create one per test and dispose it at the end (<see cref="DisposeAsync"/> shuts the system down). In
/// <see cref="TestKitMode.Deterministic"/> nothing runs until the test calls <see cref="RunUntilIdle"/>,
/// <see cref="Advance"/> or an expectation.
/// </para>
/// <para>
/// Thread-safety: every member may be called from any thread, except that <see cref="RunUntilIdle"/> (and the
/// expectations and <see cref="Advance"/>, which call it in <see cref="TestKitMode.Deterministic"/>) must be called by
/// one thread at a time, never from an actor's code.
/// </para>
/// </remarks>
public sealed class ActorTestKit : IAsyncDisposable
{
    private readonly DeterministicScheduler? _deterministic;
    private readonly CapturingLoggerFactory _logs = new();

    /// <summary>Guards <see cref="_deadLetters"/>; dead letters are raised on whichever thread told or stopped.</summary>
    private readonly object _deadLettersGate = new();
    private readonly List<DeadLetter> _deadLetters = [];

    /// <summary>Numbers the probes created without a name; Interlocked (probes may be created from any thread).</summary>
    private int _probes;

    /// <summary>Creates the kit and starts its actor system.</summary>
    /// <param name="options">The settings; <see langword="null"/> for the defaults (<see cref="TestKitMode.Threaded"/>).</param>
    /// <exception cref="ArgumentException">A setting is out of range.</exception>
    public ActorTestKit(ActorTestKitOptions? options = null)
    {
        options ??= new ActorTestKitOptions();
        if (!Enum.IsDefined(options.Mode))
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Mode, "Unknown test kit mode.");
        }

        if (options.DefaultTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.DefaultTimeout, "DefaultTimeout must be positive.");
        }

        Mode = options.Mode;
        DefaultTimeout = options.DefaultTimeout;
        Time = new FakeTimeProvider(options.StartTime);
        var systemOptions = new ActorSystemOptions
        {
            Name = "testkit",
            Scheduler = SchedulerKind.ThreadPool,
            TimeProvider = Time,
            LoggerFactory = _logs,
        };
        switch (Mode)
        {
            case TestKitMode.Deterministic:
                var scheduler = new DeterministicScheduler();
                _deterministic = scheduler;
                systemOptions.SchedulerOverride = () => scheduler;
                break;
            case TestKitMode.Systematic:
                systemOptions.SchedulerOverride = static () => new SystematicScheduler();

                // No shutdown bound: it arms a real timer, which the systematic engine does not control.
                systemOptions.ShutdownTimeout = Timeout.InfiniteTimeSpan;
                break;
        }

        options.ConfigureSystem?.Invoke(systemOptions);
        System = ActorSystem.Create(systemOptions);
        System.DeadLetterReceived += OnDeadLetter;
    }

    /// <summary>Gets the actor system: spawn the actors under test here.</summary>
    public ActorSystem System { get; }

    /// <summary>
    /// Gets the system's clock. It stands still until the test advances it (<see cref="Advance"/>, or
    /// <see cref="FakeTimeProvider.Advance"/> directly); then the actor timers and ask time-outs that fall due fire, in
    /// order, on the advancing thread.
    /// </summary>
    public FakeTimeProvider Time { get; }

    /// <summary>Gets how the kit runs its actors.</summary>
    public TestKitMode Mode { get; }

    /// <summary>Gets how long an expectation without a time-out of its own waits in <see cref="TestKitMode.Threaded"/>.</summary>
    public TimeSpan DefaultTimeout { get; }

    /// <summary>Gets a copy of the dead letters the system raised so far, in the order they were raised.</summary>
    public IReadOnlyList<DeadLetter> DeadLetters
    {
        get
        {
            lock (_deadLettersGate)
            {
                return [.. _deadLetters];
            }
        }
    }

    /// <summary>
    /// Gets a copy of the events the system and its actors (<see cref="ActorContext{TMsg}.Logger"/>) logged so far, at
    /// every level, in the order they were written.
    /// </summary>
    public IReadOnlyList<CapturedLogEvent> LogEvents => _logs.Snapshot();

    /// <summary>Creates a probe: an actor that records what it receives, for the test to expect.</summary>
    /// <typeparam name="TMsg">The message type the probe accepts.</typeparam>
    /// <param name="name">The probe actor's name; <see langword="null"/> for <c>probe-1</c>, <c>probe-2</c>, ...</param>
    /// <returns>The probe; hand its <see cref="TestProbe{TMsg}.Ref"/> to the actor under test.</returns>
    public TestProbe<TMsg> CreateProbe<TMsg>(string? name = null) =>
        new(this, name ?? "probe-" + Interlocked.Increment(ref _probes).ToString(global::System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>
    /// Runs the queued turns, and the turns they cause, one at a time on this thread until no actor has anything left
    /// to do (<see cref="TestKitMode.Deterministic"/> only).
    /// </summary>
    /// <returns>How many work items ran (turns, and continuations of handlers that awaited).</returns>
    /// <exception cref="InvalidOperationException">
    /// The kit is not deterministic; or this was called from an actor's code or by two threads at once; or the actors
    /// did not go idle within 100,000 work items (actors that tell each other forever).
    /// </exception>
    public int RunUntilIdle() =>
        _deterministic?.RunUntilIdle() ?? throw new InvalidOperationException($"RunUntilIdle needs TestKitMode.Deterministic; this kit is {Mode}.");

    /// <summary>
    /// Moves <see cref="Time"/> forward, firing the timers and ask time-outs that fall due. In
    /// <see cref="TestKitMode.Deterministic"/> it runs until idle first (so timers armed by queued messages are armed)
    /// and again after (so the timers' messages are handled).
    /// </summary>
    /// <param name="by">How far; zero or more.</param>
    /// <remarks>
    /// A timer armed by a turn that a timer of this same advance caused is armed after the whole advance, so it counts
    /// from the new time: to follow a chain of timers, advance in steps.
    /// </remarks>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="by"/> is negative.</exception>
    public void Advance(TimeSpan by)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(by, TimeSpan.Zero);
        _deterministic?.RunUntilIdle();
        Time.Advance(by);
        _deterministic?.RunUntilIdle();
    }

    /// <summary>Expects <paramref name="actor"/> to stop (or to have stopped): its stop complete, hooks and children included.</summary>
    /// <typeparam name="TMsg">The actor's message type.</typeparam>
    /// <param name="actor">The actor.</param>
    /// <param name="timeout">
    /// How long to wait in <see cref="TestKitMode.Threaded"/>; <see langword="null"/> for <see cref="DefaultTimeout"/>.
    /// In <see cref="TestKitMode.Deterministic"/> the kit runs until idle and looks once.
    /// </param>
    /// <returns>A task that completes when the actor has stopped.</returns>
    /// <exception cref="TestKitAssertionException">The actor did not stop in time.</exception>
    public async Task ExpectStoppedAsync<TMsg>(ActorRef<TMsg> actor, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(actor);
        var stopped = actor.Cell.Completion;
        if (!await WaitAsync(stopped, timeout).ConfigureAwait(false))
        {
            throw new TestKitAssertionException(Mode == TestKitMode.Deterministic
                ? $"Expected {actor.Path} to stop, but it is still running and the system is idle."
                : $"Expected {actor.Path} to stop within {timeout ?? DefaultTimeout}, but it is still running.");
        }
    }

    /// <summary>
    /// Shuts the system down (in <see cref="TestKitMode.Deterministic"/>, its scheduler first hands what is queued, and
    /// everything after, to the .NET thread pool, so the shutdown runs by itself).
    /// </summary>
    /// <returns>A task that completes when the system has shut down.</returns>
    public async ValueTask DisposeAsync()
    {
        _deterministic?.PassThrough();
        await System.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Runs until idle when deterministic; called by every expectation before it looks.</summary>
    internal void Settle() => _deterministic?.RunUntilIdle();

    /// <summary>
    /// Waits for <paramref name="task"/> as the mode says: deterministic, run until idle and look once; systematic, wait
    /// without a bound (the engine reports a wait that cannot end); threaded, up to the time-out in real time.
    /// </summary>
    /// <returns>Whether the task completed.</returns>
    internal async Task<bool> WaitAsync(Task task, TimeSpan? timeout, CancellationToken cancellationToken = default)
    {
        switch (Mode)
        {
            case TestKitMode.Deterministic:
                Settle();
                return task.IsCompleted;
            case TestKitMode.Systematic:
                await task.ConfigureAwait(false);
                return true;
            default:
                try
                {
                    await task.WaitAsync(timeout ?? DefaultTimeout, cancellationToken).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                    return task.IsCompleted;
                }

                return true;
        }
    }

    private void OnDeadLetter(object? sender, DeadLetter deadLetter)
    {
        lock (_deadLettersGate)
        {
            _deadLetters.Add(deadLetter);
        }
    }
}
