using Microsoft.Coyote;
using Microsoft.Coyote.Logging;
using Microsoft.Coyote.SystematicTesting;

namespace Spillway.SystematicTests;

/// <summary>
/// Replays a trace that a failing run saved (under the test output folder, <c>coyote-traces/</c>), with Coyote's
/// log on, to see the interleaving step by step:
/// <c>SPILLWAY_COYOTE_SCENARIO=Dispose.RacesSendsAndReads SPILLWAY_COYOTE_TRACE=/abs/path/X.trace dotnet test
/// tests/Spillway.SystematicTests -c Release --filter Name=Replay_SavedTrace_ReproducesBug</c>. The scenario names are
/// the keys of <see cref="ScenarioCatalog"/>. The trace only replays against the same build.
/// </summary>
[Category("Stress")]
[Explicit("Needs a saved trace; run by hand.")]
public class ReplayTests
{
    [NUnit.Framework.Test]
    public void Replay_SavedTrace_ReproducesBug()
    {
        var name = Environment.GetEnvironmentVariable("SPILLWAY_COYOTE_SCENARIO");
        var tracePath = Environment.GetEnvironmentVariable("SPILLWAY_COYOTE_TRACE");
        if (name is null || tracePath is null)
        {
            Assert.Ignore("Set SPILLWAY_COYOTE_SCENARIO and SPILLWAY_COYOTE_TRACE.");
        }

        var config = Configuration.Create()
            .WithTelemetryEnabled(false)
            .WithVerbosityEnabled(VerbosityLevel.Info)
            .WithReproducibleTrace(File.ReadAllText(tracePath));
        using var engine = TestingEngine.Create(config, ScenarioCatalog.All[name]);
        engine.Run();
        TestContext.Out.WriteLine(engine.TestReport.GetText(config, "coyote"));
        foreach (var bug in engine.TestReport.BugReports)
        {
            TestContext.Out.WriteLine("bug: " + bug);
        }

        Assert.Multiple(() =>
        {
            Assert.That(engine.IsTestRewritten(), Is.True);
            Assert.That(engine.TestReport.NumOfFoundBugs, Is.GreaterThan(0), "the trace did not reproduce a bug");
        });
    }
}
