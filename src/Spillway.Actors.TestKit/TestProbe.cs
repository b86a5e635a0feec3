using System.Diagnostics;

namespace Spillway.Actors.TestKit;

/// <summary>
/// An actor that records every message it receives, so a test can expect them: hand its <see cref="Ref"/> to the actor
/// under test, then await <see cref="ExpectMessageAsync(TimeSpan?, CancellationToken)"/> and its variants. Created by
/// <see cref="ActorTestKit.CreateProbe{TMsg}"/>.
/// </summary>
/// <typeparam name="TMsg">The message type the probe accepts.</typeparam>
/// <remarks>
/// <para>
/// Each expectation takes messages from the front of the probe's queue, in the order the probe received them; a taken
/// message is gone. In <see cref="TestKitMode.Threaded"/> an expectation waits up to its time-out in real time; in
/// <see cref="TestKitMode.Deterministic"/> it runs the system until idle and looks once, so it fails at once when no
/// message can come; in <see cref="TestKitMode.Systematic"/> it waits without a bound.
/// </para>
/// <para>
/// Thread-safety: any thread may call any member, but expectations take messages from one queue: run them one at a time.
/// The queue is guarded by <see cref="_gate"/>; a waiting expectation is resumed outside the lock.
/// </para>
/// </remarks>
public sealed class TestProbe<TMsg>
{
    /// <summary>How many of the messages skipped by <see cref="FishForMessageAsync"/> a failure names.</summary>
    private const int MaxNamed = 10;

    private readonly ActorTestKit _kit;
    private readonly object _gate = new();

    /// <summary>Received and not yet taken by an expectation; guarded by <see cref="_gate"/>.</summary>
    private readonly Queue<TMsg> _received = new();

    /// <summary>Completed (outside the lock) when a message arrives; guarded by <see cref="_gate"/>.</summary>
    private TaskCompletionSource? _arrival;

    /// <summary>What the auto-pilot threw, reported by the next expectation; guarded by <see cref="_gate"/>.</summary>
    private Exception? _autoPilotFailure;

    /// <summary>Read by the probe actor's turn, written by the test; volatile so a new auto-pilot is seen by the next message.</summary>
    private volatile Action<TMsg>? _autoPilot;

    internal TestProbe(ActorTestKit kit, string name)
    {
        _kit = kit;
        Ref = kit.System.Spawn(() => new ProbeActor(this), name);
    }

    /// <summary>Gets the probe's reference: tell it, ask through it, or hand it to the actor under test.</summary>
    public ActorRef<TMsg> Ref { get; }

    /// <summary>Gets the probe actor's name.</summary>
    public string Name => Ref.Name;

    /// <summary>Gets how many received messages no expectation has taken yet.</summary>
    public int PendingCount
    {
        get
        {
            lock (_gate)
            {
                return _received.Count;
            }
        }
    }

    /// <summary>
    /// Makes the probe act on every message it receives from now on, before recording it: typically to answer asks
    /// (<c>probe.SetAutoPilot(m =&gt; { if (m is GetPrice p) p.Reply.Send(10m); })</c>). The message is still recorded
    /// for the expectations.
    /// </summary>
    /// <param name="autoPilot">Runs in the probe actor's turn, one message at a time; <see langword="null"/> to stop.
    /// If it throws, the next expectation fails with that exception as its cause.</param>
    public void SetAutoPilot(Action<TMsg>? autoPilot) => _autoPilot = autoPilot;

