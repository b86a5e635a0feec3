using System.Reflection;
using Microsoft.Coyote;
using Microsoft.Coyote.SystematicTesting;

namespace Spillway.Actors.SystematicTests;

/// <summary>Runs one scenario under the Coyote testing engine and checks the outcome with NUnit.</summary>
internal static class Systematic
{
    /// <summary>
    /// Calls Coyote reports as uncontrolled that cannot change an interleaving. <c>SynchronizationContext..ctor</c>: every
    /// <see cref="ActorScheduler"/> builds its actor synchronization context (a plain object construction); the test
    /// scheduler never installs it.
    /// </summary>
    private static readonly string[] s_harmlessInvocations = ["System.Threading.SynchronizationContext..ctor"];

    /// <summary>Set by <see cref="ReplayWith"/>: the saved trace that the next scenario replays instead of exploring.</summary>
    private static readonly AsyncLocal<string?> s_replayTrace = new();

    /// <summary>Explores <paramref name="scenario"/> and fails the NUnit test if Coyote found a bug.</summary>
    /// <param name="scenario">The scenario; it checks its properties with <c>Specification.Assert</c>.</param>
    /// <param name="iterations">How many schedules to explore.</param>
    /// <param name="prioritized">
    /// Use the (fair) prioritization strategy, which favours few context switches at chosen points, instead of Coyote's
    /// default random walk.
    /// </param>
    /// <param name="suspends">
    /// The scenario leaves handlers pending: check that the mailbox really suspended a turn on one at least
    /// once, so that the suspend/resume path was explored.
    /// </param>
    /// <param name="knownUncontrolled">
    /// Further calls the scenario is known to make outside Coyote's control, each justified where the scenario is
    /// written; any other uncontrolled call fails the test.
    /// </param>
    public static void AssertNoBug(Func<Task> scenario, int iterations, bool prioritized = false, bool suspends = false, string[]? knownUncontrolled = null)
    {
        if (s_replayTrace.Value is { } trace)
        {
            Replay(scenario, trace);
            return;
        }

        var suspensionsBefore = PendingResult.Suspensions;
        var completed = 0;
        var (config, engine) = Run(
            async () =>
            {
                await scenario();
                Interlocked.Increment(ref completed);
            },
            iterations,
            prioritized);
        using (engine)
        {
            var report = engine.TestReport;
            var text = report.GetText(config, "coyote");
            TestContext.Out.WriteLine(text);
            foreach (var invocation in report.UncontrolledInvocations)
            {
                TestContext.Out.WriteLine("uncontrolled: " + invocation);
            }

            if (report.NumOfFoundBugs > 0)
            {
                foreach (var bug in report.BugReports)
                {
                    TestContext.Out.WriteLine("bug: " + bug);
                }

                TestContext.Out.WriteLine(SaveTrace(engine));
            }

            Assert.Multiple(() =>
            {
                Assert.That(report.NumOfFoundBugs, Is.Zero, text);
                Assert.That(report.NumOfExploredFairPaths + report.NumOfExploredUnfairPaths, Is.GreaterThanOrEqualTo(iterations), "iterations explored");

                // Every iteration ran to the end of the scenario, checks included (none was cut short by the step bound).
                Assert.That(completed, Is.EqualTo(iterations), "iterations that ran the scenario to its end");

                // An uncontrolled call means an interleaving the engine cannot steer, so a clean report would prove less.
                Assert.That(
                    report.UncontrolledInvocations.Except(s_harmlessInvocations).Except(knownUncontrolled ?? []),
                    Is.Empty,
                    "calls Coyote does not control");
                if (suspends)
                {
                    Assert.That(PendingResult.Suspensions, Is.GreaterThan(suspensionsBefore), "no turn was ever suspended on a pending handler");
                }
            });
        }
    }

    /// <summary>
    /// Runs <paramref name="test"/> (an NUnit test of this assembly) so that its scenario replays
    /// <paramref name="trace"/>, a <c>.trace</c> file written when the test found a bug, instead of exploring.
    /// </summary>
    public static void ReplayWith(string trace, Action test)
    {
        s_replayTrace.Value = trace;
        try
        {
            test();
        }
        finally
        {
            s_replayTrace.Value = null;
        }
    }

