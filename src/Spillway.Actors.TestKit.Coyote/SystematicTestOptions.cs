namespace Spillway.Actors.TestKit.Coyote;

/// <summary>How <see cref="ActorSystematicTest"/> explores a scenario.</summary>
public sealed class SystematicTestOptions
{
    /// <summary>Gets or sets how many interleavings (iterations) to try at most; the run stops at the first bug. Default 100; at least 1.</summary>
    public int Iterations { get; set; } = 100;

    /// <summary>
    /// Gets or sets the scheduling decisions allowed per iteration before it is cut short. Default 5,000 (a scenario of a
    /// few actors takes a few hundred); at least 1.
    /// </summary>
    public int MaxSchedulingSteps { get; set; } = 5000;

    /// <summary>
    /// Gets or sets the seed of the engine's random choices: the same seed, scenario and code explore the same
    /// interleavings in the same order. Default <see langword="null"/>: a new seed each run, for more coverage over
    /// many runs (a bug found is still reproducible from <see cref="SystematicTestReport.ReproducibleTrace"/>).
    /// </summary>
    public uint? Seed { get; set; }

    /// <summary>
    /// Gets or sets whether to use the (fair) prioritization strategy, which favours few context switches at chosen
    /// points, instead of the default random walk. Worth running as a second pass.
    /// </summary>
    public bool Prioritized { get; set; }

    /// <summary>
    /// Gets or sets a folder to write the engine's reports to when a bug is found (a <c>.trace</c> file, replayable with
    /// <see cref="ActorSystematicTest.Replay"/>, and a readable log). Default <see langword="null"/>: nothing written.
    /// </summary>
    public string? ReportDirectory { get; set; }

    /// <summary>
    /// Gets or sets a change to the options of the <see cref="ActorTestKit"/> each iteration gets (its mode is always
    /// <see cref="TestKitMode.Systematic"/>).
    /// </summary>
    public Action<ActorTestKitOptions>? ConfigureKit { get; set; }
}
