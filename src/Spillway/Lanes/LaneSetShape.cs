namespace Spillway;

/// <summary>
/// The rules for the shape of a lane set (its lane count and capacity), shared by every options type that sets one:
/// the channel's options and an actor's spawn options (checked at the spawn and at the system's start).
/// </summary>
internal static class LaneSetShape
{
    /// <summary>Gets what is wrong with <paramref name="laneCount"/>, or <see langword="null"/> when it is valid.</summary>
    public static string? FindLaneCountProblem(int laneCount) =>
        laneCount < 1 ? $"must be at least 1 (was {laneCount})" : null;

    /// <summary>Gets what is wrong with <paramref name="capacity"/>, or <see langword="null"/> when it is valid (unbounded included).</summary>
    public static string? FindCapacityProblem(int? capacity) =>
        capacity is < 1 ? $"must be at least 1, or null for unbounded (was {capacity})" : null;
}
