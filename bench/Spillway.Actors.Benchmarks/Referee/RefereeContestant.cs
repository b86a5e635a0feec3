namespace Spillway.Actors.Benchmarks.Referee;

/// <summary>One contestant of a referee shape: a name and one timed run.</summary>
/// <param name="Name">What is measured.</param>
/// <param name="RunOnceAsync">Performs the shape's operations once; completes when they are all done.</param>
internal sealed record RefereeContestant(string Name, Func<Task> RunOnceAsync);
