namespace Spillway.SystematicTests;

/// <summary>How hard each scenario is explored: a CI size and a by-hand stress size.</summary>
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
    /// Iterations allowed to the control experiments that must find a deliberately seeded bug: the engine stops at the
    /// first bug, so this is a bound, not a cost (a few hundred schedules usually suffice; 300 once did not).
    /// </summary>
    public static readonly int BugHuntIterations = Math.Max(Iterations, 10_000);

    /// <summary>Iterations per scenario in the <c>Stress</c> category.</summary>
    public const int StressIterations = 20_000;

    /// <summary>
    /// Scheduling decisions allowed per iteration (Coyote allows fair schedules ten times as many). Most iterations take
    /// under 400; only schedules that keep a spinning thread going (the polling reader, the reader guard's spin while a
    /// closing sender borrows it) take more.
    /// </summary>
    public const int MaxSteps = 2000;
}
