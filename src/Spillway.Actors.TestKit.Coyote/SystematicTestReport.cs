namespace Spillway.Actors.TestKit.Coyote;

/// <summary>What a run of <see cref="ActorSystematicTest"/> found.</summary>
public sealed class SystematicTestReport
{
    internal SystematicTestReport(
        IReadOnlyList<string> bugs,
        string reproducibleTrace,
        string summary,
        int iterations,
        IReadOnlyList<string> uncontrolledInvocations,
        IReadOnlyList<string> reportFiles)
    {
        Bugs = bugs;
        ReproducibleTrace = reproducibleTrace;
        Summary = summary;
        Iterations = iterations;
        UncontrolledInvocations = uncontrolledInvocations;
        ReportFiles = reportFiles;
    }

    /// <summary>Gets whether an iteration failed: an exception escaped the scenario (a failed expectation, an assertion), or it deadlocked.</summary>
    public bool BugFound => Bugs.Count > 0;

    /// <summary>Gets the engine's description of each bug found (the exception and where it was thrown, or the deadlock).</summary>
    public IReadOnlyList<string> Bugs { get; }

    /// <summary>
    /// Gets the trace of the failing interleaving (empty when no bug was found): pass it to
    /// <see cref="ActorSystematicTest.Replay"/> to run exactly that interleaving again, under a debugger if need be.
    /// </summary>
    public string ReproducibleTrace { get; }

    /// <summary>Gets the engine's summary: iterations explored, bugs found, scheduling steps.</summary>
    public string Summary { get; }

    /// <summary>Gets how many iterations ran.</summary>
    public int Iterations { get; }

    /// <summary>
    /// Gets the calls the engine saw but could not control (their interleavings were not explored), except the kit's
    /// own harmless ones (its synchronization context). Empty is best; anything here deserves a look.
    /// </summary>
    public IReadOnlyList<string> UncontrolledInvocations { get; }

    /// <summary>Gets the report files written to <see cref="SystematicTestOptions.ReportDirectory"/>, if any.</summary>
    public IReadOnlyList<string> ReportFiles { get; }

    /// <summary>Throws when a bug was found, with the bugs, the summary and the trace in the message.</summary>
    /// <exception cref="TestKitAssertionException">A bug was found.</exception>
    public void ThrowIfBugFound()
    {
        if (BugFound)
        {
            throw new TestKitAssertionException(ToString());
        }
    }

    /// <summary>Describes the outcome: the bugs, the summary, and the trace to replay.</summary>
    /// <returns>The description.</returns>
    public override string ToString() => BugFound
        ? $"Systematic test found a bug after {Iterations} iteration(s):{Environment.NewLine}{string.Join(Environment.NewLine, Bugs)}{Environment.NewLine}{Summary}" +
          (ReportFiles.Count > 0 ? $"{Environment.NewLine}Reports: {string.Join(", ", ReportFiles)}" : string.Empty) +
          Uncontrolled() +
          $"{Environment.NewLine}Replay it with ActorSystematicTest.Replay(scenario, trace); trace:{Environment.NewLine}{ReproducibleTrace}"
        : $"Systematic test found no bug in {Iterations} iteration(s).{Environment.NewLine}{Summary}" + Uncontrolled();

    private string Uncontrolled() => UncontrolledInvocations.Count == 0
        ? string.Empty
        : $"{Environment.NewLine}Uncontrolled: {string.Join(", ", UncontrolledInvocations)}";
}
