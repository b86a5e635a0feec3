namespace Spillway.Actors.SystematicTests;

/// <summary>How hard each scenario is explored: a CI size, and a by-hand size for the <c>Stress</c> category.</summary>
internal static class Budget
{
    /// <summary>Iterations (schedules) per scenario in the normal run.</summary>
    public const int Iterations = 1000;

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
