using System.Reflection;
using System.Runtime.ExceptionServices;

namespace Spillway.Actors.SystematicTests;

/// <summary>
/// Replays a schedule that a systematic test saved when it found a bug (its <c>.trace</c> file under
/// <c>bin/.../coyote-traces/</c>), to confirm the bug and debug it step by step. Run by hand:
/// <c>SPILLWAY_COYOTE_TEST=&lt;test method name&gt; SPILLWAY_COYOTE_TRACE=&lt;path to .trace&gt; dotnet test
/// --filter Name=Replay_SavedTrace_ReproducesTheBug</c>. The test fails with the bug's report when the trace reproduces it.
/// </summary>
public class ReplayTests
{
    [Test]
    [Explicit("replays a saved trace, run by hand")]
    [Category("Stress")]
    public void Replay_SavedTrace_ReproducesTheBug()
    {
        var name = Environment.GetEnvironmentVariable("SPILLWAY_COYOTE_TEST");
        var tracePath = Environment.GetEnvironmentVariable("SPILLWAY_COYOTE_TRACE");
        Assume.That(name, Is.Not.Null.And.Not.Empty, "set SPILLWAY_COYOTE_TEST to the name of the test that saved the trace");
        Assume.That(tracePath, Is.Not.Null.And.Not.Empty, "set SPILLWAY_COYOTE_TRACE to the .trace file");

        var method = typeof(ReplayTests).Assembly.GetTypes()
            .SelectMany(type => type.GetMethods(BindingFlags.Public | BindingFlags.Instance))
            .Single(candidate => candidate.Name == name && candidate.GetCustomAttribute<TestAttribute>() is not null);
        var fixture = Activator.CreateInstance(method.DeclaringType!);
        Systematic.ReplayWith(File.ReadAllText(tracePath!), () =>
        {
            try
            {
                method.Invoke(fixture, null);
            }
            catch (TargetInvocationException error) when (error.InnerException is not null)
            {
                ExceptionDispatchInfo.Throw(error.InnerException);
            }
        });
    }
}
