namespace Spillway.Actors.SystematicTests;

/// <summary>How hard each scenario is explored: a CI size, and a by-hand size for the <c>Stress</c> category.</summary>
internal static class Budget
{
    /// <summary>
    /// Iterations (schedules) per scenario in the normal run: 300, or <c>SPILLWAY_COYOTE_ITERATIONS</c> when set (for
    /// example 1000, the size of the normal run before the README's test command had to fit in three minutes). Coyote
    /// draws a new random seed every run, so successive CI runs explore different schedules; the <c>Stress</c> category
    /// explores <see cref="StressIterations"/> per scenario.
    /// </summary>
    public static readonly int Iterations =
        int.TryParse(Environment.GetEnvironmentVariable("SPILLWAY_COYOTE_ITERATIONS"), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var iterations) && iterations > 0 ? iterations : 300;

    /// <summary>
    /// Iterations for the scenarios whose coverage check waits for an outcome that under 5% of the schedules reach (a
    /// timer cancelled before it fires: 1.5%; a waiting <c>TellAsync</c> that lands: 2%; a concurrent tell handled after
    /// the ask: 3%, measured at 1000 iterations): 1000, so that the check misses it less than once in a million runs.
    /// </summary>
    public static readonly int RareOutcomeIterations = Math.Max(Iterations, 1000);

    /// <summary>
    /// Iterations allowed to the control experiments that must find a deliberately seeded bug: the engine stops at the
    /// first bug, so this is a bound, not a cost (a few hundred schedules usually suffice; 300 once did not).
    /// </summary>
    public static readonly int BugHuntIterations = Math.Max(Iterations, 10_000);

    /// <summary>Iterations per scenario in the explicit <c>Stress</c> runs.</summary>
    public const int StressIterations = 20_000;

    /// <summary>
    /// Scheduling decisions allowed per iteration in the unfair phase of a schedule; the fair phase that follows may take
    /// ten times as many (Coyote's default ratio), after which the iteration fails as a livelock. A scenario takes a few
    /// hundred decisions, and a few thousand when a waiter spins on a lane's spin lock (every spin is a scheduling
    /// point).
    /// </summary>
    public const int MaxSteps = 5000;
}
