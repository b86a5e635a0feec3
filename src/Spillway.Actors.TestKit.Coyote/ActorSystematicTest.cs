using System.Runtime.ExceptionServices;
using Microsoft.Coyote;
using Microsoft.Coyote.SystematicTesting;

namespace Spillway.Actors.TestKit.Coyote;

/// <summary>
/// Runs a test scenario of actors under the Coyote systematic testing engine: each iteration gets a fresh
/// <see cref="ActorTestKit"/> in <see cref="TestKitMode.Systematic"/>, whose actor turns the engine interleaves with the
/// scenario's own tasks in a different order each time, so a race that a normal test hits once in a thousand runs is
/// found in a few iterations, with a trace that replays it exactly.
/// </summary>
/// <remarks>
/// <para>
/// Requirements (see docs/testing.md): the test project's output assemblies are rewritten by Coyote after each build,
/// which the MSBuild targets shipped in this package do once the project references <c>Microsoft.Coyote.Tool</c>
/// (listing the user's own actor assemblies in <c>SpillwayCoyoteAssembly</c> items); without rewriting the run throws.
/// Keep such tests in a test project of their own: the rewritten assemblies are meant for the engine.
/// </para>
/// <para>
/// In a scenario, run concurrent work with <c>Task.Run</c> and check properties by throwing: a
/// <see cref="TestKitAssertionException"/> from a probe, <c>Microsoft.Coyote.Specifications.Specification.Assert</c>, or
/// any exception. Do not use the test framework's asserts inside the scenario (a framework may record the failure
/// against the test even though the engine goes on); check the returned report instead. Check in the scenario's own
/// code, not in a handler: a handler's exception goes to the actor's supervision, not to the engine. When the scenario
/// throws, the runner shuts the kit down first (every turn finishes) and then reports the exception. Await tasks one by one:
/// <c>Task.WhenAll(a, b)</c> binds to an overload Coyote 1.7.11 does not rewrite.
/// </para>
/// <para>Thread-safety: each call runs its own engine; run one at a time (the engine is not meant to run in parallel).</para>
/// </remarks>
public static class ActorSystematicTest
{
    /// <summary>
    /// Calls the engine reports as uncontrolled that cannot change an interleaving: the kit's scheduler builds the
    /// actor synchronization context and installs it around each turn (plain per-thread assignments).
    /// </summary>
    private static readonly string[] s_harmlessInvocations =
    [
        "System.Threading.SynchronizationContext..ctor",
        "System.Threading.SynchronizationContext.get_Current",
        "System.Threading.SynchronizationContext.SetSynchronizationContext",
    ];

    /// <summary>Explores <paramref name="scenario"/> and reports the first bug found, if any.</summary>
    /// <param name="scenario">The scenario: spawn actors in the kit it is given, drive them, check the outcome by throwing.</param>
    /// <param name="options">How to explore; <see langword="null"/> for the defaults (100 iterations, a new seed).</param>
    /// <returns>The report; <see cref="SystematicTestReport.ThrowIfBugFound"/> fails the test when a bug was found.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="scenario"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    /// <exception cref="InvalidOperationException">The assemblies were not rewritten by Coyote, so nothing would be explored.</exception>
    public static SystematicTestReport Run(Func<ActorTestKit, Task> scenario, SystematicTestOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        options ??= new SystematicTestOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Iterations, 1, nameof(options));
        var config = CreateConfiguration(options)
            .WithTestingIterations((uint)options.Iterations);
        if (options.Seed is { } seed)
        {
            config = config.WithRandomGeneratorSeed(seed);
        }

        if (options.Prioritized)
        {
            config = config.WithPrioritizationStrategy(isFair: true, priorityChangeBound: 10);
        }

