namespace Spillway.SystematicTests;

/// <summary>
/// The long form of every scenario, run by hand:
/// <c>dotnet test tests/Spillway.SystematicTests -c Release --filter TestCategory=Stress</c>. Each scenario runs under
/// the default strategy portfolio and again under the prioritization strategy (priority change bound 10).
/// </summary>
[Category("Stress")]
[Explicit("Long: minutes per scenario. Run by hand.")]
public class StressTests
{
    private static IEnumerable<string> Scenarios => ScenarioCatalog.All.Keys;

    [TestCaseSource(nameof(Scenarios))]
    public void Scenario_ManyIterations_NoBug(string scenario) =>
        Systematic.AssertNoBug(ScenarioCatalog.All[scenario], Budget.StressIterations, Budget.MaxSteps);

    [TestCaseSource(nameof(Scenarios))]
    public void Scenario_ManyIterationsPrioritized_NoBug(string scenario) =>
        Systematic.AssertNoBug(ScenarioCatalog.All[scenario], Budget.StressIterations, Budget.MaxSteps, prioritized: true);
}
