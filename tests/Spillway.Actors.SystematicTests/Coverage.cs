namespace Spillway.Actors.SystematicTests;

/// <summary>
/// Counts the outcomes the iterations of one NUnit test reached (the reply won, the time-out won, ...), so the test can
/// check afterwards that the race really went both ways: a scenario that only ever ran one way would pass vacuously.
/// </summary>
/// <remarks>
/// Static because the scenario delegate runs inside the Coyote engine, once per iteration, with no handle back to the
/// NUnit test; the tests of this assembly run one at a time (nothing here is parallelizable), and each starts with
/// <see cref="Reset"/>. Thread-safety: any thread, under a lock.
/// </remarks>
internal static class Coverage
{
    private static readonly object s_gate = new();
    private static readonly Dictionary<string, int> s_hits = [];

    public static void Reset()
    {
        lock (s_gate)
        {
            s_hits.Clear();
        }
    }

    public static void Hit(string outcome)
    {
        lock (s_gate)
        {
            s_hits[outcome] = s_hits.GetValueOrDefault(outcome) + 1;
        }
    }

    /// <summary>Fails the NUnit test unless every one of <paramref name="outcomes"/> was reached at least once.</summary>
    public static void AssertReached(params string[] outcomes)
    {
        Dictionary<string, int> hits;
        lock (s_gate)
        {
            hits = new Dictionary<string, int>(s_hits);
        }

        TestContext.Out.WriteLine("outcomes: " + string.Join(", ", hits.OrderBy(h => h.Key, StringComparer.Ordinal).Select(h => $"{h.Key} x{h.Value}")));
        foreach (var outcome in outcomes)
        {
            Assert.That(hits.GetValueOrDefault(outcome), Is.GreaterThan(0), $"no iteration reached the outcome '{outcome}'");
        }
    }
}
