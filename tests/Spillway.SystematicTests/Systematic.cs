using Microsoft.Coyote;
using Microsoft.Coyote.SystematicTesting;

namespace Spillway.SystematicTests;

/// <summary>Runs one scenario under the Coyote testing engine and checks the outcome with NUnit.</summary>
internal static class Systematic
{
    /// <summary>Explores <paramref name="scenario"/> and fails the NUnit test if Coyote found a bug.</summary>
    public static void AssertNoBug(Func<Task> scenario, int iterations, int maxSteps, bool prioritized = false)
    {
        var (config, engine) = Run(scenario, iterations, maxSteps, prioritized);
        using (engine)
        {
            var report = engine.TestReport;
            var text = report.GetText(config, "coyote") + string.Join(Environment.NewLine, report.BugReports);
            TestContext.Out.WriteLine(text);
            foreach (var invocation in report.UncontrolledInvocations)
            {
                TestContext.Out.WriteLine("uncontrolled: " + invocation);
            }

            if (report.NumOfFoundBugs > 0)
            {
                TestContext.Out.WriteLine(SaveTrace(engine));
            }

            Assert.Multiple(() =>
            {
                Assert.That(report.NumOfFoundBugs, Is.Zero, text);
                Assert.That(report.NumOfExploredFairPaths + report.NumOfExploredUnfairPaths, Is.GreaterThanOrEqualTo(iterations), "iterations explored");

                // An uncontrolled call means an interleaving the engine cannot steer, so a clean report would prove less.
                Assert.That(report.UncontrolledInvocations, Is.Empty, "calls Coyote does not control");
            });
        }
    }

    /// <summary>
    /// Explores <paramref name="scenario"/>, which holds a deliberate bug, and fails the NUnit test unless Coyote found
    /// it and described it with <paramref name="expectedReport"/>.
    /// </summary>
    public static void AssertFindsBug(Func<Task> scenario, int iterations, int maxSteps, string expectedReport)
    {
        var (config, engine) = Run(scenario, iterations, maxSteps, prioritized: false);
        using (engine)
        {
            var report = engine.TestReport;
            TestContext.Out.WriteLine(report.GetText(config, "coyote"));
            foreach (var bug in report.BugReports)
            {
                TestContext.Out.WriteLine("found: " + bug);
            }

            Assert.That(report.NumOfFoundBugs, Is.GreaterThan(0), "the engine must find the deliberate bug");
            Assert.That(report.BugReports, Has.Some.Contains(expectedReport).IgnoreCase, "the engine found something else");
        }
    }

    private static (Configuration Config, TestingEngine Engine) Run(Func<Task> scenario, int iterations, int maxSteps, bool prioritized)
    {
        var config = Configuration.Create()
            .WithTestingIterations((uint)iterations)
            .WithMaxSchedulingSteps((uint)maxSteps)
            .WithTelemetryEnabled(false);
        if (prioritized)
        {
            config = config.WithPrioritizationStrategy(isFair: false, priorityChangeBound: 10);
        }

        var engine = TestingEngine.Create(config, scenario);
        engine.Run();

        // Without rewriting, Coyote only logs an error and explores almost nothing: that must fail the test.
        Assert.That(engine.IsTestRewritten(), Is.True, "the test assembly must be rewritten by Coyote (see the .csproj)");

        return (config, engine);
    }

    private static string SaveTrace(TestingEngine engine)
    {
        var directory = Path.Combine(TestContext.CurrentContext.WorkDirectory, "coyote-traces");
        Directory.CreateDirectory(directory);
        return engine.TryEmitReports(directory, TestContext.CurrentContext.Test.Name, out var paths)
            ? "Coyote reports: " + string.Join(", ", paths)
            : "Coyote could not write its reports.";
    }
}
