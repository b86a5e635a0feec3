namespace Spillway.SystematicTests;

/// <summary>How hard each scenario is explored: a CI size and a by-hand stress size.</summary>
internal static class Budget
{
    /// <summary>Iterations (schedules) per scenario in the normal run; each scenario is a handful of tasks.</summary>
    public const int Iterations = 1000;

    /// <summary>Iterations per scenario in the <c>Stress</c> category.</summary>
    public const int StressIterations = 20_000;

    /// <summary>
    /// Scheduling decisions allowed per iteration (Coyote allows fair schedules ten times as many). Most iterations take
    /// under 400; only schedules that keep a spinning thread going (the polling reader, the reader guard's spin while a
    /// closing sender borrows it) take more.
    /// </summary>
    public const int MaxSteps = 2000;
}
