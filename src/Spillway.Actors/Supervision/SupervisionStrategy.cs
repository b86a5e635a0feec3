namespace Spillway.Actors;

/// <summary>
/// Decides what happens when an actor's handler throws: resume, restart (with a limit and an optional backoff) or
/// stop. Immutable and thread-safe; one instance may be shared by any number of actors.
/// </summary>
/// <remarks>
/// A child spawned without a strategy of its own uses its parent's. An exception never kills a worker thread, whatever
/// the strategy.
/// </remarks>
public sealed class SupervisionStrategy
{
    private SupervisionStrategy(
        Func<Exception, SupervisionDirective> decider,
        int maxRestarts,
        TimeSpan restartWindow,
        TimeSpan backoff,
        TimeSpan maxBackoff)
    {
        Decider = decider;
        MaxRestarts = maxRestarts;
        RestartWindow = restartWindow;
        Backoff = backoff;
        MaxBackoff = maxBackoff;
    }

    /// <summary>Gets a strategy that skips every failing message.</summary>
    public static SupervisionStrategy Resume { get; } =
        new(static _ => SupervisionDirective.Resume, 0, TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero);

    /// <summary>Gets a strategy that stops the actor on its first failure.</summary>
    public static SupervisionStrategy Stop { get; } =
        new(static _ => SupervisionDirective.Stop, 0, TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero);

    /// <summary>Gets the default strategy: restart, at most 10 times a minute, then stop.</summary>
    public static SupervisionStrategy Default { get; } = Restart();

    /// <summary>Gets the function that picks a directive for an exception.</summary>
    public Func<Exception, SupervisionDirective> Decider { get; }

    /// <summary>Gets how many restarts are allowed within <see cref="RestartWindow"/> before the actor is stopped instead.</summary>
    public int MaxRestarts { get; }

    /// <summary>Gets the sliding window restarts are counted in.</summary>
    public TimeSpan RestartWindow { get; }

    /// <summary>
    /// Gets the delay before the first restart of a burst; each further restart within the window doubles it, up to
    /// <see cref="MaxBackoff"/>. <see cref="TimeSpan.Zero"/> restarts at once.
    /// </summary>
    public TimeSpan Backoff { get; }

    /// <summary>Gets the longest backoff delay.</summary>
    public TimeSpan MaxBackoff { get; }

    /// <summary>Creates a strategy that restarts on every failure, within a limit.</summary>
    /// <param name="maxRestarts">Restarts allowed within <paramref name="restartWindow"/>; one more stops the actor. At least 0.</param>
    /// <param name="restartWindow">The window restarts are counted in; default one minute. Must be positive.</param>
    /// <param name="backoff">The delay before a restart, doubled for each restart in the window; default none.</param>
    /// <param name="maxBackoff">The longest delay; default 30 seconds, or <paramref name="backoff"/> if larger.</param>
    /// <returns>The strategy.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A negative count or delay, or a window that is not positive.</exception>
    public static SupervisionStrategy Restart(
        int maxRestarts = 10,
        TimeSpan? restartWindow = null,
        TimeSpan? backoff = null,
        TimeSpan? maxBackoff = null) =>
        Decide(static _ => SupervisionDirective.Restart, maxRestarts, restartWindow, backoff, maxBackoff);

    /// <summary>Creates a strategy that picks a directive per exception, with a restart limit for the restarts it picks.</summary>
    /// <param name="decider">Picks the directive; if it throws, the actor is stopped.</param>
    /// <param name="maxRestarts">Restarts allowed within <paramref name="restartWindow"/>; one more stops the actor. At least 0.</param>
    /// <param name="restartWindow">The window restarts are counted in; default one minute. Must be positive.</param>
    /// <param name="backoff">The delay before a restart, doubled for each restart in the window; default none.</param>
    /// <param name="maxBackoff">The longest delay; default 30 seconds, or <paramref name="backoff"/> if larger.</param>
    /// <returns>The strategy.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="decider"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A negative count or delay, or a window that is not positive.</exception>
    public static SupervisionStrategy Decide(
        Func<Exception, SupervisionDirective> decider,
        int maxRestarts = 10,
        TimeSpan? restartWindow = null,
        TimeSpan? backoff = null,
        TimeSpan? maxBackoff = null)
    {
        ArgumentNullException.ThrowIfNull(decider);
        ArgumentOutOfRangeException.ThrowIfNegative(maxRestarts);
        var window = restartWindow ?? TimeSpan.FromMinutes(1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(window, TimeSpan.Zero, nameof(restartWindow));
        var delay = backoff ?? TimeSpan.Zero;
        ArgumentOutOfRangeException.ThrowIfLessThan(delay, TimeSpan.Zero, nameof(backoff));
        var maxDelay = maxBackoff ?? (delay > TimeSpan.FromSeconds(30) ? delay : TimeSpan.FromSeconds(30));
        ArgumentOutOfRangeException.ThrowIfLessThan(maxDelay, delay, nameof(maxBackoff));
        return new SupervisionStrategy(decider, maxRestarts, window, delay, maxDelay);
    }

    /// <summary>The backoff before the restart numbered <paramref name="restartsInWindow"/> (1 for the first).</summary>
    internal TimeSpan BackoffFor(int restartsInWindow)
    {
        if (Backoff <= TimeSpan.Zero)
        {
            return TimeSpan.Zero;
        }

        var exponent = Math.Min(Math.Max(restartsInWindow - 1, 0), 30);
        var ticks = Math.Min((double)Backoff.Ticks * Math.Pow(2, exponent), MaxBackoff.Ticks);
        return TimeSpan.FromTicks((long)ticks);
    }
}