        return Execute(config, scenario, options);
    }

    /// <summary>Runs <paramref name="scenario"/> once, in exactly the interleaving <paramref name="trace"/> recorded.</summary>
    /// <param name="scenario">The scenario the trace was recorded from, unchanged (as is the code it runs).</param>
    /// <param name="trace">A <see cref="SystematicTestReport.ReproducibleTrace"/>, or the text of a saved <c>.trace</c> file.</param>
    /// <param name="options">Options; only <see cref="SystematicTestOptions.MaxSchedulingSteps"/> and <see cref="SystematicTestOptions.ConfigureKit"/> apply.</param>
    /// <returns>The report: a bug found again when the trace still reproduces it.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="scenario"/> or <paramref name="trace"/> is <see langword="null"/>.</exception>
    /// <exception cref="InvalidOperationException">The assemblies were not rewritten by Coyote.</exception>
    public static SystematicTestReport Replay(Func<ActorTestKit, Task> scenario, string trace, SystematicTestOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        ArgumentNullException.ThrowIfNull(trace);
        options ??= new SystematicTestOptions();
        var config = CreateConfiguration(options).WithReproducibleTrace(trace);
        return Execute(config, scenario, options);
    }

    private static Configuration CreateConfiguration(SystematicTestOptions options)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxSchedulingSteps, 1, nameof(options));
        // Interlocked and Volatile operations are not scheduling points here (Coyote makes them so by default): the
        // runtime's process-wide pools (the ask sources) use them, and their state carries over from one iteration, and
        // one test, to the next, so the points they add differ between a run and its replay and a trace would not
        // reproduce. The interleavings explored are those of turns, tasks, awaits and locks: where actors race.
        return Configuration.Create()
            .WithMaxSchedulingSteps((uint)options.MaxSchedulingSteps)
            .WithAtomicOperationRaceCheckingEnabled(false)
            .WithVolatileOperationRaceCheckingEnabled(false)
            .WithTelemetryEnabled(false);
    }

    private static SystematicTestReport Execute(Configuration config, Func<ActorTestKit, Task> scenario, SystematicTestOptions options)
    {
        using var engine = TestingEngine.Create(config, () => RunIterationAsync(scenario, options));
        engine.Run();
        if (!engine.IsTestRewritten())
        {
            throw new InvalidOperationException(
                "The test assembly was not rewritten by Coyote, so no interleaving was explored. Reference Microsoft.Coyote.Tool " +
                "with GeneratePathProperty=\"true\" and let the Spillway.Actors.TestKit.Coyote targets rewrite the build output (see docs/testing.md).");
        }

        var report = engine.TestReport;
        var bugs = report.BugReports.ToArray();
        var files = Array.Empty<string>();
        if (bugs.Length > 0 && options.ReportDirectory is { } directory)
        {
            Directory.CreateDirectory(directory);
            if (engine.TryEmitReports(directory, "spillway-systematic", out var paths))
            {
                files = [.. paths];
            }
        }

        return new SystematicTestReport(
            bugs,
            bugs.Length > 0 ? engine.ReproducibleTrace : string.Empty,
            report.GetText(config, "coyote"),
            report.NumOfExploredFairPaths + report.NumOfExploredUnfairPaths,
            [.. report.UncontrolledInvocations.Except(s_harmlessInvocations)],
            files);
    }

    /// <summary>One iteration: a fresh systematic kit, the scenario, then the kit's shutdown, before a failure is reported.</summary>
    /// <remarks>
    /// The shutdown comes first even when the scenario failed: it waits for every turn to finish, so that no actor's code
    /// is still running when the engine ends the iteration on the failure (the engine interrupts the code it controls
    /// at that point, and an interrupted continuation outside its control would end the test process).
    /// </remarks>
    private static async Task RunIterationAsync(Func<ActorTestKit, Task> scenario, SystematicTestOptions options)
    {
        var kitOptions = new ActorTestKitOptions();
        options.ConfigureKit?.Invoke(kitOptions);
        kitOptions.Mode = TestKitMode.Systematic;
        var kit = new ActorTestKit(kitOptions);
        ExceptionDispatchInfo? failure = null;
        try
        {
            await scenario(kit).ConfigureAwait(false);
        }
        catch (Exception error)
        {
            failure = ExceptionDispatchInfo.Capture(error);
        }

        await kit.DisposeAsync().ConfigureAwait(false);
        failure?.Throw();
    }
}