    /// <summary>Explores <paramref name="scenario"/>, which holds a deliberate bug, and fails the NUnit test if Coyote missed it.</summary>
    /// <param name="scenario">The broken scenario.</param>
    /// <param name="iterations">How many schedules to explore at most.</param>
    public static void AssertFindsBug(Func<Task> scenario, int iterations)
    {
        var (config, engine) = Run(scenario, iterations, prioritized: false);
        using (engine)
        {
            var report = engine.TestReport;
            TestContext.Out.WriteLine(report.GetText(config, "coyote"));
            foreach (var bug in report.BugReports)
            {
                TestContext.Out.WriteLine("bug: " + bug);
            }

            Assert.That(report.NumOfFoundBugs, Is.GreaterThan(0), "the engine must find the deliberate bug");
        }
    }

    private static void Replay(Func<Task> scenario, string trace)
    {
        var config = Configuration.Create()
            .WithMaxSchedulingSteps(Budget.MaxSteps)
            .WithFailureOnMaxStepsBoundEnabled(true)
            .WithTelemetryEnabled(false)
            .WithReproducibleTrace(trace);
        using var engine = TestingEngine.Create(config, scenario);
        engine.Run();
        Assert.That(engine.IsTestRewritten(), Is.True, "the test assembly must be rewritten by Coyote (see the .csproj)");
        var report = engine.TestReport;
        TestContext.Out.WriteLine(report.GetText(config, "coyote"));
        if (report.NumOfFoundBugs == 0)
        {
            Assert.Inconclusive("the trace did not reproduce a bug (was the code or the scenario changed since it was saved?)");
        }

        Assert.Fail("reproduced: " + string.Join(Environment.NewLine, report.BugReports));
    }

    private static (Configuration Config, TestingEngine Engine) Run(Func<Task> scenario, int iterations, bool prioritized)
    {
        var config = Configuration.Create()
            .WithTestingIterations((uint)iterations)
            .WithMaxSchedulingSteps(Budget.MaxSteps)
            .WithTelemetryEnabled(false);
        if (prioritized)
        {
            // The fair variant: after the unfair phase it falls back to a random walk. The runtime has spin waits (the
            // lane spin lock, the shutdown spin); under a purely unfair schedule a spinning waiter that holds the highest
            // priority starves the lock holder until the step bound cuts the iteration short, unchecked.
            config = config.WithPrioritizationStrategy(isFair: true, priorityChangeBound: 10);
        }

        // A scenario takes a few hundred steps, a few thousand with spin waits; one that runs into the bound is a
        // livelock (such as a turn that reschedules itself forever) and must fail rather than be cut short quietly.
        config = config.WithFailureOnMaxStepsBoundEnabled(true);

        Assert.That(IsTelemetryEnabled(config), Is.False, "Coyote telemetry must be off");
        var engine = TestingEngine.Create(config, scenario);
        engine.Run();

        // Without rewriting, Coyote only logs an error and explores almost nothing: that must fail the test.
        Assert.That(engine.IsTestRewritten(), Is.True, "the test assembly must be rewritten by Coyote (see the .csproj)");
        return (config, engine);
    }

    /// <summary>Reads <c>Configuration.IsTelemetryEnabled</c>, which 1.7.11 keeps internal (telemetry is on by default).</summary>
    private static bool IsTelemetryEnabled(Configuration config)
    {
        var field = typeof(Configuration).GetField("IsTelemetryEnabled", BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public);
        Assert.That(field, Is.Not.Null, "Configuration.IsTelemetryEnabled not found: was Coyote upgraded?");
        return (bool)field!.GetValue(config)!;
    }

    private static string SaveTrace(TestingEngine engine)
    {
        var directory = Path.Combine(TestContext.CurrentContext.WorkDirectory, "coyote-traces");
        Directory.CreateDirectory(directory);
        return engine.TryEmitReports(directory, TestContext.CurrentContext.Test.Name, out var paths)
            ? "Coyote reports (replay the .trace with ReplayTests, see there): " + string.Join(", ", paths)
            : "Coyote could not write its reports.";
    }
}