    /// <summary>Expects a message, and takes it.</summary>
    /// <param name="timeout">How long to wait (<see cref="TestKitMode.Threaded"/>); <see langword="null"/> for the kit's default.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The message.</returns>
    /// <exception cref="TestKitAssertionException">No message came in time, or the auto-pilot threw.</exception>
#pragma warning disable RS0026 // The generic overload differs in arity, so no call is ambiguous.
    public async ValueTask<TMsg> ExpectMessageAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var (received, message) = await TryTakeAsync(timeout ?? _kit.DefaultTimeout, lookOnce: false, cancellationToken).ConfigureAwait(false);
        return received ? message! : throw new TestKitAssertionException($"{Describe()} expected a message {Within(timeout)}, but none arrived.");
    }

    /// <summary>Expects a message of type <typeparamref name="T"/> next, and takes it.</summary>
    /// <typeparam name="T">The type the next message must have.</typeparam>
    /// <param name="timeout">How long to wait (<see cref="TestKitMode.Threaded"/>); <see langword="null"/> for the kit's default.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The message.</returns>
    /// <exception cref="TestKitAssertionException">
    /// No message came in time, or the next message has another type (it is taken all the same), or the auto-pilot threw.
    /// </exception>
    public async ValueTask<T> ExpectMessageAsync<T>(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
        where T : TMsg
#pragma warning restore RS0026
    {
        var (received, message) = await TryTakeAsync(timeout ?? _kit.DefaultTimeout, lookOnce: false, cancellationToken).ConfigureAwait(false);
        return !received
            ? throw new TestKitAssertionException($"{Describe()} expected a message of type {typeof(T).Name} {Within(timeout)}, but none arrived.")
            : message is T typed
                ? typed
                : throw new TestKitAssertionException($"{Describe()} expected a message of type {typeof(T).Name}, but got {Show(message)}.");
    }

    /// <summary>Takes messages until one matches <paramref name="predicate"/>; the others are dropped.</summary>
    /// <param name="predicate">The message looked for.</param>
    /// <param name="timeout">How long to fish in all (<see cref="TestKitMode.Threaded"/>); <see langword="null"/> for the kit's default.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The first message that matches.</returns>
    /// <exception cref="TestKitAssertionException">No matching message came in time (the message names those skipped), or the auto-pilot threw.</exception>
    public async ValueTask<TMsg> FishForMessageAsync(Func<TMsg, bool> predicate, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        var limit = timeout ?? _kit.DefaultTimeout;
        var started = Stopwatch.GetTimestamp();
        var skipped = new List<TMsg>();
        while (true)
        {
            var remaining = limit - Stopwatch.GetElapsedTime(started);
            var (received, message) = await TryTakeAsync(remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero, lookOnce: false, cancellationToken).ConfigureAwait(false);
            if (!received)
            {
                var named = string.Join(", ", skipped.Take(MaxNamed).Select(Show)) + (skipped.Count > MaxNamed ? ", ..." : string.Empty);
                throw new TestKitAssertionException(
                    $"{Describe()} fished for a matching message {Within(timeout)}, but none matched; skipped {skipped.Count}: [{named}].");
            }

            if (predicate(message!))
            {
                return message!;
            }

            skipped.Add(message!);
        }
    }

    /// <summary>Expects that no message arrives.</summary>
    /// <param name="within">
    /// How long to watch in <see cref="TestKitMode.Threaded"/>, in real time. In <see cref="TestKitMode.Deterministic"/>
    /// the kit runs until idle and looks once (advance <see cref="ActorTestKit.Time"/> first to include timers); in
    /// <see cref="TestKitMode.Systematic"/> it looks once.
    /// </param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>A task that completes when the time is up with no message.</returns>
    /// <exception cref="TestKitAssertionException">A message arrived (it is taken), or the auto-pilot threw.</exception>
    public async Task ExpectNoMessageAsync(TimeSpan within, CancellationToken cancellationToken = default)
    {
        var lookOnce = _kit.Mode != TestKitMode.Threaded;
        var (received, message) = await TryTakeAsync(within, lookOnce, cancellationToken).ConfigureAwait(false);
        if (received)
        {
            throw new TestKitAssertionException($"{Describe()} expected no message {Within(within)}, but got {Show(message)}.");
        }
    }

    /// <summary>Takes the next message, waiting as the kit's mode says, or (<paramref name="lookOnce"/>) not at all.</summary>
    private async ValueTask<(bool Received, TMsg? Message)> TryTakeAsync(TimeSpan timeout, bool lookOnce, CancellationToken cancellationToken)
    {
        _kit.Settle();
        var started = Stopwatch.GetTimestamp();
        while (true)
        {
            TaskCompletionSource arrival;
            lock (_gate)
            {
                if (_autoPilotFailure is { } failure)
                {
                    _autoPilotFailure = null;
                    throw new TestKitAssertionException($"The auto-pilot of {Describe()} threw: {failure.Message}", failure);
                }

                if (_received.TryDequeue(out var message))
                {
                    return (true, message);
                }

                if (lookOnce || _kit.Mode == TestKitMode.Deterministic)
                {
                    return (false, default);
                }

                arrival = _arrival ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }

            var remaining = timeout - Stopwatch.GetElapsedTime(started);
            if (_kit.Mode == TestKitMode.Threaded && remaining <= TimeSpan.Zero)
            {
                return (false, default);
            }

            if (!await _kit.WaitAsync(arrival.Task, remaining, cancellationToken).ConfigureAwait(false) && _kit.Mode != TestKitMode.Systematic)
            {
                // Time is up; look once more (a message may have come just now) and then give up.
                timeout = TimeSpan.Zero;
            }
        }
    }

    private string Describe() => $"TestProbe {Ref.Path}";

    private string Within(TimeSpan? timeout) => _kit.Mode switch
    {
        TestKitMode.Threaded => $"within {timeout ?? _kit.DefaultTimeout}",
        TestKitMode.Deterministic => "(deterministic mode: the system ran until idle)",
        _ => "(systematic mode)",
    };

    private static string Show(TMsg? message) => message?.ToString() ?? "null";

    private void OnReceived(TMsg message)
    {
        var autoPilot = _autoPilot;
        Exception? failure = null;
        if (autoPilot is not null)
        {
            try
            {
                autoPilot(message);
            }
            catch (Exception error)
            {
                failure = error;
            }
        }

        TaskCompletionSource? arrival;
        lock (_gate)
        {
            _received.Enqueue(message);
            _autoPilotFailure ??= failure;
            arrival = _arrival;
            _arrival = null;
        }

        // Outside the lock: the waiter's continuation runs elsewhere (RunContinuationsAsynchronously), never under it.
        arrival?.TrySetResult();
    }

    /// <summary>The actor behind the probe: hands every message to the probe.</summary>
    private sealed class ProbeActor(TestProbe<TMsg> probe) : Actor<TMsg>
    {
        protected override ValueTask ReceiveAsync(TMsg message)
        {
            probe.OnReceived(message);
            return default;
        }
    }
}
